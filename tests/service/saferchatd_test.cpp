// SPDX-License-Identifier: Apache-2.0
// The real saferchatd binary over real loopback sockets, with the generated test PKI and tokens
// signed by the test cards' keys (FIXTURES_REQUIRED test_cards): verdicts, request errors and
// limits, timeouts, 64 concurrent clients, the log, shutdown and the command line.
#include <openssl/hmac.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "service/support/saferchatd_fixture.hpp"
#include "service/support/test_token.hpp"
#include "support/silent_server.hpp"
#include "verify/reason.hpp"

namespace saferchat::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// base64url without padding of HMAC-SHA256(test key, national number): docs/verifier.md §6,
// computed here independently of the service.
std::string expected_pseudonym(const std::string& national_number) {
  const std::string key = test_pseudonym_key();
  unsigned char mac[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(national_number.data()), national_number.size(), mac,
       &length);
  std::string text = base64(mac, length);
  for (char& c : text) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  text.erase(text.find_last_not_of('=') + 1);
  return text;
}

// The holder JSON the service must return for a test card.
json expected_holder(const TestCard& card) {
  const json& holder = card.holder();
  return {{"givenNames", holder.at("given_names")},
          {"surname", holder.at("surname")},
          {"birthDate", holder.at("birth_date")},
          {"age", holder.at("age")},
          {"pseudonym", expected_pseudonym(holder.at("national_number"))}};
}

json rejected(verify::Reason reason, std::optional<json> holder = std::nullopt) {
  json body = {{"verdict", "rejected"},
               {"reason", verify::reason_code(reason)},
               {"category", verify::category_name(verify::reason_category(reason))},
               {"message", verify::reason_description(reason)}};
  if (holder) {
    body["holder"] = *holder;
  }
  return body;
}

json verify_body(const json& token, const std::string& nonce, const std::string& room,
                 const std::string& origin = test_origin) {
  return {{"token", token}, {"challengeNonce", nonce}, {"origin", origin}, {"room", room}};
}

class SaferchatdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new Saferchatd(test_config(*dir_), *dir_);
    kid_ = new TestCard(card_dir("kid-9"));
    teen_ = new TestCard(card_dir("teen-14"));
    adult_ = new TestCard(card_dir("adult"));
    expired_ = new TestCard(card_dir("expired"));
  }
  static void TearDownTestSuite() {
    delete expired_;
    delete adult_;
    delete teen_;
    delete kid_;
    delete server_;
    delete dir_;
  }

  static Saferchatd& server() { return *server_; }

  static TempDir* dir_;
  static Saferchatd* server_;
  static TestCard* kid_;
  static TestCard* teen_;
  static TestCard* adult_;
  static TestCard* expired_;
};

TempDir* SaferchatdTest::dir_ = nullptr;
Saferchatd* SaferchatdTest::server_ = nullptr;
TestCard* SaferchatdTest::kid_ = nullptr;
TestCard* SaferchatdTest::teen_ = nullptr;
TestCard* SaferchatdTest::adult_ = nullptr;
TestCard* SaferchatdTest::expired_ = nullptr;

TEST_F(SaferchatdTest, Healthz) {
  const HttpReply reply = server().get("/healthz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"status":"ok","version":"0.1.0","store":"memory"})");
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_EQ(reply.header("cache-control"), "no-store");
  // Meant for the provider's backend, not for browsers: no CORS headers.
  for (const auto& [name, value] : reply.headers) {
    EXPECT_EQ(name.rfind("access-control-", 0), std::string::npos) << name;
  }
}

TEST_F(SaferchatdTest, ChallengeNonce) {
  const HttpReply reply = server().post("/v1/challenge", {{"session", "s-challenge"}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json body = reply.json();
  ASSERT_EQ(body.size(), 2U) << reply.body;
  EXPECT_EQ(body.at("expiresInSeconds"), 300);
  const std::string nonce = body.at("challengeNonce");
  // 32 random bytes in padded base64 (RFC 4648 §4).
  EXPECT_TRUE(std::regex_match(nonce, std::regex("[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]="))) << nonce;
}

TEST_F(SaferchatdTest, KidIsAcceptedWithHolder) {
  const std::string nonce = server().challenge("s-kid");
  json body = verify_body(kid_->token(test_origin, nonce), nonce, "kids");
  body["session"] = "s-kid";
  const HttpReply reply = server().post("/v1/verify", body);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json(), json({{"verdict", "accepted"}, {"holder", expected_holder(*kid_)}}));
}

TEST_F(SaferchatdTest, ReplayIsRefused) {
  const std::string nonce = server().challenge();
  const json body = verify_body(kid_->token(test_origin, nonce), nonce, "kids");
  ASSERT_EQ(server().post("/v1/verify", body).json().at("verdict"), "accepted");
  const HttpReply replay = server().post("/v1/verify", body);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.json(), rejected(verify::Reason::nonce_replayed));
}

TEST_F(SaferchatdTest, AFailedAttemptUsesTheNonceUp) {
  const std::string nonce = server().challenge();
  json token = kid_->token(test_origin, nonce);
  const std::string signature = token.at("signature");
  token.erase("signature");
  EXPECT_EQ(server().post("/v1/verify", verify_body(token, nonce, "kids")).json(),
            rejected(verify::Reason::token_malformed));
  token["signature"] = signature;  // the genuine token, too late: a new challenge is needed
  EXPECT_EQ(server().post("/v1/verify", verify_body(token, nonce, "kids")).json(),
            rejected(verify::Reason::nonce_replayed));
}

TEST_F(SaferchatdTest, TokenForAnotherOriginDoesNotVerify) {
  // Signed for a phishing site, presented here: the signature covers the origin.
  const std::string nonce = server().challenge();
  const HttpReply reply = server().post(
      "/v1/verify", verify_body(kid_->token("https://chat.example.evil", nonce), nonce, "kids"));
  EXPECT_EQ(reply.json(), rejected(verify::Reason::signature_invalid));
}

TEST_F(SaferchatdTest, OriginNotServedIsRefused) {
  const std::string nonce = server().challenge();
  const std::string other = "https://other.example";
  const HttpReply reply =
      server().post("/v1/verify", verify_body(kid_->token(other, nonce), nonce, "kids", other));
  EXPECT_EQ(reply.json(), rejected(verify::Reason::origin_not_allowed));
}

TEST_F(SaferchatdTest, RoomPoliciesRefuseOtherAges) {
  std::string nonce = server().challenge();
  HttpReply reply =
      server().post("/v1/verify", verify_body(teen_->token(test_origin, nonce), nonce, "kids"));
  EXPECT_EQ(reply.json(), rejected(verify::Reason::age_too_high, expected_holder(*teen_)));

  nonce = server().challenge();
  reply =
      server().post("/v1/verify", verify_body(adult_->token(test_origin, nonce), nonce, "teens"));
  EXPECT_EQ(reply.json().at("reason"), "AGE_TOO_HIGH");
  EXPECT_EQ(reply.json().at("category"), "too_old");

  nonce = server().challenge();
  json inline_policy = verify_body(kid_->token(test_origin, nonce), nonce, "kids");
  inline_policy.erase("room");
  inline_policy["policy"] = {{"minAge", 12}, {"maxAge", 15}};
  reply = server().post("/v1/verify", inline_policy);
  EXPECT_EQ(reply.json(), rejected(verify::Reason::age_too_low, expected_holder(*kid_)));

  nonce = server().challenge();
  reply =
      server().post("/v1/verify", verify_body(teen_->token(test_origin, nonce), nonce, "teens"));
  EXPECT_EQ(reply.json(), json({{"verdict", "accepted"}, {"holder", expected_holder(*teen_)}}));
}

TEST_F(SaferchatdTest, ExpiredCertificateIsRefusedWithoutHolder) {
  const std::string nonce = server().challenge();
  const HttpReply reply =
      server().post("/v1/verify", verify_body(expired_->token(test_origin, nonce), nonce, "kids"));
  EXPECT_EQ(reply.json(), rejected(verify::Reason::certificate_expired));
}

TEST_F(SaferchatdTest, SessionMustMatch) {
  const std::string nonce = server().challenge("session-a");
  json body = verify_body(kid_->token(test_origin, nonce), nonce, "kids");
  body["session"] = "session-b";
  EXPECT_EQ(server().post("/v1/verify", body).json(), rejected(verify::Reason::session_mismatch));
}

TEST_F(SaferchatdTest, UnknownRoomIsARequestErrorAndKeepsTheNonce) {
  const std::string nonce = server().challenge();
  const json token = kid_->token(test_origin, nonce);
  const HttpReply reply = server().post("/v1/verify", verify_body(token, nonce, "adults"));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(
      reply.body,
      R"({"error":{"code":"UNKNOWN_ROOM","message":"The room names no room policy of this service's configuration."}})");
  EXPECT_EQ(server().post("/v1/verify", verify_body(token, nonce, "kids")).json().at("verdict"),
            "accepted");
}

TEST_F(SaferchatdTest, MalformedJson) {
  HttpConnection connection(server().port());
  const HttpReply reply = connection.request("POST", "/v1/verify", R"({"token": {)");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(
      reply.body,
      R"({"error":{"code":"INVALID_JSON","message":"The request body is not valid UTF-8 JSON, or it is nested too deeply."}})");
  // The connection stays usable after a request error.
  EXPECT_EQ(connection.get("/healthz").status, 200);
}

TEST_F(SaferchatdTest, MissingFieldAndWrongContentType) {
  HttpConnection connection(server().port());
  HttpReply reply = connection.post("/v1/verify", {{"challengeNonce", "x"}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(
      reply.body,
      R"({"error":{"code":"BAD_REQUEST","message":"\"token\" is required: the token object the page's Safer Chat API returned."}})");
  reply = connection.request("POST", "/v1/challenge", "{}", "text/plain;charset=UTF-8");
  EXPECT_EQ(reply.status, 415);
  EXPECT_EQ(reply.json()["error"]["code"], "UNSUPPORTED_MEDIA_TYPE");
}

TEST_F(SaferchatdTest, BodyTooLarge) {
  HttpConnection connection(server().port());
  const std::string body = R"({"session":")" + std::string(17 * 1024, 'x') + R"("})";
  connection.send_raw(
      "POST /v1/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
      "\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  // The server answers as soon as it sees the length, and keeps reading (and dropping) what we
  // still send, so we see its answer rather than a reset.
  const bool sent = connection.send_raw(body);
  const auto reply = connection.read_reply();
  ASSERT_TRUE(reply) << "sent body: " << sent;
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(
      reply->body,
      R"({"error":{"code":"REQUEST_TOO_LARGE","message":"The request body is larger than this service accepts."}})");
  EXPECT_EQ(reply->header("connection"), "close");
  EXPECT_TRUE(connection.wait_closed(seconds(5)));
}

TEST_F(SaferchatdTest, ChunkedBodyTooLarge) {
  HttpConnection connection(server().port());
  connection.send_raw(
      "POST /v1/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
      "\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string chunk(4096, ' ');
  for (int i = 0; i < 5; ++i) {
    connection.send_raw("1000\r\n" + chunk + "\r\n");
  }
  const auto reply = connection.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);
}

// RFC 9112 §6.1: chunked, alone, is the only transfer coding the service decodes. Anything
// else ("chunked, identity", "gzip, chunked", a second field) is refused, never read as chunked.
TEST_F(SaferchatdTest, TransferEncodingOtherThanChunkedIsRefused) {
  const std::string body = R"({"session":"s"})";
  const std::string chunked = std::to_string(body.size()) + "\r\n" + body + "\r\n0\r\n\r\n";
  for (const std::string fields :
       {"Transfer-Encoding: chunked, identity\r\n", "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: identity\r\n", "Transfer-Encoding: chunked;x=1\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"}) {
    HttpConnection connection(server().port());
    connection.send_raw(
        "POST /v1/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + fields +
        "\r\n" + chunked);
    const auto reply = connection.read_reply();
    ASSERT_TRUE(reply) << fields;
    EXPECT_EQ(reply->status, 400) << fields;
    EXPECT_EQ(reply->json()["error"]["code"], "MALFORMED_HTTP") << fields;
    EXPECT_TRUE(connection.wait_closed(seconds(5))) << fields;
  }
}

TEST_F(SaferchatdTest, HeadersTooLarge) {
  HttpConnection connection(server().port());
  connection.send_raw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(9 * 1024, 'p') + "\r\n\r\n");
  const auto reply = connection.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 431);
  EXPECT_EQ(reply->json()["error"]["code"], "HEADERS_TOO_LARGE");
  EXPECT_TRUE(connection.wait_closed(seconds(5)));
}

TEST_F(SaferchatdTest, NotFoundAndMethodNotAllowed) {
  HttpConnection connection(server().port());
  HttpReply reply = connection.get("/v1/tokens");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.json()["error"]["code"], "NOT_FOUND");
  reply = connection.get("/v1/verify");
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.header("allow"), "POST");
  EXPECT_EQ(reply.json()["error"]["code"], "METHOD_NOT_ALLOWED");
  // A browser's CORS preflight gets no CORS headers: browsers cannot call the service.
  reply = connection.request("OPTIONS", "/v1/challenge", {}, {},
                             "Origin: https://evil.example\r\n"
                             "Access-Control-Request-Method: POST\r\n");
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.header("access-control-allow-origin"), "");
  reply = connection.post("/healthz", json::object());
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.header("allow"), "GET");
}

TEST_F(SaferchatdTest, MalformedHttp) {
  HttpConnection connection(server().port());
  connection.send_raw("HELLO THERE\r\n\r\n");
  const auto reply = connection.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 400);
  EXPECT_EQ(reply->json()["error"]["code"], "MALFORMED_HTTP");
  EXPECT_TRUE(connection.wait_closed(seconds(5)));
}

TEST_F(SaferchatdTest, KeepAliveAndPipelining) {
  HttpConnection connection(server().port());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(connection.get("/healthz").status, 200);
  }
  // Two requests in one write: two answers, in order.
  connection.send_raw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(connection.read_reply()->status, 200);
  EXPECT_EQ(connection.read_reply()->status, 404);
  // "Connection: close" is honoured.
  const HttpReply last = connection.request("GET", "/healthz", {}, {}, "Connection: close\r\n");
  EXPECT_EQ(last.header("connection"), "close");
  EXPECT_TRUE(connection.wait_closed(seconds(5)));
}

TEST_F(SaferchatdTest, ExpectContinue) {
  // curl sends "Expect: 100-continue" for bodies above 1 KiB and waits for the interim answer.
  const std::string nonce = server().challenge();
  const std::string body = verify_body(kid_->token(test_origin, nonce), nonce, "kids").dump();
  HttpConnection connection(server().port());
  connection.send_raw(
      "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  const auto interim = connection.read_reply(seconds(5));
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  connection.send_raw(body);
  const auto reply = connection.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->json().at("verdict"), "accepted");
}

TEST_F(SaferchatdTest, SixtyFourConcurrentClients) {
  constexpr int clients = 64;
  std::atomic<int> correct{0};
  std::vector<std::string> failures(clients);
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      try {
        // Even clients hold the 9-year-old's card, odd ones the 14-year-old's; room "kids".
        const TestCard& card = i % 2 == 0 ? *kid_ : *teen_;
        const std::string session = "client-" + std::to_string(i);
        HttpConnection connection(server().port());
        const HttpReply challenge = connection.post("/v1/challenge", {{"session", session}});
        const std::string nonce = challenge.json().at("challengeNonce");
        json body = verify_body(card.token(test_origin, nonce), nonce, "kids");
        body["session"] = session;
        const json verdict = connection.post("/v1/verify", body).json();
        const json expected =
            i % 2 == 0 ? json({{"verdict", "accepted"}, {"holder", expected_holder(card)}})
                       : rejected(verify::Reason::age_too_high, expected_holder(card));
        if (verdict == expected) {
          ++correct;
        } else {
          failures[static_cast<std::size_t>(i)] = verdict.dump();
        }
      } catch (const std::exception& e) {
        failures[static_cast<std::size_t>(i)] = e.what();
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(correct.load(), clients);
  for (int i = 0; i < clients; ++i) {
    EXPECT_EQ(failures[static_cast<std::size_t>(i)], "") << "client " << i;
  }
}

TEST_F(SaferchatdTest, LogHasOneLinePerRequestAndNoSecrets) {
  const std::string nonce = server().challenge("s-log-secret");
  const json token = kid_->token(test_origin, nonce);
  json body = verify_body(token, nonce, "kids");
  body["session"] = "s-log-secret";
  ASSERT_EQ(server().post("/v1/verify", body).json().at("verdict"), "accepted");
  ASSERT_EQ(server().post("/v1/verify", body).json().at("reason"), "NONCE_REPLAYED");
  EXPECT_TRUE(
      server().log_has(R"(INFO saferchatd\[\d+\] request method=POST path=/v1/verify status=200 )"
                       R"(reason=OK duration_ms=\d+\.\d{3} peer=127\.0\.0\.1:\d+\n)"))
      << server().log();
  EXPECT_TRUE(
      server().log_has(R"(request method=POST path=/v1/verify status=200 reason=NONCE_REPLAYED )"))
      << server().log();
  const std::string log = server().log();
  EXPECT_EQ(log.find(nonce), std::string::npos);
  EXPECT_EQ(log.find(token.at("unverifiedCertificate").get<std::string>().substr(0, 40)),
            std::string::npos);
  EXPECT_EQ(log.find(token.at("signature").get<std::string>().substr(0, 20)), std::string::npos);
  EXPECT_EQ(log.find("s-log-secret"), std::string::npos);
  EXPECT_EQ(log.find(kid_->holder().at("national_number").get<std::string>()), std::string::npos);
  EXPECT_EQ(log.find("Testkind"), std::string::npos);
}

// --- instances of their own ------------------------------------------------------------------

TEST(SaferchatdLimitsTest, SlowClientIsCutOffAtTheReadTimeout) {
  TempDir dir;
  json config = test_config(dir);
  config["limits"] = {{"readTimeoutSeconds", 1}, {"idleTimeoutSeconds", 1}};
  Saferchatd server(config, dir);

  // Slowloris: a header line trickling in, one byte every 100 ms, never finished.
  HttpConnection slow(server.port());
  slow.send_raw("POST /v1/challenge HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  bool cut_off = false;
  for (int i = 0; i < 60 && !cut_off; ++i) {  // up to 6 s of trickling
    std::this_thread::sleep_for(milliseconds(100));
    cut_off = !slow.send_raw("a") || slow.wait_closed(milliseconds(1));
  }
  EXPECT_TRUE(cut_off || slow.wait_closed(seconds(2)));
  EXPECT_EQ(slow.pending(), "");  // closed without an answer

  // An idle keep-alive connection is closed too; the service still serves others.
  HttpConnection idle(server.port());
  EXPECT_EQ(idle.get("/healthz").status, 200);
  EXPECT_TRUE(idle.wait_closed(seconds(5)));
  EXPECT_EQ(server.get("/healthz").status, 200);
  EXPECT_TRUE(server.log_has("status=- reason=REQUEST_TIMEOUT")) << server.log();
}

TEST(SaferchatdLifecycleTest, SigtermStopsGracefully) {
  TempDir dir;
  Saferchatd server(test_config(dir), dir);
  HttpConnection idle(server.port());
  EXPECT_EQ(idle.get("/healthz").status, 200);  // then idle on a keep-alive connection
  EXPECT_EQ(server.stop(SIGTERM), 0);
  EXPECT_TRUE(idle.wait_closed(seconds(1)));
  EXPECT_TRUE(server.log_has(R"(INFO saferchatd\[\d+\] stopped\n)")) << server.log();
}

TEST(SaferchatdLifecycleTest, ShutdownGivesUpOnAPartialRequestAfterTheGracePeriod) {
  TempDir dir;
  Saferchatd server(test_config(dir), dir);  // read timeout 10 s, longer than the 5 s grace
  HttpConnection partial(server.port());
  partial.send_raw("POST /v1/challenge HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{");
  std::this_thread::sleep_for(milliseconds(300));  // let the server read the first bytes
  EXPECT_EQ(server.stop(SIGTERM), 0);  // within 10 s, though the request never completes
  EXPECT_TRUE(partial.wait_closed(seconds(1)));
}

TEST(SaferchatdLifecycleTest, SigintStopsGracefully) {
  TempDir dir;
  Saferchatd server(test_config(dir), dir);
  EXPECT_EQ(server.stop(SIGINT), 0);
}

TEST(SaferchatdLifecycleTest, RevealsTheNationalNumberOnlyWhenConfigured) {
  TempDir dir;
  json config = test_config(dir);
  config["revealNationalNumber"] = true;
  config["revealBirthDate"] = false;
  config.erase("pseudonymKeyFile");
  Saferchatd server(config, dir);
  const TestCard kid(card_dir("kid-9"));
  const std::string nonce = server.challenge();
  const HttpReply reply =
      server.post("/v1/verify", verify_body(kid.token(test_origin, nonce), nonce, "kids"));
  EXPECT_EQ(reply.json(), json({{"verdict", "accepted"},
                                {"holder",
                                 {{"givenNames", kid.holder().at("given_names")},
                                  {"surname", kid.holder().at("surname")},
                                  {"age", kid.holder().at("age")},
                                  {"nationalNumber", kid.holder().at("national_number")}}}}));
}

// Caps on live challenges per session and per client (store.maxChallengesPer…): the next one
// is 429 TOO_MANY_CHALLENGES; another client's child still gets challenges and logs in.
TEST(SaferchatdChallengeCapsTest, OneClientCannotTakeEveryChallenge) {
  TempDir dir;
  json config = test_config(dir);
  config["store"] = {
      {"type", "memory"}, {"maxChallengesPerSession", 2}, {"maxChallengesPerClient", 3}};
  Saferchatd server(config, dir);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(server
                  .post("/v1/challenge",
                        {{"session", "bot-" + std::to_string(i)}, {"client", "198.51.100.7"}})
                  .status,
              200);
  }
  const HttpReply refused =
      server.post("/v1/challenge", {{"session", "bot-9"}, {"client", "198.51.100.7"}});
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.json()["error"]["code"], "TOO_MANY_CHALLENGES");
  EXPECT_TRUE(server.log_has("status=429 .*the client already holds 3 live challenges"));
  EXPECT_EQ(server.post("/v1/challenge", {{"session", "s"}}).status, 200);
  EXPECT_EQ(server.post("/v1/challenge", {{"session", "s"}}).status, 200);
  EXPECT_EQ(server.post("/v1/challenge", {{"session", "s"}}).status, 429);

  const TestCard kid(card_dir("kid-9"));
  const HttpReply challenge =
      server.post("/v1/challenge", {{"session", "child"}, {"client", "203.0.113.9"}});
  ASSERT_EQ(challenge.status, 200);
  const std::string nonce = challenge.json().at("challengeNonce").get<std::string>();
  json body = verify_body(kid.token(test_origin, nonce), nonce, "kids");
  body["session"] = "child";
  EXPECT_EQ(server.post("/v1/verify", body).json()["verdict"], "accepted");
}

// A silent OCSP responder (it accepts and says nothing) holds only the logins that need it:
// while two of them wait (as many as the default workers), /healthz, challenges and junk
// verifications are answered; junk never reaches the responder (origin, nonce and signature
// come first).
TEST(SaferchatdRevocationTest, ASilentResponderHoldsOnlyTheLoginsThatNeedIt) {
  TempDir dir;
  SilentServer silent;
  json config = test_config(dir);
  config["revocation"] = {
      {"mode", "ocsp"}, {"ocspResponderUrl", silent.url()}, {"ocspTimeoutSeconds", 60}};
  Saferchatd server(config, dir);
  const TestCard kid(card_dir("kid-9"));
  const std::string unissued = std::string(43, 'A') + "=";  // 32 bytes, never issued
  const auto reason = [](const HttpReply& reply) {
    return reply.json().value("reason", std::string("(none): " + reply.body));
  };
  const auto junk = [&] {
    return server.post("/v1/verify",
                       verify_body(kid.token(test_origin, unissued), unissued, "kids"));
  };
  EXPECT_EQ(reason(junk()), "NONCE_UNKNOWN");
  std::string nonce = server.challenge();
  json zero = kid.token(test_origin, nonce);
  zero["signature"] = std::string(128, 'A');
  EXPECT_EQ(reason(server.post("/v1/verify", verify_body(zero, nonce, "kids"))),
            "SIGNATURE_INVALID");
  EXPECT_EQ(silent.accepted(), 0);

  std::atomic<int> finished{0};
  std::vector<HttpReply> replies(2);
  std::vector<std::thread> waiting;
  for (HttpReply& reply : replies) {
    const std::string login_nonce = server.challenge();
    waiting.emplace_back([&, login_nonce] {
      reply = server.post("/v1/verify",
                          verify_body(kid.token(test_origin, login_nonce), login_nonce, "kids"));
      ++finished;
    });
  }
  ASSERT_TRUE(silent.wait_for_connections(2));
  EXPECT_EQ(server.get("/healthz").status, 200);
  EXPECT_EQ(server.challenge().size(), 44U);
  EXPECT_EQ(reason(junk()), "NONCE_UNKNOWN");
  EXPECT_EQ(finished, 0);  // both still wait on the responder
  silent.close();
  for (std::thread& thread : waiting) {
    thread.join();
  }
  for (const HttpReply& reply : replies) {
    EXPECT_EQ(reason(reply), "REVOCATION_UNAVAILABLE");
  }
}

// --- command line ----------------------------------------------------------------------------

struct CliRun {
  int status;
  std::string out;
  std::string err;
};

CliRun run_saferchatd(const std::vector<std::string>& args, const TempDir& dir) {
  std::vector<std::string> argv{SAFERCHATD_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess child(argv, dir.file("cli.err"));
  std::string out = child.read_all(seconds(20));
  const auto status = child.wait(seconds(20));
  return {status.value_or(-1), out, child.stderr_text()};
}

TEST(SaferchatdCommandLineTest, VersionHelpAndUsage) {
  TempDir dir;
  CliRun run = run_saferchatd({"--version"}, dir);
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, "saferchatd 0.1.0\n");
  run = run_saferchatd({"--help"}, dir);
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out.rfind("Usage: saferchatd --config FILE", 0), 0U) << run.out;
  run = run_saferchatd({"--config"}, dir);
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.err.rfind("saferchatd: --config needs a value\n", 0), 0U) << run.err;
  run = run_saferchatd({}, dir);
  EXPECT_EQ(run.status, 2);
}

TEST(SaferchatdCommandLineTest, CheckConfig) {
  TempDir dir;
  std::ofstream(dir.file("good.json")) << test_config(dir).dump();
  CliRun run = run_saferchatd({"--config", dir.file("good.json"), "--check-config"}, dir);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "saferchatd: configuration " + dir.file("good.json") +
                         " is usable (store=memory revocation=none origins=1 rooms=2 "
                         "nonce_ttl_s=300 pseudonyms=on national_number=hidden)\n");

  json config = test_config(dir);
  config["trustAnchors"] = dir.file("missing.pem");
  std::ofstream(dir.file("bad.json")) << config.dump();
  run = run_saferchatd({"--config", dir.file("bad.json"), "--check-config"}, dir);
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.err, "saferchatd: trustAnchors: cannot read " + dir.file("missing.pem") +
                         ": No such file or directory\n");

  std::ofstream(dir.file("short.key")) << "too short";
  config = test_config(dir);
  config["pseudonymKeyFile"] = "short.key";  // relative to the configuration file
  std::ofstream(dir.file("short.json")) << config.dump();
  run = run_saferchatd({"--config", dir.file("short.json"), "--check-config"}, dir);
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.err, "saferchatd: pseudonymKeyFile: " + dir.file("short.key") +
                         " holds fewer than 32 bytes (make one with: head -c 32 /dev/urandom)\n");

  config = test_config(dir);
  config["origins"] = config["allowedOrigins"];
  std::ofstream(dir.file("typo.json")) << config.dump();
  run = run_saferchatd({"--config", dir.file("typo.json")}, dir);
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.err, "saferchatd: " + dir.file("typo.json") + ": origins: unknown setting\n");

  // No revocation block: refused at start, never "no revocation check" by default (issue 15).
  config = test_config(dir);
  config.erase("revocation");
  std::ofstream(dir.file("silent.json")) << config.dump();
  run = run_saferchatd({"--config", dir.file("silent.json")}, dir);
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.err, "saferchatd: " + dir.file("silent.json") +
                         ": revocation: required: state the revocation mode, e.g. {\"mode\": "
                         "\"ocsp+crl\", \"crlFetch\": true}, or {\"mode\": \"none\"} to check "
                         "none\n");
}

TEST(SaferchatdCommandLineTest, RevocationNoneWithTheBelgianRootsIsRefused) {
  TempDir dir;
  json config = test_config(dir);  // the TEST PKI with revocation "none": usable (CheckConfig)
  ASSERT_EQ(config.at("revocation").at("mode"), "none");
  const std::string refusal =
      "saferchatd: revocation.mode \"none\" with a real Belgian root in trustAnchors: refused. "
      "\"none\" is for the TEST cards' PKI only (docs/integration.md §6); with the Belgian roots "
      "use \"ocsp\", \"crl\" or \"ocsp+crl\".\n";
  // The real roots, alone or beside the TEST ones: refused, at --check-config and at start.
  for (const json& anchors : {json::array({"builtin:belgium"}),
                              json::array({config.at("trustAnchors"), "builtin:belgium"})}) {
    config["trustAnchors"] = anchors;
    std::ofstream(dir.file("belgian.json")) << config.dump();
    CliRun run = run_saferchatd({"--config", dir.file("belgian.json"), "--check-config"}, dir);
    EXPECT_EQ(run.status, 2) << anchors;
    EXPECT_EQ(run.err, refusal);
    run = run_saferchatd({"--config", dir.file("belgian.json")}, dir);
    EXPECT_EQ(run.status, 2) << anchors;
    EXPECT_EQ(run.err, refusal);
  }
  // With a revocation check, the Belgian roots are what production uses.
  config["trustAnchors"] = json::array({"builtin:belgium"});
  config["revocation"] = {{"mode", "ocsp"}};
  std::ofstream(dir.file("production.json")) << config.dump();
  const CliRun run =
      run_saferchatd({"--config", dir.file("production.json"), "--check-config"}, dir);
  EXPECT_EQ(run.status, 0) << run.err;
}

TEST(SaferchatdCommandLineTest, TheExampleConfigurationParses) {
  // server/service/saferchatd.example.json with its pseudonym key present.
  TempDir dir;
  std::filesystem::copy_file(SAFERCHAT_EXAMPLE_CONFIG, dir.file("saferchatd.json"));
  std::ofstream(dir.file("pseudonym.key")) << test_pseudonym_key();
  const CliRun run =
      run_saferchatd({"--config", dir.file("saferchatd.json"), "--check-config"}, dir);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("(store=memory revocation=ocsp+crl origins=1 rooms=2 nonce_ttl_s=300 "
                         "pseudonyms=on national_number=hidden)"),
            std::string::npos)
      << run.out;
}

TEST(SaferchatdCommandLineTest, ListenOverrideAndPortFile) {
  TempDir dir;
  json config = test_config(dir);
  config["listen"] = "127.0.0.1:1";  // would need root: the override must win
  std::ofstream(dir.file("c.json")) << config.dump();
  ChildProcess child({SAFERCHATD_PATH, "--config", dir.file("c.json"), "--listen", "127.0.0.1:0",
                      "--port-file", dir.file("port")},
                     dir.file("err"));
  const auto line = child.read_line(seconds(20));
  ASSERT_TRUE(line) << child.stderr_text();
  std::ifstream port_file(dir.file("port"));
  std::string port;
  std::getline(port_file, port);
  EXPECT_EQ(*line, "listening on 127.0.0.1:" + port);
  HttpConnection connection(static_cast<std::uint16_t>(std::stoul(port)));
  EXPECT_EQ(connection.get("/healthz").status, 200);
  child.signal(SIGTERM);
  EXPECT_EQ(child.wait(seconds(10)), 0);
}

TEST(SaferchatdCommandLineTest, AddressInUse) {
  TempDir dir;
  Saferchatd first(test_config(dir), dir, "first");
  json config = test_config(dir);
  config["listen"] = "127.0.0.1:" + std::to_string(first.port());
  std::ofstream(dir.file("second.json")) << config.dump();
  const CliRun run = run_saferchatd({"--config", dir.file("second.json")}, dir);
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err, "saferchatd: cannot listen on 127.0.0.1:" + std::to_string(first.port()) +
                         ": Address already in use\n");
}

}  // namespace
}  // namespace saferchat::testing
