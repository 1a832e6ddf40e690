// SPDX-License-Identifier: Apache-2.0
// A nonce store shared by several server instances through Redis (hiredis), so that a nonce is
// taken once across all of them.
//
// Keys: `<key_prefix><nonce>`; value "I|<expires_at ms since epoch>|<session id>" while issued,
// "U|…" once used. put() = one Lua script (atomic): the caps first — the sorted sets
// `<key_prefix>session:<id>` and `<key_prefix>client:<id>` (members the nonces, scores their
// expiry; expired members dropped, the set's TTL that of its newest member) against
// ChallengeLimits, and `<key_prefix>all` (scores expiry + retention) against max_entries — then
// SET key value NX PX (expiry + retention): NX makes a collision visible. So every key and set
// is bounded: per session, per client, in all; see docs/verifier.md for maxmemory. take() = one Lua
// script (atomic in Redis): GET; absent → unknown; "U" → replayed; now >= expires_at → expired;
// else SET "U|…" KEEPTTL and return the session id. `now` is the caller's clock (instances should
// run NTP; see docs/verifier.md).
//
// One connection per store, used under a mutex and opened on first use. After an I/O failure the
// connection is dropped and the next call reconnects; a failed put() is retried once on a new
// connection (a duplicate shows as a collision, which is harmless), a failed take() never is
// (the script may have run).
// Any connection, timeout, authentication or protocol error throws StoreUnavailable naming it.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "store/nonce_store.hpp"

namespace saferchat::store {

namespace detail {
struct RedisConnection;
}  // namespace detail

struct RedisNonceStoreOptions {
  // Either a unix socket path (used when not empty) or host + port.
  std::string unix_socket;
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  // AUTH when not empty (with `username` when that is not empty)
  std::string username;
  int database = 0;  // SELECT when not 0
  std::string key_prefix = "saferchat:nonce:";
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{2000};
  std::chrono::seconds retention{300};  // as MemoryNonceStoreOptions::retention
  ChallengeLimits limits;
  // Upper bound on nonce entries (issued + used, until expiry + retention) across every
  // instance: put() throws StoreUnavailable at it. About 0.6 KB each with a 128-byte session.
  std::size_t max_entries = 1'000'000;
};

class RedisNonceStore final : public NonceStore {
 public:
  RedisNonceStore(const RedisNonceStore&) = delete;
  RedisNonceStore& operator=(const RedisNonceStore&) = delete;
  RedisNonceStore(RedisNonceStore&&) = delete;
  RedisNonceStore& operator=(RedisNonceStore&&) = delete;
  // Does not connect yet: the first call does (so a server can start before Redis).
  explicit RedisNonceStore(RedisNonceStoreOptions options);
  ~RedisNonceStore() override;

  using NonceStore::put;
  [[nodiscard]] bool put(std::string_view nonce, std::string_view session_id,
                         std::string_view client_id, TimePoint expires_at, TimePoint now) override;
  [[nodiscard]] TakeResult take(std::string_view nonce, TimePoint now) override;

  // PING; throws StoreUnavailable. For readiness checks.
  void ping();

 private:
  RedisNonceStoreOptions options_;
  std::mutex mutex_;
  std::unique_ptr<detail::RedisConnection> connection_;
};

}  // namespace saferchat::store
