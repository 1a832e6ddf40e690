// SPDX-License-Identifier: Apache-2.0
// The Redis nonce store against a real redis-server started by the test (unix socket in a
// temporary folder, or a free loopback port): single use across instances, expiry, the TTL it
// sets, authentication, database selection, and Redis going away and coming back.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "server/support/server_test_support.hpp"
#include "store/redis_nonce_store.hpp"
#include "verify/verifier.hpp"

namespace saferchat::store {
namespace {

using namespace std::chrono_literals;

// redis-server in its own folder; unix socket only (port 0) unless a TCP port is asked for.
class RedisServer {
 public:
  explicit RedisServer(bool tcp = false, const std::string& password = {}) : tcp_(tcp) {
    if (tcp) {
      port_ = testing::free_tcp_port();
    }
    start(password);
  }

  void start(const std::string& password = {}) {
    std::vector<std::string> argv{"redis-server",
                                  "--port",
                                  std::to_string(port_),
                                  "--bind",
                                  "127.0.0.1",
                                  "--unixsocket",
                                  socket().string(),
                                  "--unixsocketperm",
                                  "700",
                                  "--dir",
                                  dir_.path().string(),
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--loglevel",
                                  "warning"};
    if (!password.empty()) {
      argv.insert(argv.end(), {"--requirepass", password});
    }
    process_ = std::make_unique<testing::ChildProcess>(argv);
    for (int i = 0; i < 100; ++i) {
      if (testing::run_command({"redis-cli", "-s", socket().string(), "PING"}).first == 0 &&
          std::filesystem::exists(socket())) {
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
    throw std::runtime_error("redis-server did not start");
  }
  void stop() { process_.reset(); }

  [[nodiscard]] std::filesystem::path socket() const { return dir_ / "redis.sock"; }
  [[nodiscard]] RedisNonceStoreOptions options() const {
    RedisNonceStoreOptions options;
    if (tcp_) {
      options.host = "127.0.0.1";
      options.port = port_;
    } else {
      options.unix_socket = socket().string();
    }
    return options;
  }
  [[nodiscard]] std::string cli(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"redis-cli", "-s", socket().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string output = testing::run_command(argv).second;
    while (!output.empty() && output.back() == '\n') {
      output.pop_back();
    }
    return output;
  }

 private:
  testing::TempDir dir_{"saferchat-redis"};
  bool tcp_ = false;
  int port_ = 0;
  std::unique_ptr<testing::ChildProcess> process_;
};

const TimePoint t0 = std::chrono::system_clock::now();

TEST(RedisNonceStore, TakenOnceWithItsSession) {
  const RedisServer redis;
  RedisNonceStore store(redis.options());
  const std::string nonce = generate_nonce();
  ASSERT_TRUE(store.put(nonce, "session|with|bars", t0 + 300s, t0));
  const TakeResult taken = store.take(nonce, t0 + 1s);
  EXPECT_EQ(taken.status, TakeStatus::taken);
  EXPECT_EQ(taken.session_id, "session|with|bars");
  EXPECT_EQ(store.take(nonce, t0 + 2s).status, TakeStatus::replayed);
  EXPECT_EQ(store.take(generate_nonce(), t0 + 2s).status, TakeStatus::unknown);
}

TEST(RedisNonceStore, ExpiredStaysExpired) {
  const RedisServer redis;
  RedisNonceStore store(redis.options());
  const std::string nonce = generate_nonce();
  ASSERT_TRUE(store.put(nonce, "", t0 + 300s, t0));
  EXPECT_EQ(store.take(nonce, t0 + 300s).status, TakeStatus::expired);
  EXPECT_EQ(store.take(nonce, t0 + 301s).status, TakeStatus::expired);
}

TEST(RedisNonceStore, SetNxPxWithExpiryPlusRetention) {
  const RedisServer redis;
  RedisNonceStoreOptions options = redis.options();
  options.retention = 120s;
  RedisNonceStore store(options);
  const std::string nonce = generate_nonce();
  ASSERT_TRUE(store.put(nonce, "s1", t0 + 300s, t0));
  EXPECT_FALSE(store.put(nonce, "s2", t0 + 300s, t0));  // NX: a collision changes nothing
  const std::string key = "saferchat:nonce:" + nonce;
  const long ttl = std::stol(redis.cli({"PTTL", key}));
  EXPECT_GT(ttl, 400'000);
  EXPECT_LE(ttl, 420'000);
  const std::string expires = std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>((t0 + 300s).time_since_epoch())
          .count());
  EXPECT_EQ(redis.cli({"GET", key}), "I|" + expires + "|s1");
  ASSERT_EQ(store.take(nonce, t0 + 1s).status, TakeStatus::taken);
  EXPECT_EQ(redis.cli({"GET", key}), "U|" + expires + "|s1");
  EXPECT_GT(std::stol(redis.cli({"PTTL", key})), 400'000);  // KEEPTTL
}

// The same caps as the memory store, kept in Redis sorted sets with TTLs, and a global bound:
// every key the store writes expires.
TEST(RedisNonceStore, CapsPerSessionPerClientAndInAll) {
  const RedisServer redis;
  RedisNonceStoreOptions options = redis.options();
  options.limits = {2, 3};
  options.max_entries = 6;
  RedisNonceStore store(options);
  ASSERT_TRUE(store.put(generate_nonce(), "s1", "", t0 + 300s, t0));
  ASSERT_TRUE(store.put(generate_nonce(), "s1", "", t0 + 300s, t0));
  const std::string refused = generate_nonce();
  try {
    (void)store.put(refused, "s1", "", t0 + 300s, t0);
    ADD_FAILURE() << "a third challenge for one session was stored";
  } catch (const TooManyChallenges& error) {
    EXPECT_STREQ(error.what(), "the session already holds 2 live challenges");
  }
  EXPECT_EQ(redis.cli({"EXISTS", "saferchat:nonce:" + refused}), "0");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store.put(generate_nonce(), "f" + std::to_string(i), "10.0.0.1", t0 + 300s, t0));
  }
  EXPECT_THROW((void)store.put(generate_nonce(), "f9", "10.0.0.1", t0 + 300s, t0),
               TooManyChallenges);
  ASSERT_TRUE(store.put(generate_nonce(), "child", "10.0.0.2", t0 + 300s, t0));  // 6 in all
  EXPECT_THROW((void)store.put(generate_nonce(), "late", "10.0.0.3", t0 + 300s, t0),
               StoreUnavailable);
  EXPECT_EQ(redis.cli({"ZCARD", "saferchat:nonce:client:10.0.0.1"}), "3");
  EXPECT_EQ(redis.cli({"ZCARD", "saferchat:nonce:all"}), "6");
  for (const std::string key :
       {"saferchat:nonce:session:s1", "saferchat:nonce:client:10.0.0.1", "saferchat:nonce:all"}) {
    const long ttl = std::stol(redis.cli({"PTTL", key}));
    EXPECT_GT(ttl, 0) << key;  // bounded in time too
  }
  // Entries past expiry + retention free their places (t0 + 600 s).
  EXPECT_TRUE(store.put(generate_nonce(), "s1", "10.0.0.1", t0 + 900s, t0 + 600s));
}

TEST(RedisNonceStore, ConcurrentTakersOnSeparateConnectionsOnlyOneWins) {
  const RedisServer redis(true);
  std::vector<std::unique_ptr<RedisNonceStore>> stores;
  for (int i = 0; i < 8; ++i) {
    stores.push_back(std::make_unique<RedisNonceStore>(redis.options()));
    stores.back()->ping();
  }
  for (int round = 0; round < 20; ++round) {
    const std::string nonce = generate_nonce();
    ASSERT_TRUE(stores[0]->put(nonce, "", t0 + 300s, t0));
    std::atomic<int> taken{0};
    std::atomic<int> replayed{0};
    std::vector<std::thread> threads;
    for (auto& store : stores) {
      threads.emplace_back([&, instance = store.get()] {
        const TakeStatus status = instance->take(nonce, t0 + 1s).status;
        (status == TakeStatus::taken ? taken : replayed)++;
      });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    EXPECT_EQ(taken.load(), 1);
    EXPECT_EQ(replayed.load(), 7);
  }
}

TEST(RedisNonceStore, TwoVerifierInstancesShareNonces) {
  const RedisServer redis(true);
  verify::VerifierConfig config;
  config.allowed_origins = {"https://kids.chat.example"};
  config.trust_anchors_pem = testing::test_anchors_pem();
  config.intermediates_pem = testing::test_intermediates_pem();
  const verify::Verifier first(config, std::make_shared<RedisNonceStore>(redis.options()));
  const verify::Verifier second(config, std::make_shared<RedisNonceStore>(redis.options()));
  const testing::TestCard kid = testing::load_card("kid-9");
  const auto token = [&](const std::string& nonce) {
    return testing::make_token(kid.certificate_der, kid.key.get(), kid.algorithm,
                               "https://kids.chat.example", nonce);
  };
  // Issued by one instance, verified by the other, then replayed at the first.
  const verify::Challenge challenge = first.issue_challenge("browser-1");
  const verify::Verdict accepted = second.verify(
      token(challenge.nonce), "https://kids.chat.example", challenge.nonce, "browser-1");
  EXPECT_TRUE(accepted.accepted()) << accepted.detail;
  EXPECT_EQ(
      first
          .verify(token(challenge.nonce), "https://kids.chat.example", challenge.nonce, "browser-1")
          .reason,
      verify::Reason::nonce_replayed);
  // The session binding travels through Redis too.
  const verify::Challenge bound = second.issue_challenge("browser-2");
  EXPECT_EQ(first.verify(token(bound.nonce), "https://kids.chat.example", bound.nonce, "browser-3")
                .reason,
            verify::Reason::session_mismatch);
}

TEST(RedisNonceStore, RedisDownIsStoreUnavailableAndRecovers) {
  RedisServer redis;
  RedisNonceStoreOptions options = redis.options();
  options.connect_timeout = 500ms;
  options.command_timeout = 500ms;
  RedisNonceStore store(options);
  const std::string nonce = generate_nonce();
  ASSERT_TRUE(store.put(nonce, "", t0 + 300s, t0));
  redis.stop();
  EXPECT_THROW((void)store.take(nonce, t0 + 1s), StoreUnavailable);
  EXPECT_THROW((void)store.put(generate_nonce(), "", t0 + 300s, t0), StoreUnavailable);
  try {
    store.ping();
    ADD_FAILURE() << "ping succeeded";
  } catch (const StoreUnavailable& error) {
    EXPECT_NE(std::string(error.what()).find(redis.socket().string()), std::string::npos)
        << error.what();
  }
  // The verifier turns it into STORE_UNAVAILABLE.
  verify::VerifierConfig config;
  config.allowed_origins = {"https://kids.chat.example"};
  config.trust_anchors_pem = testing::test_anchors_pem();
  config.intermediates_pem = testing::test_intermediates_pem();
  const verify::Verifier verifier(config, std::make_shared<RedisNonceStore>(options));
  EXPECT_THROW((void)verifier.issue_challenge(), StoreUnavailable);
  const testing::TestCard kid = testing::load_card("kid-9");
  const std::string token = testing::make_token(kid.certificate_der, kid.key.get(), kid.algorithm,
                                                "https://kids.chat.example", nonce);
  EXPECT_EQ(verifier.verify(token, "https://kids.chat.example", nonce).reason,
            verify::Reason::store_unavailable);
  // Back again (empty: nothing was saved): the store reconnects by itself.
  redis.start();
  EXPECT_EQ(store.take(nonce, t0 + 2s).status, TakeStatus::unknown);
  const std::string fresh = generate_nonce();
  EXPECT_TRUE(store.put(fresh, "", t0 + 300s, t0));
  EXPECT_EQ(store.take(fresh, t0 + 3s).status, TakeStatus::taken);
}

TEST(RedisNonceStore, PasswordAndDatabase) {
  const RedisServer redis(false, "s3cret-for-tests");
  RedisNonceStoreOptions wrong = redis.options();
  wrong.password = "wrong";
  RedisNonceStore refused(wrong);
  EXPECT_THROW(refused.ping(), StoreUnavailable);
  RedisNonceStoreOptions right = redis.options();
  right.password = "s3cret-for-tests";
  right.database = 3;
  RedisNonceStore store(right);
  RedisNonceStoreOptions db0 = right;
  db0.database = 0;
  RedisNonceStore other_database(db0);
  const std::string nonce = generate_nonce();
  ASSERT_TRUE(store.put(nonce, "", t0 + 300s, t0));
  EXPECT_EQ(other_database.take(nonce, t0 + 1s).status, TakeStatus::unknown);
  EXPECT_EQ(store.take(nonce, t0 + 1s).status, TakeStatus::taken);
}

TEST(RedisNonceStore, NoServerAtAll) {
  RedisNonceStoreOptions options;
  options.host = "127.0.0.1";
  options.port = testing::free_tcp_port();
  RedisNonceStore store(options);
  EXPECT_THROW(store.ping(), StoreUnavailable);
  RedisNonceStoreOptions no_port;
  no_port.port = 0;
  EXPECT_THROW(RedisNonceStore{no_port}, std::invalid_argument);
}

}  // namespace
}  // namespace saferchat::store
