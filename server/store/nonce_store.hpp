// SPDX-License-Identifier: Apache-2.0
// Challenge nonces (NOTES §3, docs/verifier.md §2): at least 32 random bytes, base64, single
// use, expiring. A NonceStore keeps what was issued so that a nonce can be taken exactly once,
// even across several server instances sharing one store (RedisNonceStore).
//
// Lifecycle of an entry: put() records it as "issued" until `expires_at`; take() turns it into
// "used" and reports what it was. Entries (issued or used) are kept until expires_at +
// retention, so that a late or second attempt is told NONCE_EXPIRED or NONCE_REPLAYED rather
// than NONCE_UNKNOWN; after that the store forgets them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace saferchat::store {

using TimePoint = std::chrono::system_clock::time_point;

// The time source of stores and verifiers; tests inject a fixed or stepping clock.
using Clock = std::function<TimePoint()>;

// std::chrono::system_clock::now, as a Clock.
[[nodiscard]] Clock system_clock();

inline constexpr std::size_t default_nonce_bytes = 32;  // 44 base64 characters
inline constexpr std::size_t min_nonce_bytes = 32;      // NOTES §3
inline constexpr std::size_t max_nonce_bytes = 96;      // 128 base64 characters, the host's cap

// `bytes` bytes from RAND_bytes, base64 with padding (RFC 4648 §4): 44 characters for 32 bytes.
// Throws std::invalid_argument outside [min_nonce_bytes, max_nonce_bytes], std::runtime_error if
// the random generator fails.
[[nodiscard]] std::string generate_nonce(std::size_t bytes = default_nonce_bytes);

// The store cannot be reached or answered nonsense (Redis down, timeout, protocol error), or the
// in-memory store is full. The verifier reports STORE_UNAVAILABLE. what() is for the log only.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A cap on challenges was reached for one session or one client (ChallengeLimits): the caller
// is asking for too many at once. saferchatd answers 429 TOO_MANY_CHALLENGES. what() is for the
// log only.
class TooManyChallenges : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Caps on live challenges — issued and not yet expired, used or not — per session id and per
// client id (each only when not empty), so that one session or one client (an IP address, an
// account: what the provider passes) cannot fill the store. Within one nonce lifetime (5
// minutes) a child's page asks for one or two; a school behind one address for a few dozen.
struct ChallengeLimits {
  std::size_t per_session = 10;
  std::size_t per_client = 100;
};

inline constexpr std::size_t max_client_id_bytes = 128;

enum class TakeStatus : std::uint8_t {
  taken,     // was issued and unused and not expired; now marked used
  unknown,   // never issued here, or forgotten (past expires_at + retention)
  expired,   // issued, unused, but now >= expires_at (stays unused: reported again if retried)
  replayed,  // already taken once
};

struct TakeResult {
  TakeStatus status = TakeStatus::unknown;
  // The provider session id given to put() (empty if none); set when status is `taken`.
  std::string session_id;
};

// Implementations are thread-safe. All times come from the caller (the verifier's clock), so one
// clock rules issue and verify.
class NonceStore {
 public:
  NonceStore() = default;
  virtual ~NonceStore() = default;
  NonceStore(const NonceStore&) = delete;
  NonceStore& operator=(const NonceStore&) = delete;
  NonceStore(NonceStore&&) = delete;
  NonceStore& operator=(NonceStore&&) = delete;

  // Records `nonce` as issued until `expires_at`, bound to `session_id` (opaque, may be empty,
  // at most 256 bytes) and counted for `client_id` (opaque, may be empty, at most 128 bytes).
  // Returns false, changing nothing, if the nonce is already present (a collision: the caller
  // draws another). Throws TooManyChallenges when the session or the client is at its cap
  // (ChallengeLimits), StoreUnavailable when the store cannot take it (down, or full).
  [[nodiscard]] virtual bool put(std::string_view nonce, std::string_view session_id,
                                 std::string_view client_id, TimePoint expires_at,
                                 TimePoint now) = 0;
  // The same without a client id.
  [[nodiscard]] bool put(std::string_view nonce, std::string_view session_id, TimePoint expires_at,
                         TimePoint now) {
    return put(nonce, session_id, {}, expires_at, now);
  }

  // Atomically looks the nonce up and, if it is issued and unexpired, marks it used (one taker
  // wins across every instance sharing the store). Throws StoreUnavailable.
  [[nodiscard]] virtual TakeResult take(std::string_view nonce, TimePoint now) = 0;
};

[[nodiscard]] std::string_view take_status_name(TakeStatus status) noexcept;

}  // namespace saferchat::store
