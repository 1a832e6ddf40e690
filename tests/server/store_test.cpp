// SPDX-License-Identifier: Apache-2.0
// Challenge nonces and the in-memory store, with an injected clock: single use, expiry,
// retention, sessions, bounds, concurrent takers.
#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "store/memory_nonce_store.hpp"
#include "verify/token.hpp"

namespace saferchat::store {
namespace {

using namespace std::chrono_literals;

const TimePoint t0 = TimePoint{} + 1'700'000'000s;
const std::string nonce = "q9SDF3l0yBNm7u1x0gL8j2Y1t6n5XKc0JmWQeZ2rT4A=";

TEST(GenerateNonce, ThirtyTwoRandomBytesInBase64) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string value = generate_nonce();
    ASSERT_EQ(value.size(), 44U);
    const auto bytes = verify::base64_decode(value);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(bytes->size(), 32U);
    EXPECT_TRUE(seen.insert(value).second);
  }
  EXPECT_EQ(generate_nonce(96).size(), 128U);
  EXPECT_THROW((void)generate_nonce(31), std::invalid_argument);
  EXPECT_THROW((void)generate_nonce(97), std::invalid_argument);
}

TEST(MemoryNonceStore, TakenOnceThenReplayed) {
  MemoryNonceStore store;
  ASSERT_TRUE(store.put(nonce, "", t0 + 300s, t0));
  const TakeResult first = store.take(nonce, t0 + 10s);
  EXPECT_EQ(first.status, TakeStatus::taken);
  EXPECT_EQ(first.session_id, "");
  EXPECT_EQ(store.take(nonce, t0 + 11s).status, TakeStatus::replayed);
  EXPECT_EQ(store.take(nonce, t0 + 299s).status, TakeStatus::replayed);
}

TEST(MemoryNonceStore, UnknownNonce) {
  MemoryNonceStore store;
  ASSERT_TRUE(store.put(nonce, "", t0 + 300s, t0));
  EXPECT_EQ(store.take("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", t0).status,
            TakeStatus::unknown);
}

TEST(MemoryNonceStore, ExpiresAtItsTimeAndStaysExpired) {
  MemoryNonceStore store;
  ASSERT_TRUE(store.put(nonce, "", t0 + 300s, t0));
  EXPECT_EQ(store.take(nonce, t0 + 300s).status, TakeStatus::expired);
  EXPECT_EQ(store.take(nonce, t0 + 301s).status, TakeStatus::expired);  // not turned into used
}

TEST(MemoryNonceStore, LastMomentIsStillValid) {
  MemoryNonceStore store;
  ASSERT_TRUE(store.put(nonce, "", t0 + 300s, t0));
  EXPECT_EQ(store.take(nonce, t0 + 299s).status, TakeStatus::taken);
}

TEST(MemoryNonceStore, ForgottenAfterRetention) {
  MemoryNonceStore store({.retention = 60s, .max_entries = 10, .sweep_interval = 1s, .limits = {}});
  ASSERT_TRUE(store.put(nonce, "", t0 + 300s, t0));
  EXPECT_EQ(store.take(nonce, t0 + 100s).status, TakeStatus::taken);
  EXPECT_EQ(store.take(nonce, t0 + 359s).status, TakeStatus::replayed);  // used marker kept
  EXPECT_EQ(store.size(t0 + 359s), 1U);
  EXPECT_EQ(store.take(nonce, t0 + 360s).status, TakeStatus::unknown);
  EXPECT_EQ(store.size(t0 + 360s), 0U);  // purged
}

TEST(MemoryNonceStore, KeepsTheSessionId) {
  MemoryNonceStore store;
  ASSERT_TRUE(store.put(nonce, "session-42", t0 + 300s, t0));
  const TakeResult taken = store.take(nonce, t0 + 1s);
  EXPECT_EQ(taken.status, TakeStatus::taken);
  EXPECT_EQ(taken.session_id, "session-42");
}

TEST(MemoryNonceStore, CollisionIsReportedAndChangesNothing) {
  MemoryNonceStore store;
  ASSERT_TRUE(store.put(nonce, "a", t0 + 300s, t0));
  EXPECT_FALSE(store.put(nonce, "b", t0 + 600s, t0 + 1s));
  const TakeResult taken = store.take(nonce, t0 + 2s);
  EXPECT_EQ(taken.session_id, "a");
  EXPECT_FALSE(store.put(nonce, "c", t0 + 600s, t0 + 3s));  // used, still retained
  EXPECT_EQ(store.take(nonce, t0 + 4s).status, TakeStatus::replayed);
}

TEST(MemoryNonceStore, BoundedButNeverDropsLiveNonces) {
  MemoryNonceStore store({.retention = 10s, .max_entries = 3, .sweep_interval = 1h, .limits = {}});
  ASSERT_TRUE(store.put(generate_nonce(), "", t0 + 100s, t0));
  ASSERT_TRUE(store.put(generate_nonce(), "", t0 + 100s, t0));
  ASSERT_TRUE(store.put(nonce, "", t0 + 100s, t0));
  EXPECT_THROW((void)store.put(generate_nonce(), "", t0 + 100s, t0 + 1s), StoreUnavailable);
  EXPECT_EQ(store.take(nonce, t0 + 2s).status, TakeStatus::taken);  // untouched
  // Once the first ones are past retention, a full store makes room by purging them.
  EXPECT_TRUE(store.put(generate_nonce(), "", t0 + 300s, t0 + 110s));
  EXPECT_EQ(store.size(t0 + 110s), 1U);
}

TEST(MemoryNonceStore, ConcurrentTakersOnlyOneWins) {
  MemoryNonceStore store;
  for (int round = 0; round < 50; ++round) {
    const std::string value = generate_nonce();
    ASSERT_TRUE(store.put(value, "", t0 + 300s, t0));
    std::atomic<int> taken{0};
    std::atomic<int> replayed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&] {
        const TakeStatus status = store.take(value, t0 + 1s).status;
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

// Caps per session and per client: the (cap + 1)th live challenge is refused, changing nothing;
// other sessions and clients go on; expiry frees the place; the global bound stays far away.
TEST(MemoryNonceStore, CapsLiveChallengesPerSessionAndPerClient) {
  MemoryNonceStoreOptions options;
  options.limits = {3, 5};
  MemoryNonceStore store(options);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store.put(generate_nonce(), "session-a", "", t0 + 300s, t0));
  }
  const std::string refused = generate_nonce();
  try {
    (void)store.put(refused, "session-a", "", t0 + 300s, t0);
    ADD_FAILURE() << "a fourth challenge for one session was stored";
  } catch (const TooManyChallenges& error) {
    EXPECT_STREQ(error.what(), "the session already holds 3 live challenges");
  }
  EXPECT_EQ(store.take(refused, t0 + 1s).status, TakeStatus::unknown);  // nothing stored
  EXPECT_EQ(store.size(t0), 3U);
  EXPECT_TRUE(store.put(generate_nonce(), "session-b", "", t0 + 300s, t0));
  EXPECT_TRUE(store.put(generate_nonce(), "", "", t0 + 300s, t0));  // no session, no client

  // One client with a new session each time (a flood): 5, then refused.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        store.put(generate_nonce(), "flood-" + std::to_string(i), "198.51.100.7", t0 + 300s, t0));
  }
  EXPECT_THROW((void)store.put(generate_nonce(), "flood-x", "198.51.100.7", t0 + 300s, t0),
               TooManyChallenges);
  EXPECT_TRUE(store.put(generate_nonce(), "child", "203.0.113.9", t0 + 300s, t0));
  // Taken or not, a challenge counts until it expires; then its place is free again.
  EXPECT_THROW((void)store.put(generate_nonce(), "session-a", "", t0 + 600s, t0 + 299s),
               TooManyChallenges);
  EXPECT_TRUE(store.put(generate_nonce(), "session-a", "", t0 + 600s, t0 + 300s));
  EXPECT_TRUE(store.put(generate_nonce(), "flood-y", "198.51.100.7", t0 + 600s, t0 + 300s));
}

TEST(MemoryNonceStore, OneClientCannotReachTheGlobalBound) {
  MemoryNonceStoreOptions options;
  options.max_entries = 1000;
  MemoryNonceStore store(options);
  std::size_t stored = 0;
  for (int i = 0; i < 2000; ++i) {
    try {
      if (store.put(generate_nonce(), "s" + std::to_string(i), "one-client", t0 + 300s, t0)) {
        ++stored;
      }
    } catch (const TooManyChallenges&) {
    }
  }
  EXPECT_EQ(stored, ChallengeLimits{}.per_client);
  EXPECT_TRUE(store.put(generate_nonce(), "child", "another-client", t0 + 300s, t0));
}

}  // namespace
}  // namespace saferchat::store
