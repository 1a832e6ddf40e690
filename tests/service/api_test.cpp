// SPDX-License-Identifier: Apache-2.0
// saferchatd's pure layer (server/service/api, app/command_line, app/access_log): routes,
// request decoding, response bodies with exact JSON and status codes, the age policy step,
// the configuration file and the command line.
#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "service/api/api_error.hpp"
#include "service/api/requests.hpp"
#include "service/api/responses.hpp"
#include "service/api/routes.hpp"
#include "service/api/service_config.hpp"
#include "service/app/access_log.hpp"
#include "service/app/command_line.hpp"

namespace saferchat::service {
namespace {

using nlohmann::json;

// Runs `call`, expects an ApiError with `code`, returns its client message.
template <typename Call>
std::string expect_api_error(Call call, ApiErrorCode code) {
  try {
    call();
  } catch (const ApiError& e) {
    EXPECT_EQ(api_error_name(e.code()), api_error_name(code));
    return e.message();
  }
  ADD_FAILURE() << "no ApiError " << api_error_name(code);
  return {};
}

template <typename Call>
std::string expect_config_error(Call call) {
  try {
    call();
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError";
  return {};
}

// --- errors and routes ---------------------------------------------------------------------

TEST(ApiErrorTest, EveryCodeHasItsNameStatusAndSentence) {
  const std::vector<std::tuple<ApiErrorCode, std::string, unsigned>> expected{
      {ApiErrorCode::invalid_json, "INVALID_JSON", 400},
      {ApiErrorCode::bad_request, "BAD_REQUEST", 400},
      {ApiErrorCode::unknown_room, "UNKNOWN_ROOM", 400},
      {ApiErrorCode::malformed_http, "MALFORMED_HTTP", 400},
      {ApiErrorCode::not_found, "NOT_FOUND", 404},
      {ApiErrorCode::method_not_allowed, "METHOD_NOT_ALLOWED", 405},
      {ApiErrorCode::request_too_large, "REQUEST_TOO_LARGE", 413},
      {ApiErrorCode::unsupported_media_type, "UNSUPPORTED_MEDIA_TYPE", 415},
      {ApiErrorCode::too_many_challenges, "TOO_MANY_CHALLENGES", 429},
      {ApiErrorCode::headers_too_large, "HEADERS_TOO_LARGE", 431},
      {ApiErrorCode::internal, "INTERNAL", 500},
      {ApiErrorCode::store_unavailable, "STORE_UNAVAILABLE", 503},
  };
  ASSERT_EQ(all_api_error_codes().size(), expected.size());
  for (const auto& [code, name, status] : expected) {
    EXPECT_EQ(api_error_name(code), name);
    EXPECT_EQ(api_error_status(code), status) << name;
    EXPECT_FALSE(api_error_message(code).empty()) << name;
    EXPECT_EQ(api_error_message(code).back(), '.') << name;
  }
}

TEST(ApiErrorTest, EveryCodeIsDocumented) {
  std::ifstream file(std::string(SAFERCHAT_SOURCE_DIR) + "/docs/verifier.md");
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  const std::string section = doc.substr(std::min(doc.find("## HTTP service"), doc.size()));
  for (const ApiErrorCode code : all_api_error_codes()) {
    const std::string row = "| " + std::to_string(api_error_status(code)) + " | `" +
                            std::string(api_error_name(code)) + "` |";
    EXPECT_NE(section.find(row), std::string::npos)
        << "docs/verifier.md, \"HTTP service\", lacks the row " << row;
  }
}

// docs/verifier.md §6's table (the library's and saferchat-verify's columns: tests/server/
// disclosure_doc_test.cpp): saferchatd's setting of each row, its documented default, and that
// the setting turns exactly its own switch on.
TEST(ConfigTest, DisclosureDefaultsAreTheDocumentsOnes) {
  std::ifstream file(std::string(SAFERCHAT_SOURCE_DIR) + "/docs/verifier.md");
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  const auto begin = doc.find("<!-- holder-disclosure: begin -->");
  const auto end = doc.find("<!-- holder-disclosure: end -->");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  const std::map<std::string, bool ServiceConfig::*> switches{
      {"revealFirstName", &ServiceConfig::reveal_first_name},
      {"revealSurname", &ServiceConfig::reveal_surname},
      {"revealBirthDate", &ServiceConfig::reveal_birth_date},
      {"revealNationalNumber", &ServiceConfig::reveal_national_number}};
  const std::string minimal = R"({"allowedOrigins": "https://chat.example",
                                  "revocation": {"mode": "none"})";
  const ServiceConfig defaults = parse_service_config(minimal + "}", "/etc/saferchat");
  // | `firstName` | `expose_first_name` | `--show-first-name` | `revealFirstName` | off | … |
  const std::regex row(R"(\| `(\w+)` \| `(\w+)` \| `([-\w]+)` \| `(\w+)` \| (\w+) \| [^|]+ \|)");
  const std::string table = doc.substr(begin, end - begin);
  std::size_t rows = 0;
  for (auto it = std::sregex_iterator(table.begin(), table.end(), row);
       it != std::sregex_iterator(); ++it, ++rows) {
    const std::string setting = (*it)[4];
    const std::string fallback = (*it)[5];
    SCOPED_TRACE(setting);
    ASSERT_TRUE(switches.contains(setting));
    ASSERT_TRUE(fallback == "off" || fallback == "on") << fallback;
    EXPECT_EQ(defaults.*switches.at(setting), fallback == "on");
    const ServiceConfig turned =
        parse_service_config(minimal + R"(, ")" + setting + R"(": true})", "/etc/saferchat");
    for (const auto& [name, member] : switches) {
      EXPECT_EQ(turned.*member, name == setting || defaults.*member) << name;
    }
  }
  EXPECT_EQ(rows, switches.size());
}

TEST(RoutesTest, KnownEndpoints) {
  EXPECT_EQ(route("POST", "/v1/challenge"), Endpoint::challenge);
  EXPECT_EQ(route("POST", "/v1/verify"), Endpoint::verify);
  EXPECT_EQ(route("GET", "/healthz"), Endpoint::health);
  EXPECT_EQ(route("GET", "/healthz?probe=lb"), Endpoint::health);  // query ignored
  EXPECT_EQ(route("GET", "/.well-known/saferchat-seal-key"), Endpoint::seal_key);
  EXPECT_EQ(route("GET", "/v1/seal-key"), Endpoint::seal_key);
}

TEST(RoutesTest, UnknownPathsAndWrongMethods) {
  for (const char* target :
       {"/", "/v1/challenge/", "/v1/Challenge", "/v2/verify", "healthz", "/healthz/x", "*"}) {
    expect_api_error([&] { static_cast<void>(route("POST", target)); }, ApiErrorCode::not_found);
  }
  expect_api_error([] { static_cast<void>(route("GET", "/v1/verify")); },
                   ApiErrorCode::method_not_allowed);
  expect_api_error([] { static_cast<void>(route("post", "/v1/verify")); },
                   ApiErrorCode::method_not_allowed);  // methods are case-sensitive (RFC 9110)
  expect_api_error([] { static_cast<void>(route("POST", "/healthz")); },
                   ApiErrorCode::method_not_allowed);
  expect_api_error([] { static_cast<void>(route("OPTIONS", "/v1/challenge")); },
                   ApiErrorCode::method_not_allowed);
  EXPECT_EQ(allowed_method("/v1/verify?x"), "POST");
  EXPECT_EQ(allowed_method("/healthz"), "GET");
  EXPECT_EQ(allowed_method("/nope"), "");
}

// --- requests --------------------------------------------------------------------------------

TEST(RequestsTest, ContentTypeMustBeJson) {
  check_json_content_type("application/json");
  check_json_content_type("Application/JSON; charset=utf-8");
  for (const char* type : {"", "text/plain", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "application/jsonx"}) {
    expect_api_error([&] { check_json_content_type(type); }, ApiErrorCode::unsupported_media_type);
  }
}

TEST(RequestsTest, ChallengeBodies) {
  EXPECT_EQ(parse_challenge_request("").session, "");
  EXPECT_EQ(parse_challenge_request(" \r\n").session, "");
  EXPECT_EQ(parse_challenge_request("{}").session, "");
  EXPECT_EQ(parse_challenge_request(R"({"session":null})").session, "");
  EXPECT_EQ(parse_challenge_request(R"({"session":"s-1","future":true})").session, "s-1");
  EXPECT_EQ(parse_challenge_request(json{{"session", std::string(128, 'x')}}.dump()).session,
            std::string(128, 'x'));
  EXPECT_EQ(expect_api_error(
                [] {
                  static_cast<void>(
                      parse_challenge_request(json{{"session", std::string(129, 'x')}}.dump()));
                },
                ApiErrorCode::bad_request),
            "\"session\" must be a string of at most 128 bytes.");
  expect_api_error([] { static_cast<void>(parse_challenge_request(R"({"session":7})")); },
                   ApiErrorCode::bad_request);
  const ChallengeRequest with_client =
      parse_challenge_request(R"({"session":"s-1","client":"203.0.113.9"})");
  EXPECT_EQ(with_client.client, "203.0.113.9");
  EXPECT_EQ(parse_challenge_request(R"({"client":null})").client, "");
  for (const std::string& bad :
       {json{{"client", std::string(129, 'x')}}.dump(), std::string(R"({"client":["a"]})")}) {
    EXPECT_EQ(expect_api_error([&] { static_cast<void>(parse_challenge_request(bad)); },
                               ApiErrorCode::bad_request),
              "\"client\" must be a string of at most 128 bytes.");
  }
  EXPECT_EQ(expect_api_error([] { static_cast<void>(parse_challenge_request("[]")); },
                             ApiErrorCode::bad_request),
            "The request body must be a JSON object.");
  expect_api_error([] { static_cast<void>(parse_challenge_request("{")); },
                   ApiErrorCode::invalid_json);
  expect_api_error([] { static_cast<void>(parse_challenge_request("{} {}")); },
                   ApiErrorCode::invalid_json);
  expect_api_error([] { static_cast<void>(parse_challenge_request("{\"session\":\"\xff\"}")); },
                   ApiErrorCode::invalid_json);  // not UTF-8
  expect_api_error([] { static_cast<void>(parse_challenge_request(R"({"a":[[[[[[[[1]]]]]]]]})")); },
                   ApiErrorCode::invalid_json);  // 9 levels
}

const json token_object = {{"unverifiedCertificate", "MIIB"},
                           {"algorithm", "ES384"},
                           {"signature", "AAAA"},
                           {"format", "web-eid:1.0"}};

json verify_body() {
  return {{"token", token_object},
          {"challengeNonce", std::string(43, 'A') + "="},
          {"origin", "https://chat.example"},
          {"room", "kids"}};
}

TEST(RequestsTest, VerifyBodyWithRoom) {
  json body = verify_body();
  body["session"] = "s-9";
  const VerifyRequest request = parse_verify_request(body.dump());
  EXPECT_EQ(json::parse(request.token_json), token_object);
  EXPECT_EQ(request.challenge_nonce, std::string(43, 'A') + "=");
  EXPECT_EQ(request.origin, "https://chat.example");
  EXPECT_EQ(request.session, "s-9");
  EXPECT_EQ(request.room, "kids");
  EXPECT_FALSE(request.policy);
}

TEST(RequestsTest, VerifyBodyWithPolicyAndTokenAsText) {
  json body = verify_body();
  body.erase("room");
  body["policy"] = {{"minAge", 6}, {"maxAge", 11}};
  body["token"] = token_object.dump();
  const VerifyRequest request = parse_verify_request(body.dump());
  EXPECT_EQ(request.token_json, token_object.dump());
  ASSERT_TRUE(request.policy);
  EXPECT_EQ(request.policy->min_age, 6);
  EXPECT_EQ(request.policy->max_age, 11);
  body["policy"] = json::object();  // explicitly no age bound
  EXPECT_FALSE(parse_verify_request(body.dump()).policy->min_age);
}

TEST(RequestsTest, VerifyBodyErrorsNameTheField) {
  const std::vector<std::pair<std::function<void(json&)>, std::string>> cases{
      {[](json& b) { b.erase("token"); },
       "\"token\" is required: the token object the page's Safer Chat API returned."},
      {[](json& b) { b["token"] = 5; },
       "\"token\" must be the token object (or its JSON text as a string)."},
      {[](json& b) { b.erase("challengeNonce"); },
       "\"challengeNonce\" is required and must be a string."},
      {[](json& b) { b["challengeNonce"] = 1; },
       "\"challengeNonce\" is required and must be a string."},
      {[](json& b) { b["origin"] = nullptr; }, "\"origin\" is required and must be a string."},
      {[](json& b) { b["session"] = true; }, "\"session\" must be a string of at most 128 bytes."},
      {[](json& b) { b.erase("room"); },
       "\"policy\" or \"room\" is required: which ages the room admits."},
      {[](json& b) { b["policy"] = json::object(); },
       "Give either \"policy\" or \"room\", not both."},
      {[](json& b) { b["room"] = ""; },
       "\"room\" must be the name of a room of the service's configuration."},
      {[](json& b) {
         b.erase("room");
         b["policy"] = "6-11";
       },
       "\"policy\" must be an object: {\"minAge\": 6, \"maxAge\": 11}."},
      {[](json& b) {
         b.erase("room");
         b["policy"] = {{"minAge", -1}};
       },
       "\"policy\": \"minAge\" must be an integer from 0 to 150."},
      {[](json& b) {
         b.erase("room");
         b["policy"] = {{"maxAge", 11.5}};
       },
       "\"policy\": \"maxAge\" must be an integer from 0 to 150."},
      {[](json& b) {
         b.erase("room");
         b["policy"] = {{"minAge", 12}, {"maxAge", 11}};
       },
       "\"policy\": \"minAge\" is above \"maxAge\"."},
  };
  for (const auto& [change, message] : cases) {
    json body = verify_body();
    change(body);
    EXPECT_EQ(expect_api_error([&] { static_cast<void>(parse_verify_request(body.dump())); },
                               ApiErrorCode::bad_request),
              message)
        << body.dump();
  }
}

TEST(RequestsTest, PolicyComesFromTheRequestOrTheRoom) {
  const std::map<std::string, RoomPolicy, std::less<>> rooms{{"kids", {6, 11}},
                                                             {"teens", {12, std::nullopt}}};
  VerifyRequest request;
  request.room = "teens";
  EXPECT_EQ(resolve_policy(request, rooms).min_age, 12);
  EXPECT_FALSE(resolve_policy(request, rooms).max_age);
  request.room = "Kids";  // names are exact
  EXPECT_EQ(expect_api_error([&] { static_cast<void>(resolve_policy(request, rooms)); },
                             ApiErrorCode::unknown_room),
            "The room names no room policy of this service's configuration.");
  request.room.reset();
  request.policy = RoomPolicy{3, 4};
  EXPECT_EQ(resolve_policy(request, rooms).max_age, 4);
}

// --- responses -------------------------------------------------------------------------------

TEST(ResponsesTest, ErrorBody) {
  const ApiResponse response =
      error_response(ApiError(ApiErrorCode::bad_request, "Custom sentence.", "log detail"));
  EXPECT_EQ(response.status, 400U);
  EXPECT_EQ(response.body, R"({"error":{"code":"BAD_REQUEST","message":"Custom sentence."}})");
  EXPECT_EQ(response.reason, "BAD_REQUEST");
  EXPECT_EQ(response.detail, "log detail");
  const ApiResponse store = error_response(ApiError(ApiErrorCode::store_unavailable, "down"));
  EXPECT_EQ(store.status, 503U);
  EXPECT_EQ(
      store.body,
      R"({"error":{"code":"STORE_UNAVAILABLE","message":"The challenge store does not answer; try again later."}})");
}

TEST(ResponsesTest, ChallengeBody) {
  const std::string nonce = "LC4KFP3XokbRNCfBhC/jS3am+N/pj5rOYPU2lj2RXM8=";
  const ApiResponse response = challenge_response(nonce, std::chrono::seconds(300));
  EXPECT_EQ(response.status, 200U);
  EXPECT_EQ(response.body, R"({"challengeNonce":")" + nonce + R"(","expiresInSeconds":300})");
}

verify::Holder lotte(std::optional<int> age) {
  verify::Holder holder;
  holder.first_name = "Lotte";
  holder.surname = "Testkind";
  holder.age = age;
  if (age) {
    holder.birth_date = std::chrono::year_month_day(std::chrono::year(2017), std::chrono::month(5),
                                                    std::chrono::day(12));
  }
  holder.pseudonym = "pSeUdOnYm";
  return holder;
}

TEST(ResponsesTest, AgePolicyBoundsAreInclusive) {
  const RoomPolicy kids{6, 11};
  EXPECT_EQ(check_age_policy(lotte(6), kids), std::nullopt);
  EXPECT_EQ(check_age_policy(lotte(11), kids), std::nullopt);
  EXPECT_EQ(check_age_policy(lotte(5), kids), verify::Reason::age_too_low);
  EXPECT_EQ(check_age_policy(lotte(12), kids), verify::Reason::age_too_high);
  EXPECT_EQ(check_age_policy(lotte(std::nullopt), kids), verify::Reason::holder_unknown_birth_date);
  EXPECT_EQ(check_age_policy(lotte(std::nullopt), RoomPolicy{}), std::nullopt);  // no bounds
  EXPECT_EQ(check_age_policy(lotte(40), RoomPolicy{12, std::nullopt}), std::nullopt);
}

TEST(ResponsesTest, AcceptedVerdict) {
  verify::Verdict verdict;
  verdict.holder = lotte(9);
  apply_age_policy(verdict, RoomPolicy{6, 11});
  const ApiResponse response = verdict_response(verdict);
  EXPECT_EQ(response.status, 200U);
  EXPECT_EQ(response.reason, "OK");
  EXPECT_EQ(
      response.body,
      R"({"verdict":"accepted","holder":{"age":9,"birthDate":"2017-05-12","firstName":"Lotte","pseudonym":"pSeUdOnYm","surname":"Testkind"}})");
}

// A refusal carries its reason and category, never the holder's data (docs/verifier.md §6).
TEST(ResponsesTest, PolicyRefusalDropsTheHolder) {
  verify::Verdict verdict;
  verdict.holder = lotte(9);
  apply_age_policy(verdict, RoomPolicy{12, 15});
  ASSERT_EQ(verdict.reason, verify::Reason::age_too_low);
  EXPECT_EQ(verdict.detail, "age 9 outside the room's 12..15");
  const ApiResponse response = verdict_response(verdict);
  EXPECT_EQ(response.status, 200U);
  EXPECT_EQ(response.reason, "AGE_TOO_LOW");
  const json body = json::parse(response.body);
  EXPECT_EQ(body["verdict"], "rejected");
  EXPECT_EQ(body["reason"], "AGE_TOO_LOW");
  EXPECT_EQ(body["category"], "too_young");
  EXPECT_EQ(body["message"], verify::reason_description(verify::Reason::age_too_low));
  EXPECT_FALSE(body.contains("holder"));
  EXPECT_FALSE(verdict.holder);
  EXPECT_EQ(body.size(), 4U);
}

TEST(ResponsesTest, RejectionWithoutHolder) {
  verify::Verdict verdict;
  verdict.reason = verify::Reason::nonce_replayed;
  verdict.detail = "taken before";
  apply_age_policy(verdict, RoomPolicy{6, 11});  // a rejected verdict stays as it is
  EXPECT_EQ(verdict.reason, verify::Reason::nonce_replayed);
  const ApiResponse response = verdict_response(verdict);
  EXPECT_EQ(response.status, 200U);
  const nlohmann::ordered_json expected = {
      {"verdict", "rejected"},
      {"reason", "NONCE_REPLAYED"},
      {"category", "try_again"},
      {"message", verify::reason_description(verify::Reason::nonce_replayed)}};
  EXPECT_EQ(response.body, expected.dump());
  EXPECT_EQ(response.detail, "taken before");
}

TEST(ResponsesTest, StoreAndInternalFailuresAreErrorsNotVerdicts) {
  verify::Verdict store;
  store.reason = verify::Reason::store_unavailable;
  const ApiResponse unavailable = verdict_response(store);
  EXPECT_EQ(unavailable.status, 503U);
  EXPECT_EQ(json::parse(unavailable.body)["error"]["code"], "STORE_UNAVAILABLE");
  verify::Verdict internal;
  internal.reason = verify::Reason::internal_error;
  const ApiResponse failed = verdict_response(internal);
  EXPECT_EQ(failed.status, 500U);
  EXPECT_EQ(json::parse(failed.body)["error"]["code"], "INTERNAL");
}

TEST(ResponsesTest, HealthBodies) {
  EXPECT_EQ(health_response(true, "memory", "0.1.0", {}).body,
            R"({"status":"ok","version":"0.1.0","store":"memory"})");
  const ApiResponse down = health_response(false, "redis", "0.1.0", "connection refused");
  EXPECT_EQ(down.status, 503U);
  EXPECT_EQ(
      down.body,
      R"({"status":"unavailable","version":"0.1.0","store":"redis","error":{"code":"STORE_UNAVAILABLE","message":"The challenge store does not answer; try again later."}})");
  EXPECT_EQ(down.detail, "connection refused");
}

// --- configuration ---------------------------------------------------------------------------

TEST(ConfigTest, MinimalFileGetsTheDefaults) {
  const ServiceConfig config = parse_service_config(
      R"({"allowedOrigins": "https://chat.example", "revocation": {"mode": "none"}})",
      "/etc/saferchat");
  EXPECT_EQ(config.listen_address, "127.0.0.1");
  EXPECT_EQ(config.listen_port, 8470);
  EXPECT_EQ(config.threads, 2U);
  EXPECT_EQ(config.trust_anchor_files, std::vector<std::string>{"builtin:belgium"});
  EXPECT_EQ(config.intermediate_files, std::vector<std::string>{"builtin:belgium"});
  EXPECT_EQ(config.allowed_origins, std::vector<std::string>{"https://chat.example"});
  EXPECT_FALSE(config.allow_http_localhost);
  EXPECT_TRUE(config.rooms.empty());
  EXPECT_EQ(config.nonce_ttl, std::chrono::seconds(300));
  EXPECT_EQ(config.store.kind, StoreKind::memory);
  EXPECT_EQ(config.revocation.mode, RevocationMode::none);
  EXPECT_EQ(config.pseudonym_key_file, "");
  EXPECT_FALSE(config.reveal_first_name);
  EXPECT_FALSE(config.reveal_surname);
  EXPECT_FALSE(config.reveal_birth_date);
  EXPECT_FALSE(config.reveal_national_number);
  EXPECT_EQ(config.limits.max_body_bytes, 16384U);
  EXPECT_EQ(config.limits.max_header_bytes, 8192U);
  EXPECT_EQ(config.limits.read_timeout, std::chrono::seconds(10));
  EXPECT_EQ(config.limits.idle_timeout, std::chrono::seconds(10));
}

TEST(ConfigTest, FullFile) {
  const ServiceConfig config = parse_service_config(R"({
    // comments are allowed
    "listen": "[::1]:0", "threads": 0,
    "trustAnchors": ["pki/anchors.pem", "builtin:belgium"],
    "intermediates": "/abs/ca.pem",
    "allowedOrigins": ["https://a.example", "https://b.example:8443"],
    "allowHttpLocalhost": true,
    "rooms": {"kids": {"minAge": 6, "maxAge": 11}, "teens.1": {"minAge": 12}},
    "nonceTtlSeconds": 60,
    "store": {"type": "redis", "url": "redis://:s3cret@10.0.0.5:6380/2", "keyPrefix": "",
              "timeoutSeconds": 0.5},
    "revocation": {"mode": "ocsp+crl", "ocspResponderUrl": "http://127.0.0.1:8888/",
                   "ocspTimeoutSeconds": 2, "crlFiles": ["crl/citizen.crl"]},
    "pseudonymKeyFile": "../keys/p.key",
    "revealNationalNumber": true, "revealBirthDate": false, "revealFirstName": true,
    "revealSurname": true,
    "limits": {"maxBodyBytes": 8192, "maxHeaderBytes": 4096, "readTimeoutSeconds": 1.5,
               "idleTimeoutSeconds": 30, "writeTimeoutSeconds": 2, "maxConnections": 10}
  })",
                                                    "/etc/saferchat");
  EXPECT_EQ(config.listen_address, "::1");
  EXPECT_EQ(config.listen_port, 0);
  EXPECT_EQ(config.threads, 0U);
  EXPECT_EQ(config.trust_anchor_files,
            (std::vector<std::string>{"/etc/saferchat/pki/anchors.pem", "builtin:belgium"}));
  EXPECT_EQ(config.intermediate_files, std::vector<std::string>{"/abs/ca.pem"});
  EXPECT_EQ(config.allowed_origins.size(), 2U);
  EXPECT_TRUE(config.allow_http_localhost);
  ASSERT_EQ(config.rooms.size(), 2U);
  EXPECT_EQ(config.rooms.at("kids").max_age, 11);
  EXPECT_FALSE(config.rooms.at("teens.1").max_age);
  EXPECT_EQ(config.nonce_ttl, std::chrono::seconds(60));
  EXPECT_EQ(config.store.kind, StoreKind::redis);
  EXPECT_EQ(config.store.redis.host, "10.0.0.5");
  EXPECT_EQ(config.store.redis.port, 6380);
  EXPECT_EQ(config.store.redis.password, "s3cret");
  EXPECT_EQ(config.store.redis.username, "");
  EXPECT_EQ(config.store.redis.database, 2);
  EXPECT_EQ(config.store.redis.key_prefix, "");
  EXPECT_EQ(config.store.redis.timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(config.revocation.mode, RevocationMode::ocsp_and_crl);
  EXPECT_EQ(config.revocation.ocsp_responder_url, "http://127.0.0.1:8888/");
  EXPECT_EQ(config.revocation.ocsp_timeout, std::chrono::seconds(2));
  EXPECT_EQ(config.revocation.crl_files,
            std::vector<std::string>{"/etc/saferchat/crl/citizen.crl"});
  EXPECT_EQ(config.pseudonym_key_file, "/etc/keys/p.key");
  EXPECT_TRUE(config.reveal_national_number);
  EXPECT_FALSE(config.reveal_birth_date);
  EXPECT_TRUE(config.reveal_first_name);
  EXPECT_TRUE(config.reveal_surname);
  EXPECT_EQ(config.limits.max_body_bytes, 8192U);
  EXPECT_EQ(config.limits.read_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(config.limits.max_connections, 10U);
}

TEST(ConfigTest, SealingKeys) {
  const ServiceConfig config = parse_service_config(R"({"allowedOrigins": "https://chat.example",
      "revocation": {"mode": "none"},
      "sealingKeys": [{"kid": "chat-2026-12", "file": "seal/current.pem"},
                      {"kid": "chat-2026-06", "file": "/abs/previous.pem"}],
      "requireSealed": true, "sealKeyMaxAgeSeconds": 600})",
                                                    "/etc/saferchat");
  ASSERT_EQ(config.sealing_keys.size(), 2U);
  EXPECT_EQ(config.sealing_keys[0].kid, "chat-2026-12");
  EXPECT_EQ(config.sealing_keys[0].file, "/etc/saferchat/seal/current.pem");
  EXPECT_EQ(config.sealing_keys[1].file, "/abs/previous.pem");
  EXPECT_TRUE(config.require_sealed);
  EXPECT_EQ(config.seal_key_max_age, std::chrono::seconds(600));
  const ServiceConfig plain = parse_service_config(
      R"({"allowedOrigins": "https://chat.example", "revocation": {"mode": "none"}})", "/etc");
  EXPECT_TRUE(plain.sealing_keys.empty());
  EXPECT_FALSE(plain.require_sealed);
  EXPECT_EQ(plain.seal_key_max_age, std::chrono::seconds(3600));
}

TEST(ConfigTest, ErrorsNameTheSetting) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"{", "not valid JSON: "},
      {"[]", "(top level): must be an object"},
      {"{}",
       "allowedOrigins: required: the origins of the chat site, e.g. "
       "\"https://chat.example\""},
      {R"({"allowedOrigins": [], "x": 1})", "allowedOrigins: required"},
      {R"({"allowedOrigins": ["https://a"], "trustAnchor": "x"})", "trustAnchor: unknown setting"},
      {R"({"allowedOrigins": ["https://a"], "listen": "localhost:80"})", "listen: must be IP:PORT"},
      {R"({"allowedOrigins": ["https://a"], "listen": "::1:80"})", "listen: must be IP:PORT"},
      {R"({"allowedOrigins": ["https://a"], "listen": "127.0.0.1:65536"})",
       "listen: must be IP:PORT"},
      {R"({"allowedOrigins": ["https://a"], "threads": 257})",
       "threads: must be an integer from 0 to 256"},
      {R"({"allowedOrigins": ["https://a"], "threads": "2"})",
       "threads: must be an integer from 0 to 256"},
      {R"({"allowedOrigins": ["https://a", ""]})", "allowedOrigins: must not contain an empty"},
      {R"({"allowedOrigins": ["https://a"], "rooms": {"kids": {}}})",
       "rooms.kids: needs \"minAge\", \"maxAge\" or both"},
      {R"({"allowedOrigins": ["https://a"], "rooms": {"kids": {"minAge": 9, "maxAge": 8}}})",
       "rooms.kids: \"minAge\" is above \"maxAge\""},
      {R"({"allowedOrigins": ["https://a"], "rooms": {"kids": {"minAge": 6, "max": 8}}})",
       "rooms.kids.max: unknown setting"},
      {R"({"allowedOrigins": ["https://a"], "rooms": {"a b": {"minAge": 6}}})",
       "rooms.a b: a room name is"},
      {R"({"allowedOrigins": ["https://a"], "nonceTtlSeconds": 5})",
       "nonceTtlSeconds: must be an integer from 10 to 3600"},
      {R"({"allowedOrigins": ["https://a"], "store": {"type": "sql"}})",
       "store.type: must be \"memory\" or \"redis\""},
      {R"({"allowedOrigins": ["https://a"], "store": {"type": "memory", "url": "x"}})",
       "store.url: unknown setting"},
      {R"({"allowedOrigins": ["https://a"], "store": {"type": "redis", "url": "http://x"}})",
       "store.url: must start with redis:// or unix://"},
      {R"({"allowedOrigins": ["https://a"]})",
       "revocation: required: state the revocation mode, e.g. {\"mode\": \"ocsp+crl\", "
       "\"crlFetch\": true}, or {\"mode\": \"none\"} to check none"},
      {R"({"allowedOrigins": ["https://a"], "revocation": {"mode": "crl"}})",
       "revocation: mode \"crl\" needs \"crlFiles\" or \"crlFetch\": true"},
      {R"({"allowedOrigins": ["https://a"], "revocation": {"mode": "always"}})",
       "revocation.mode: must be"},
      {R"({"allowedOrigins": ["https://a"], "revealNationalNumber": 1})",
       "revealNationalNumber: must be true or false"},
      {R"({"allowedOrigins": ["https://a"], "sealingKeys": []})", "sealingKeys: must be an array"},
      {R"({"allowedOrigins": ["https://a"], "sealingKeys": [{"kid": "a b", "file": "k.pem"}]})",
       "sealingKeys[0].kid: must be 1 to 64 characters"},
      {R"({"allowedOrigins": ["https://a"], "sealingKeys": [{"kid": "k1"}]})",
       "sealingKeys[0].file: required"},
      {R"({"allowedOrigins": ["https://a"], "sealingKeys": [{"kid": "k1", "file": "a.pem"},
          {"kid": "k1", "file": "b.pem"}]})",
       "sealingKeys[1].kid: must differ from the current key's"},
      {R"({"allowedOrigins": ["https://a"], "sealingKeys": [{"kid": "k1", "file": "a.pem", "x": 1}]})",
       "sealingKeys[0].x: unknown setting"},
      {R"({"allowedOrigins": ["https://a"], "requireSealed": true})",
       "requireSealed: needs \"sealingKeys\""},
      {R"({"allowedOrigins": ["https://a"], "sealKeyMaxAgeSeconds": 59})",
       "sealKeyMaxAgeSeconds: must be an integer from 60 to 86400"},
      {R"({"allowedOrigins": ["https://a"], "limits": {"maxBodyBytes": 100}})",
       "limits.maxBodyBytes: must be an integer from 4096 to 1048576"},
      {R"({"allowedOrigins": ["https://a"], "limits": {"readTimeoutSeconds": 0}})",
       "limits.readTimeoutSeconds: must be a number of seconds from 0.1 to 300"},
  };
  for (const auto& [text, start] : cases) {
    const std::string message = expect_config_error(
        [&text = text] { static_cast<void>(parse_service_config(text, "/etc")); });
    EXPECT_EQ(message.substr(0, start.size()), start) << text << " → " << message;
  }
}

TEST(ConfigTest, RedisUrls) {
  RedisSettings settings;
  parse_redis_url("redis://cache.internal", settings);
  EXPECT_EQ(settings.host, "cache.internal");
  EXPECT_EQ(settings.port, 6379);
  EXPECT_EQ(settings.database, 0);
  parse_redis_url("redis://app:p%40ss:w@[::1]:7000/3", settings);
  EXPECT_EQ(settings.username, "app");
  EXPECT_EQ(settings.password, "p%40ss:w");
  EXPECT_EQ(settings.host, "::1");
  EXPECT_EQ(settings.port, 7000);
  EXPECT_EQ(settings.database, 3);
  parse_redis_url("unix:///run/redis/redis.sock?db=4", settings);
  EXPECT_EQ(settings.unix_socket, "/run/redis/redis.sock");
  EXPECT_EQ(settings.database, 4);
  parse_redis_url("redis://127.0.0.1:6390/", settings);
  EXPECT_EQ(settings.unix_socket, "");  // a TCP URL replaces the socket
  EXPECT_EQ(settings.port, 6390);
  for (const char* bad :
       {"redis://", "redis://host:0", "redis://host:x", "redis://host/db", "unix://relative.sock",
        "unix:///s.sock?database=1", "redis://[::1", "redis://user@host", "redis://host:"}) {
    RedisSettings scratch;
    const std::string message = expect_config_error([&] { parse_redis_url(bad, scratch); });
    EXPECT_EQ(message.rfind("store.url: ", 0), 0U) << bad << " → " << message;
  }
}

// --- command line and log --------------------------------------------------------------------

TEST(CommandLineTest, Options) {
  const CommandLine line = parse_command_line(
      {"--config", "/etc/s.json", "--listen", "127.0.0.1:0", "--port-file", "/tmp/p"});
  EXPECT_EQ(line.config_path, "/etc/s.json");
  EXPECT_EQ(line.listen, "127.0.0.1:0");
  EXPECT_EQ(line.port_file, "/tmp/p");
  EXPECT_FALSE(line.check_config);
  EXPECT_TRUE(parse_command_line({"--config", "c", "--check-config"}).check_config);
  EXPECT_TRUE(parse_command_line({"--help"}).help);
  EXPECT_TRUE(parse_command_line({"--version"}).version);
  EXPECT_THROW(static_cast<void>(parse_command_line({})), UsageError);
  EXPECT_THROW(static_cast<void>(parse_command_line({"--config"})), UsageError);
  EXPECT_THROW(static_cast<void>(parse_command_line({"--config", "c", "--verbose"})), UsageError);
}

TEST(AccessLogTest, OneEscapedLinePerExchange) {
  const ExchangeRecord record{
      "POST",           "/v1/verify?session=secret",       200,
      "AGE_TOO_HIGH",   "age 14 outside the room's 6..11", std::chrono::microseconds(412),
      "127.0.0.1:53412"};
  EXPECT_EQ(format_exchange(record),
            "request method=POST path=/v1/verify status=200 reason=AGE_TOO_HIGH "
            "duration_ms=0.412 peer=127.0.0.1:53412 detail=\"age 14 outside the room's 6..11\"");
  const ExchangeRecord timeout{
      "-", "/x\r\ny\"", 0, "REQUEST_TIMEOUT", "", std::chrono::microseconds(10'000'000), "[::1]:1"};
  EXPECT_EQ(format_exchange(timeout),
            "request method=- path=/x\\x0d\\x0ay\\\" status=- reason=REQUEST_TIMEOUT "
            "duration_ms=10000.000 peer=[::1]:1");
  EXPECT_EQ(log_escape(std::string(300, 'a'), 4), "aaaa...");
}

}  // namespace
}  // namespace saferchat::service
