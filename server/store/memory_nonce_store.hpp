// SPDX-License-Identifier: Apache-2.0
// The default nonce store: a hash map in this process behind a mutex. Thread-safe; entries past
// expires_at + retention are purged as calls arrive (at most one sweep per `sweep_interval`).
// Bounded per session and per client (ChallengeLimits: TooManyChallenges), and in all by
// max_entries: when full after a sweep, put() throws StoreUnavailable rather than dropping
// nonces that are still valid — a last backstop, far above what one client may hold. Fits one
// server process; several instances need RedisNonceStore.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/nonce_store.hpp"

namespace saferchat::store {

struct MemoryNonceStoreOptions {
  // How long an entry outlives its expiry so that late attempts read NONCE_EXPIRED /
  // NONCE_REPLAYED instead of NONCE_UNKNOWN.
  std::chrono::seconds retention{300};
  // Upper bound on entries (issued + used + expired-but-retained).
  std::size_t max_entries = 100'000;
  std::chrono::seconds sweep_interval{10};
  ChallengeLimits limits;
};

class MemoryNonceStore final : public NonceStore {
 public:
  explicit MemoryNonceStore(MemoryNonceStoreOptions options = {});

  using NonceStore::put;
  [[nodiscard]] bool put(std::string_view nonce, std::string_view session_id,
                         std::string_view client_id, TimePoint expires_at, TimePoint now) override;
  [[nodiscard]] TakeResult take(std::string_view nonce, TimePoint now) override;

  // Entries currently held (after purging those past retention at `now`). For tests and metrics.
  [[nodiscard]] std::size_t size(TimePoint now);

 private:
  struct Entry {
    TimePoint expires_at;
    std::string session_id;
    bool used = false;
  };
  void sweep_locked(TimePoint now, bool force);
  // Expiry times of the live challenges of each session or client (only non-empty ids).
  using Live = std::unordered_map<std::string, std::vector<TimePoint>>;
  // Throws TooManyChallenges if `id` already holds `cap` live challenges at `now`.
  static void check_cap(Live& live, std::string_view id, std::size_t cap, TimePoint now,
                        const char* what);

  MemoryNonceStoreOptions options_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  Live by_session_;
  Live by_client_;
  TimePoint last_sweep_{};
};

}  // namespace saferchat::store
