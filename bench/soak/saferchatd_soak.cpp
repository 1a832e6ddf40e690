// SPDX-License-Identifier: Apache-2.0
// Soak of saferchatd with the Redis nonce store: VERIFICATIONS challenge + verify pairs (default
// 100,000) over one keep-alive connection, each with a fresh token of the TEST card kid-9
// (ES384, signed client side). Every REPORT pairs (default 10,000) prints saferchatd's resident
// set and open descriptors and redis-server's resident set; a growth beyond noise is a leak.
//   saferchatd_soak [VERIFICATIONS] [REPORT]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "service/support/http_client.hpp"
#include "service/support/redis_server.hpp"
#include "service/support/saferchatd_fixture.hpp"
#include "service/support/test_token.hpp"
#include "soak/proc_figures.hpp"

int main(int argc, char** argv) {
  const long verifications = argc > 1 ? std::atol(argv[1]) : 100'000;
  const long report = argc > 2 ? std::atol(argv[2]) : 10'000;
  namespace testing = saferchat::testing;
  using saferchat::bench::open_descriptors;
  using saferchat::bench::rss_kib;

  const testing::TempDir dir;
  const testing::RedisServer redis(dir);
  nlohmann::json config = testing::test_config(dir);
  config["store"] = {{"type", "redis"}, {"unixSocket", redis.socket()}};
  testing::Saferchatd server(config, dir);
  const testing::TestCard card(testing::card_dir("kid-9"));
  const pid_t service = server.process().pid();
  testing::HttpConnection connection(server.port());

  const auto started = std::chrono::steady_clock::now();
  std::printf("%9s %14s %14s %15s %8s %10s\n", "verified", "saferchatd_kib", "saferchatd_fds",
              "redis_rss_kib", "failed", "pairs/s");
  std::printf("%9d %14ld %14ld %15ld %8d %10s\n", 0, rss_kib(service), open_descriptors(service),
              rss_kib(redis.pid()), 0, "-");
  long failed = 0;
  for (long i = 1; i <= verifications; ++i) {
    const testing::HttpReply challenge = connection.request("POST", "/v1/challenge", "{}");
    bool accepted = false;
    if (challenge.status == 200) {
      const std::string nonce = challenge.json().at("challengeNonce").get<std::string>();
      const nlohmann::json body{{"token", card.token(testing::test_origin, nonce)},
                                {"challengeNonce", nonce},
                                {"origin", testing::test_origin},
                                {"room", "kids"}};
      const testing::HttpReply verdict = connection.request("POST", "/v1/verify", body.dump());
      accepted = verdict.status == 200 && verdict.body.rfind(R"({"verdict":"accepted")", 0) == 0;
      if (!accepted && failed < 3) {
        std::fprintf(stderr, "verification %ld: %u %s\n", i, verdict.status, verdict.body.c_str());
      }
    }
    failed += accepted ? 0 : 1;
    if (i % report == 0) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::printf("%9ld %14ld %14ld %15ld %8ld %10.1f\n", i, rss_kib(service),
                  open_descriptors(service), rss_kib(redis.pid()), failed,
                  static_cast<double>(i) / seconds);
      std::fflush(stdout);
    }
  }
  return failed == 0 ? 0 : 1;
}
