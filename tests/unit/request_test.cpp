// SPDX-License-Identifier: Apache-2.0
#include "protocol/request.hpp"

#include <gtest/gtest.h>

#include "wire/error.hpp"

namespace saferchat {
namespace {

const std::string nonce44(44, 'A');

struct Rejection {
  std::string payload;
  ErrorCode code;
  std::string detail;
  nlohmann::json id;  // what the envelope should hold when the error is raised
};

void PrintTo(const Rejection& rejection, std::ostream* os) { *os << rejection.payload; }

class RequestRejections : public ::testing::TestWithParam<Rejection> {};

TEST_P(RequestRejections, GiveTheStableCodeAndExactDetail) {
  const Rejection& c = GetParam();
  RequestEnvelope envelope;
  try {
    static_cast<void>(parse_request(c.payload, {}, envelope));
    FAIL() << "accepted: " << c.payload;
  } catch (const Error& e) {
    EXPECT_EQ(code_name(e.code()), code_name(c.code)) << c.payload;
    EXPECT_EQ(e.detail(), c.detail) << c.payload;
  }
  EXPECT_EQ(envelope.id, c.id) << c.payload;
}

const std::string auth = R"({"command":"authenticate","id":7,"arguments":)";
const std::string auth_args =
    auth + R"({"challengeNonce":")" + nonce44 + R"(","origin":"https://chat.example",)";
// RFC 7518 Appendix C's P-256 key (Bob's), as a site publishes it.
const std::string seal_xy =
    R"("x":"weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ","y":"e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck")";

// What a bad "sealKey" gets: the key's fault, the same on every OS.
std::string seal_key_refusal(const std::string& why) { return "\"sealKey\": " + why; }

INSTANTIATE_TEST_SUITE_P(
    Table, RequestRejections,
    ::testing::Values(
        Rejection{"{\"command\":\"versi\xC3\"}", ErrorCode::invalid_utf8, "payload is not UTF-8",
                  nullptr},
        Rejection{"{\"command\":", ErrorCode::invalid_json, "syntax error at byte 12", nullptr},
        Rejection{R"({"command":"version","n":1e400})", ErrorCode::invalid_json,
                  "number out of range (json error 406)", nullptr},
        Rejection{"{} {}", ErrorCode::invalid_json, "syntax error at byte 4", nullptr},
        Rejection{"[[[[[[[[[[1]]]]]]]]]]", ErrorCode::invalid_json, "nesting deeper than 8 levels",
                  nullptr},
        Rejection{"[\"version\"]", ErrorCode::not_an_object, "payload is a JSON array", nullptr},
        Rejection{"\"version\"", ErrorCode::not_an_object, "payload is a JSON string", nullptr},
        Rejection{"null", ErrorCode::not_an_object, "payload is a JSON null", nullptr},
        Rejection{"{}", ErrorCode::missing_command, "no string \"command\"", nullptr},
        Rejection{R"({"id":"a","command":5})", ErrorCode::missing_command, "no string \"command\"",
                  "a"},
        Rejection{R"({"command":"format-c"})", ErrorCode::unknown_command,
                  "unknown command of 8 characters", nullptr},
        Rejection{R"({"command":"Version"})", ErrorCode::unknown_command,
                  "unknown command of 7 characters", nullptr},
        Rejection{R"({"command":"version","id":-1})", ErrorCode::invalid_argument,
                  "\"id\" must be a string of at most 64 characters or a safe integer >= 0",
                  nullptr},
        Rejection{R"({"command":"version","id":1.5})", ErrorCode::invalid_argument,
                  "\"id\" must be a string of at most 64 characters or a safe integer >= 0",
                  nullptr},
        Rejection{R"({"command":"version","id":9007199254740992})", ErrorCode::invalid_argument,
                  "\"id\" must be a string of at most 64 characters or a safe integer >= 0",
                  nullptr},
        Rejection{R"({"command":"version","id":{}})", ErrorCode::invalid_argument,
                  "\"id\" must be a string of at most 64 characters or a safe integer >= 0",
                  nullptr},
        Rejection{R"({"command":"version","arguments":[]})", ErrorCode::invalid_argument,
                  "\"arguments\" must be an object", nullptr},
        Rejection{auth + "{}}", ErrorCode::invalid_argument, "missing \"challengeNonce\"", 7},
        Rejection{auth + R"({"challengeNonce":12}})", ErrorCode::invalid_argument,
                  "\"challengeNonce\" must be a string", 7},
        Rejection{auth + R"({"challengeNonce":"c2hvcnQ="}})", ErrorCode::invalid_challenge,
                  "challenge nonce of 8 characters", 7},
        Rejection{auth + R"({"challengeNonce":")" + nonce44 + R"("}})", ErrorCode::invalid_argument,
                  "missing \"origin\"", 7},
        Rejection{
            auth + R"({"challengeNonce":")" + nonce44 + R"(","origin":"http://evil.example"}})",
            ErrorCode::invalid_origin, "origin rejected: scheme is not https", 7},
        Rejection{auth + R"({"challengeNonce":")" + nonce44 +
                      R"(","origin":"https://chat.example","lang":7}})",
                  ErrorCode::invalid_argument, "\"lang\" must be a string", 7},
        Rejection{auth + R"({"challengeNonce":")" + nonce44 +
                      R"(","origin":"https://chat.example","lang":"n"}})",
                  ErrorCode::invalid_argument, "\"lang\" is not a language tag", 7},
        Rejection{auth + R"({"challengeNonce":")" + nonce44 +
                      R"(","origin":"https://chat.example","timeout":"60"}})",
                  ErrorCode::invalid_argument, "\"timeout\" must be an integer number of seconds",
                  7},
        Rejection{auth + R"({"challengeNonce":")" + nonce44 +
                      R"(","origin":"https://chat.example","timeout":0}})",
                  ErrorCode::invalid_argument, "\"timeout\" must be from 1 to 600 seconds", 7},
        Rejection{auth_args + R"("sealKey":"key"}})", ErrorCode::invalid_argument,
                  "\"sealKey\" must be an object", 7},
        Rejection{auth_args + R"("sealKey":{"kty":"EC","crv":"P-256",)" + seal_xy +
                      R"(,"kid":"k1","d":"VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw"}}})",
                  ErrorCode::invalid_argument,
                  seal_key_refusal("the key has a private part (\"d\")"), 7},
        Rejection{
            auth_args + R"("sealKey":{"kty":"EC","crv":"P-384",)" + seal_xy + R"(,"kid":"k1"}}})",
            ErrorCode::invalid_argument,
            seal_key_refusal("the key is neither EC P-256 nor OKP X25519"), 7},
        Rejection{
            auth_args +
                R"("sealKey":{"kty":"OKP","crv":"X25519","x":"3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08","kid":"k1"}}})",
            ErrorCode::invalid_argument, seal_key_refusal("the key's \"x\" is not 32 bytes"), 7},
        Rejection{
            auth_args + R"("sealKey":{"kty":"EC","crv":"P-256",)" + seal_xy + R"(,"kid":"k 1"}}})",
            ErrorCode::invalid_argument,
            seal_key_refusal("the key's \"kid\" is not 1 to 64 characters of A-Z a-z 0-9 . _ -"),
            7},
        Rejection{
            R"({"command":"get-certificate","arguments":{"origin":"https://a.example","timeout":601}})",
            ErrorCode::invalid_argument, "\"timeout\" must be from 1 to 600 seconds", nullptr}));

TEST(Request, VersionWithStringId) {
  RequestEnvelope envelope;
  const Request request = parse_request(R"({"command":"version","id":"r-1"})", {}, envelope);
  EXPECT_EQ(request.envelope.command, Command::version);
  EXPECT_EQ(request.envelope.id, "r-1");
  EXPECT_TRUE(std::holds_alternative<VersionArguments>(request.arguments));
}

TEST(Request, UnknownFieldsAreIgnored) {
  RequestEnvelope envelope;
  const Request request =
      parse_request(R"({"command":"quit","future":true,"arguments":{"x":1}})", {}, envelope);
  EXPECT_TRUE(std::holds_alternative<QuitArguments>(request.arguments));
  EXPECT_TRUE(request.envelope.id.is_null());
}

TEST(Request, AuthenticateArgumentsAreTyped) {
  RequestEnvelope envelope;
  const Request request = parse_request(
      R"({"command":"authenticate","id":3,"arguments":{"challengeNonce":")" + nonce44 +
          R"(","origin":"https://chat.example:8443","lang":"nl-BE","timeout":30}})",
      {}, envelope);
  const auto& args = std::get<AuthenticateArguments>(request.arguments);
  EXPECT_EQ(args.challenge_nonce, nonce44);
  EXPECT_EQ(args.origin, "https://chat.example:8443");
  EXPECT_EQ(args.lang, "nl");
  EXPECT_EQ(args.timeout, std::chrono::seconds(30));
}

TEST(Request, AuthenticateTakesASealKey) {
  RequestEnvelope envelope;
  const Request request =
      parse_request(auth_args + R"("sealKey":{"kty":"EC","crv":"P-256",)" + seal_xy +
                        R"(,"kid":"chat-2026","use":"enc","alg":"ECDH-ES","ext":true}}})",
                    {}, envelope);
  const auto& args = std::get<AuthenticateArguments>(request.arguments);
  ASSERT_TRUE(args.seal_key.has_value());
  EXPECT_EQ(args.seal_key->kid(), "chat-2026");
  EXPECT_EQ(args.seal_key->curve(), jwe::Curve::p256);
  EXPECT_EQ(args.seal_key->to_json()["x"], "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ");

  const Request unsealed = parse_request(auth_args + R"("sealKey":null}})", {}, envelope);
  EXPECT_FALSE(std::get<AuthenticateArguments>(unsealed.arguments).seal_key.has_value());
}

TEST(Request, GetCertificateDefaults) {
  RequestEnvelope envelope;
  const Request request = parse_request(
      R"({"command":"get-certificate","arguments":{"origin":"https://chat.example"}})", {},
      envelope);
  const auto& args = std::get<GetCertificateArguments>(request.arguments);
  EXPECT_EQ(args.origin, "https://chat.example");
  EXPECT_FALSE(args.lang.has_value());
  EXPECT_EQ(args.timeout, default_timeout);
}

TEST(Request, HttpLocalhostOnlyWithTheDevelopmentSetting) {
  const std::string payload = R"({"command":"authenticate","arguments":{"challengeNonce":")" +
                              nonce44 + R"(","origin":"http://localhost:8080"}})";
  RequestEnvelope envelope;
  EXPECT_THROW(static_cast<void>(parse_request(payload, {}, envelope)), Error);
  RequestOptions development;
  development.allow_http_localhost = true;
  const Request request = parse_request(payload, development, envelope);
  EXPECT_EQ(std::get<AuthenticateArguments>(request.arguments).origin, "http://localhost:8080");
}

TEST(Request, CancelNamesTheRequestToStop) {
  RequestEnvelope envelope;
  const Request by_number =
      parse_request(R"({"command":"cancel","id":2,"arguments":{"requestId":7}})", {}, envelope);
  EXPECT_EQ(std::get<CancelArguments>(by_number.arguments).request_id, 7);
  const Request by_text =
      parse_request(R"({"command":"cancel","arguments":{"requestId":"tab-3"}})", {}, envelope);
  EXPECT_EQ(std::get<CancelArguments>(by_text.arguments).request_id, "tab-3");
  for (const char* bad : {R"({"command":"cancel"})", R"({"command":"cancel","arguments":{}})",
                          R"({"command":"cancel","arguments":{"requestId":-1}})",
                          R"({"command":"cancel","arguments":{"requestId":[1]}})"}) {
    RequestEnvelope bad_envelope;
    try {
      static_cast<void>(parse_request(bad, {}, bad_envelope));
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << bad;
      EXPECT_EQ(bad_envelope.command, Command::cancel);
    }
  }
}

TEST(Request, OnlyCardCommandsAreQueued) {
  EXPECT_TRUE(is_card_command(Command::authenticate));
  EXPECT_TRUE(is_card_command(Command::get_certificate));
  EXPECT_FALSE(is_card_command(Command::version));
  EXPECT_FALSE(is_card_command(Command::quit));
  EXPECT_FALSE(is_card_command(Command::cancel));
}

TEST(Request, CommandNamesRoundTrip) {
  for (const Command command : all_commands) {
    EXPECT_EQ(command_from_name(command_name(command)), command);
  }
  EXPECT_EQ(command_from_name("get_certificate"), std::nullopt);
}

}  // namespace
}  // namespace saferchat
