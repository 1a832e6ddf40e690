// SPDX-License-Identifier: Apache-2.0
// saferchatd with the Redis nonce store, against a real redis-server started by the test (its
// own temporary folder, no persistence: --save '' --appendonly no): two instances sharing one
// Redis, Redis over TCP, and Redis going down and coming back.
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "service/support/redis_server.hpp"
#include "service/support/saferchatd_fixture.hpp"
#include "service/support/test_token.hpp"
#include "verify/reason.hpp"

namespace saferchat::testing {
namespace {

using nlohmann::json;

json redis_config(const TempDir& dir, const json& store) {
  json config = test_config(dir);
  config["store"] = store;
  return config;
}

json verify_body(const json& token, const std::string& nonce, const std::string& session) {
  return {{"token", token},
          {"challengeNonce", nonce},
          {"origin", test_origin},
          {"session", session},
          {"room", "kids"}};
}

TEST(SaferchatdRedisTest, TwoInstancesShareOneRedis) {
  TempDir dir;
  RedisServer redis(dir);
  const json config = redis_config(dir, {{"type", "redis"}, {"url", "unix://" + redis.socket()}});
  Saferchatd a(config, dir, "a");
  Saferchatd b(config, dir, "b");
  EXPECT_EQ(a.get("/healthz").body, R"({"status":"ok","version":"0.1.0","store":"redis"})");
  EXPECT_EQ(b.get("/healthz").status, 200);

  const TestCard kid(card_dir("kid-9"));
  // Issued by A, verified at B.
  const std::string nonce = a.challenge("s-1");
  const json body = verify_body(kid.token(test_origin, nonce), nonce, "s-1");
  const HttpReply at_b = b.post("/v1/verify", body);
  ASSERT_EQ(at_b.status, 200) << at_b.body;
  EXPECT_EQ(at_b.json().at("verdict"), "accepted") << at_b.body;
  EXPECT_EQ(at_b.json().at("holder").at("givenNames"), kid.holder().at("given_names"));
  // Replayed at A: the store both share says it was used.
  const HttpReply at_a = a.post("/v1/verify", body);
  EXPECT_EQ(at_a.json().at("reason"), "NONCE_REPLAYED") << at_a.body;
  EXPECT_EQ(at_a.json().at("category"), "try_again");
  // Issued by B, verified at A.
  const std::string other = b.challenge();
  EXPECT_EQ(a.post("/v1/verify", verify_body(kid.token(test_origin, other), other, ""))
                .json()
                .at("verdict"),
            "accepted");
}

TEST(SaferchatdRedisTest, RedisOverTcp) {
  TempDir dir;
  const std::uint16_t port = free_tcp_port();
  RedisServer redis(dir, port);
  Saferchatd server(redis_config(dir, {{"type", "redis"},
                                       {"url", "redis://127.0.0.1:" + std::to_string(port) + "/3"},
                                       {"keyPrefix", "test:"}}),
                    dir);
  const TestCard teen(card_dir("teen-14"));
  const std::string nonce = server.challenge();
  const HttpReply reply =
      server.post("/v1/verify", verify_body(teen.token(test_origin, nonce), nonce, ""));
  EXPECT_EQ(reply.json().at("reason"), "AGE_TOO_HIGH") << reply.body;
}

TEST(SaferchatdRedisTest, RedisDownIs503AndRecovers) {
  TempDir dir;
  auto redis = std::make_unique<RedisServer>(dir);
  Saferchatd server(
      redis_config(dir,
                   {{"type", "redis"}, {"unixSocket", redis->socket()}, {"timeoutSeconds", 1}}),
      dir);
  const TestCard kid(card_dir("kid-9"));
  const std::string nonce = server.challenge();
  ASSERT_EQ(server.get("/healthz").status, 200);

  redis->kill();
  const std::string unavailable =
      R"({"error":{"code":"STORE_UNAVAILABLE","message":"The challenge store does not answer; try again later."}})";
  HttpReply reply = server.post("/v1/challenge", json::object());
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.body, unavailable);
  reply = server.post("/v1/verify", verify_body(kid.token(test_origin, nonce), nonce, ""));
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.body, unavailable);
  reply = server.get("/healthz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(
      reply.body,
      R"({"status":"unavailable","version":"0.1.0","store":"redis","error":{"code":"STORE_UNAVAILABLE","message":"The challenge store does not answer; try again later."}})");
  EXPECT_TRUE(server.log_has("status=503 reason=STORE_UNAVAILABLE")) << server.log();

  // Back again (empty: no persistence): the service reconnects by itself.
  redis = std::make_unique<RedisServer>(dir);
  EXPECT_EQ(server.get("/healthz").status, 200);
  // The nonce issued before the restart is gone with Redis's memory.
  reply = server.post("/v1/verify", verify_body(kid.token(test_origin, nonce), nonce, ""));
  EXPECT_EQ(reply.json().at("reason"), "NONCE_UNKNOWN") << reply.body;
  const std::string fresh = server.challenge();
  reply = server.post("/v1/verify", verify_body(kid.token(test_origin, fresh), fresh, ""));
  EXPECT_EQ(reply.json().at("verdict"), "accepted") << reply.body;
}

}  // namespace
}  // namespace saferchat::testing
