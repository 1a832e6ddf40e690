// SPDX-License-Identifier: Apache-2.0
// ServiceHandler in process: routing, content type, the order of /v1/verify (decode → room →
// nonce taken → token → policy), and a nonce store that is down. A real Verifier and real
// nonce stores; the only fake is a store that always fails (for STORE_UNAVAILABLE). Tokens that
// verify end to end are in saferchatd_test.cpp (they need the generated test PKI).
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "service/app/service_handler.hpp"
#include "store/memory_nonce_store.hpp"
#include "trust/belgian_trust.hpp"
#include "verify/reason.hpp"

namespace saferchat::service {
namespace {

using nlohmann::json;

class DownStore final : public store::NonceStore {
 public:
  bool put(std::string_view /*nonce*/, std::string_view /*session_id*/,
           std::string_view /*client_id*/, store::TimePoint /*expires_at*/,
           store::TimePoint /*now*/) override {
    throw store::StoreUnavailable("connection refused");
  }
  store::TakeResult take(std::string_view /*nonce*/, store::TimePoint /*now*/) override {
    throw store::StoreUnavailable("connection refused");
  }
};

class HandlerTest : public ::testing::Test {
 protected:
  explicit HandlerTest(std::shared_ptr<store::NonceStore> store = nullptr, bool store_up = true)
      : store_(store ? std::move(store) : std::make_shared<store::MemoryNonceStore>()),
        handler_(config(), make_verifier(store_), probe(store_up), log_) {}

  static ServiceConfig config() {
    ServiceConfig config;
    config.allowed_origins = {"https://chat.example"};
    config.rooms = {{"kids", RoomPolicy{6, 11}}};
    config.nonce_ttl = std::chrono::seconds(120);
    return config;
  }

  static std::shared_ptr<const verify::Verifier> make_verifier(
      std::shared_ptr<store::NonceStore> store) {
    verify::VerifierConfig verifier;
    verifier.allowed_origins = {"https://chat.example"};
    verifier.trust_anchors_pem = std::string(trust::belgian_root_certificates_pem());
    verifier.nonce_ttl = std::chrono::seconds(120);
    return std::make_shared<const verify::Verifier>(std::move(verifier), std::move(store));
  }

  static StoreProbe probe(bool up) {
    if (up) {
      return [] {};
    }
    return [] { throw store::StoreUnavailable("connection refused"); };
  }

  HttpResponse call(std::string_view method, std::string_view target, std::string_view body,
                    std::string_view content_type = "application/json") {
    return handler_.handle({method, target, content_type, body});
  }

  std::string new_nonce() {
    const HttpResponse response = call("POST", "/v1/challenge", "{}");
    EXPECT_EQ(response.status, 200U);
    return json::parse(response.body).at("challengeNonce").get<std::string>();
  }

  static json verify_body(const std::string& nonce) {
    return {{"token", {{"format", "web-eid:1.0"}}},
            {"challengeNonce", nonce},
            {"origin", "https://chat.example"},
            {"room", "kids"}};
  }

  AccessLog log_{-1};
  std::shared_ptr<store::NonceStore> store_;
  ServiceHandler handler_;
};

TEST_F(HandlerTest, ChallengeIssuesAFreshNonce) {
  const HttpResponse response = call("POST", "/v1/challenge", R"({"session":"s-1"})");
  EXPECT_EQ(response.status, 200U);
  EXPECT_EQ(response.reason, "OK");
  const json body = json::parse(response.body);
  ASSERT_EQ(body.size(), 2U);
  const std::string nonce = body.at("challengeNonce");
  EXPECT_EQ(nonce.size(), 44U);
  EXPECT_EQ(nonce.back(), '=');
  EXPECT_EQ(body.at("expiresInSeconds"), 120);
  EXPECT_NE(nonce, new_nonce());
}

// The store's own view of a nonce, taken now (which uses it up).
store::TakeStatus take_now(store::NonceStore& store, const std::string& nonce) {
  return store.take(nonce, std::chrono::system_clock::now()).status;
}

TEST_F(HandlerTest, VerifyTakesTheNonceWhateverTheOutcome) {
  const std::string nonce = new_nonce();
  const HttpResponse first = call("POST", "/v1/verify", verify_body(nonce).dump());
  EXPECT_EQ(first.status, 200U);
  // Checks report in their order (docs/verifier.md §4): the token's shape before the nonce.
  EXPECT_EQ(first.body,
            nlohmann::ordered_json(
                {{"verdict", "rejected"},
                 {"reason", "TOKEN_MALFORMED"},
                 {"category", "software_problem"},
                 {"message", verify::reason_description(verify::Reason::token_malformed)}})
                .dump());
  EXPECT_EQ(first.reason, "TOKEN_MALFORMED");
  // ... but the nonce was taken first: it is used up.
  EXPECT_EQ(take_now(*store_, nonce), store::TakeStatus::replayed);
}

TEST_F(HandlerTest, RequestErrorsLeaveTheNonceUnused) {
  const std::string nonce = new_nonce();
  json body = verify_body(nonce);
  body["room"] = "adults";
  const HttpResponse unknown_room = call("POST", "/v1/verify", body.dump());
  EXPECT_EQ(unknown_room.status, 400U);
  EXPECT_EQ(json::parse(unknown_room.body)["error"]["code"], "UNKNOWN_ROOM");
  const HttpResponse as_text = call("POST", "/v1/verify", verify_body(nonce).dump(), "text/plain");
  EXPECT_EQ(as_text.status, 415U);
  EXPECT_EQ(json::parse(as_text.body)["error"]["code"], "UNSUPPORTED_MEDIA_TYPE");
  body.erase("room");
  const HttpResponse no_policy = call("POST", "/v1/verify", body.dump());
  EXPECT_EQ(no_policy.status, 400U);
  EXPECT_EQ(json::parse(no_policy.body)["error"]["code"], "BAD_REQUEST");
  const HttpResponse broken = call("POST", "/v1/verify", "{\"token\":");
  EXPECT_EQ(broken.status, 400U);
  EXPECT_EQ(take_now(*store_, nonce), store::TakeStatus::taken);  // still unused until now
}

TEST_F(HandlerTest, ChallengeSessionIsKeptWithTheNonce) {
  const HttpResponse response = call("POST", "/v1/challenge", R"({"session":"s-42"})");
  const std::string nonce = json::parse(response.body).at("challengeNonce");
  const store::TakeResult taken = store_->take(nonce, std::chrono::system_clock::now());
  EXPECT_EQ(taken.status, store::TakeStatus::taken);
  EXPECT_EQ(taken.session_id, "s-42");
}

TEST_F(HandlerTest, RoutingErrors) {
  const HttpResponse missing = call("GET", "/v1/tokens", "");
  EXPECT_EQ(missing.status, 404U);
  EXPECT_EQ(missing.allow, "");
  EXPECT_EQ(
      missing.body,
      R"({"error":{"code":"NOT_FOUND","message":"No such endpoint: use POST /v1/challenge, POST /v1/verify or GET /healthz."}})");
  const HttpResponse wrong = call("GET", "/v1/challenge", "");
  EXPECT_EQ(wrong.status, 405U);
  EXPECT_EQ(wrong.allow, "POST");
  const HttpResponse health_post = call("POST", "/healthz", "{}");
  EXPECT_EQ(health_post.status, 405U);
  EXPECT_EQ(health_post.allow, "GET");
}

TEST_F(HandlerTest, HealthWithTheMemoryStore) {
  const HttpResponse health = call("GET", "/healthz", "", "");
  EXPECT_EQ(health.status, 200U);
  EXPECT_EQ(health.body, R"({"status":"ok","version":"0.1.0","store":"memory"})");
}

TEST_F(HandlerTest, TransportFailures) {
  const std::vector<std::tuple<TransportFailure, unsigned, std::string>> cases{
      {TransportFailure::malformed_request, 400, "MALFORMED_HTTP"},
      {TransportFailure::body_too_large, 413, "REQUEST_TOO_LARGE"},
      {TransportFailure::headers_too_large, 431, "HEADERS_TOO_LARGE"},
      {TransportFailure::handler_failed, 500, "INTERNAL"},
  };
  for (const auto& [failure, status, code] : cases) {
    const HttpResponse response = handler_.failure(failure);
    EXPECT_EQ(response.status, status);
    EXPECT_EQ(response.reason, code);
    EXPECT_EQ(json::parse(response.body)["error"]["code"], code);
  }
  EXPECT_EQ(
      handler_.failure(TransportFailure::body_too_large).body,
      R"({"error":{"code":"REQUEST_TOO_LARGE","message":"The request body is larger than this service accepts."}})");
}

class DownStoreTest : public HandlerTest {
 protected:
  DownStoreTest() : HandlerTest(std::make_shared<DownStore>(), false) {}
};

TEST_F(DownStoreTest, EveryEndpointSays503) {
  const std::string expected_error =
      R"({"error":{"code":"STORE_UNAVAILABLE","message":"The challenge store does not answer; try again later."}})";
  const HttpResponse challenge = call("POST", "/v1/challenge", "{}");
  EXPECT_EQ(challenge.status, 503U);
  EXPECT_EQ(challenge.body, expected_error);
  EXPECT_EQ(challenge.detail, "connection refused");
  // A malformed token is reported before the store's answer (docs/verifier.md §4); an
  // authentic token with the store down gives 503 (saferchatd_redis_test).
  const HttpResponse verified =
      call("POST", "/v1/verify", verify_body(std::string(43, 'A') + "=").dump());
  EXPECT_EQ(verified.status, 200U);
  EXPECT_EQ(json::parse(verified.body).at("reason"), "TOKEN_MALFORMED");
  const HttpResponse health = call("GET", "/healthz", "", "");
  EXPECT_EQ(health.status, 503U);
  EXPECT_EQ(json::parse(health.body)["status"], "unavailable");
  EXPECT_EQ(json::parse(health.body)["store"], "memory");
}

}  // namespace
}  // namespace saferchat::service

namespace saferchat::service {
namespace {

// docs/protocol.md §4.4: the sealing keys' public halves, current first, cacheable; a 404
// (read by the extension as "this site does not seal") without keys.
TEST(SealKeyEndpoint, ServesThePublicKeySetWithItsCacheLifetime) {
  const jwe::PrivateKey current = jwe::PrivateKey::generate(jwe::Curve::p256, "chat-2026-12");
  const jwe::PrivateKey previous = jwe::PrivateKey::generate(jwe::Curve::x25519, "chat-2026-06");
  ServiceConfig config;
  config.allowed_origins = {"https://chat.example"};
  config.seal_key_max_age = std::chrono::seconds(600);
  verify::VerifierConfig verifier;
  verifier.allowed_origins = config.allowed_origins;
  verifier.trust_anchors_pem = std::string(trust::belgian_root_certificates_pem());
  verifier.sealing_keys = {current, previous};
  const AccessLog log{-1};
  ServiceHandler handler(
      config,
      std::make_shared<const verify::Verifier>(std::move(verifier),
                                               std::make_shared<store::MemoryNonceStore>()),
      [] {}, log);
  for (const std::string_view path : {"/.well-known/saferchat-seal-key", "/v1/seal-key"}) {
    SCOPED_TRACE(path);
    const HttpResponse response = handler.handle({"GET", path, "", ""});
    EXPECT_EQ(response.status, 200U);
    EXPECT_EQ(response.cache_control, "public, max-age=600");
    const json body = json::parse(response.body);
    EXPECT_EQ(body,
              (json{{"keys", {current.public_jwk().to_json(), previous.public_jwk().to_json()}}}));
    EXPECT_EQ(response.body.find("\"d\""), std::string::npos);  // never the private part
    // What the extension checks: each key parses as a public sealing key.
    EXPECT_EQ(jwe::PublicJwk::from_json(body["keys"][0]).kid(), "chat-2026-12");
    EXPECT_EQ(jwe::PublicJwk::from_json(body["keys"][1]).curve(), jwe::Curve::x25519);
  }
  EXPECT_EQ(handler.handle({"POST", "/v1/seal-key", "application/json", "{}"}).status, 405U);
}

TEST_F(HandlerTest, SealKeyIsNotFoundWithoutSealingKeys) {
  const HttpResponse response = call("GET", "/.well-known/saferchat-seal-key", "");
  EXPECT_EQ(response.status, 404U);
  EXPECT_EQ(json::parse(response.body)["error"]["code"], "NOT_FOUND");
  EXPECT_TRUE(response.cache_control.empty());  // no-store
}

}  // namespace
}  // namespace saferchat::service
