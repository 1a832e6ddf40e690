// SPDX-License-Identifier: Apache-2.0
// The verifier (docs/verifier.md): issues challenge nonces and checks authentication tokens
// against them, then applies the room's age policy.
//
//   Verifier verifier(config, std::make_shared<store::MemoryNonceStore>());
//   Challenge c = verifier.issue_challenge(session_id);        // send c.nonce to the page
//   Verdict v = verifier.verify(token_json, origin, c.nonce, session_id);
//   if (v.accepted()) { … v.holder->pseudonym … } else { … reason_code(*v.reason) … }
//
// Check order (NOTES §3; docs/verifier.md §4): the nonce is taken from the store FIRST, on every
// attempt, so a nonce can never be tried twice (as Web eID does); its outcome is reported at its
// place in the order below. Then: sizes, JSON, a sealed token opened (or refused unsealed), format,
// algorithm name, certificate parse, validity now, key usage, algorithm vs key, chain, origin,
// nonce, signature, revocation, national number, age policy. The first failing check gives the
// reason. Revocation comes after the signature so that junk (a real certificate with a foreign
// origin, an unissued nonce or a bad signature) never causes an OCSP or CRL fetch.
//
// A Verifier is immutable after construction and thread-safe; verify() blocks (nonce store,
// OCSP/CRL fetches), so an asynchronous server calls it from a worker thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/nonce_store.hpp"
#include "verify/holder.hpp"
#include "verify/reason.hpp"
#include "verify/revocation_checker.hpp"
#include "verify/token.hpp"
#include "wire/jwe.hpp"

namespace saferchat::verify {

// Inclusive bounds in completed years; unset = no bound. With any bound set, a holder whose
// birth date is unknown is refused (HOLDER_UNKNOWN_BIRTH_DATE).
struct AgePolicy {
  std::optional<int> min_age;
  std::optional<int> max_age;
  [[nodiscard]] bool any() const noexcept { return min_age || max_age; }
};

struct VerifierConfig {
  // Origins this provider serves, exactly as browsers serialise them ("https://chat.example").
  // verify() refuses other origins (ORIGIN_NOT_ALLOWED). Must not be empty.
  std::vector<std::string> allowed_origins;
  // Development only: accept http://localhost, 127.0.0.1, [::1] (docs/protocol.md §3.5).
  bool allow_http_localhost = false;

  // PEM text (one or more certificates each). Trust anchors: the roots (saferchat::trust has the
  // real Belgian ones). Intermediates: untrusted CA certificates used to build paths, since
  // Belgian tokens carry only the leaf. Must contain at least one anchor.
  std::string trust_anchors_pem;
  std::string intermediates_pem;

  // Algorithms accepted in tokens; empty = all of TokenAlgorithm.
  std::vector<TokenAlgorithm> allowed_algorithms;
  TokenLimits limits;

  AgePolicy age_policy;

  // Lifetime of issued nonces (5 minutes default, NOTES §3) and their size in bytes.
  std::chrono::seconds nonce_ttl{300};
  std::size_t nonce_bytes = store::default_nonce_bytes;

  // HMAC key for pseudonyms (≥ 32 bytes); empty = no pseudonym in Holder.
  std::vector<std::uint8_t> pseudonym_key;
  // What an accepted verdict says about the holder besides the age and pseudonym
  // (docs/verifier.md §6, whose table a test compares with these defaults): each off by default.
  // A sealed token's verdict never holds more than the first name, whatever the other three say.
  bool expose_first_name = false;
  bool expose_surname = false;
  bool expose_birth_date = false;
  bool expose_national_number = false;

  // Sealed tokens (docs/protocol.md §4.4): the service's private keys, the current one first,
  // then the previous one (at most two, distinct kids); a sealed token names its key by kid
  // (SEAL_KEY_UNKNOWN for another). Empty = this verifier opens no sealed token.
  std::vector<jwe::PrivateKey> sealing_keys;
  // Refuse unsealed tokens (TOKEN_NOT_SEALED). Needs a sealing key.
  bool require_sealed = false;

  // Null = revocation not checked. See server/revocation for OCSP and CRL checkers.
  std::shared_ptr<RevocationChecker> revocation;

  // Chain cache (docs/verifier.md §7): intermediates that chain to an anchor are verified once;
  // a leaf whose issuer is such an intermediate is checked against it with one signature
  // verification. With cache_leaf_chains, a whole verified leaf chain is remembered by the
  // leaf's DER SHA-256 too (time validity is still checked on every call). Bounded by
  // cache_capacity entries (least recently inserted dropped first).
  bool cache_intermediates = true;
  bool cache_leaf_chains = true;
  std::size_t cache_capacity = 10'000;
};

struct Challenge {
  std::string nonce;  // base64, 44 characters for 32 bytes
  std::chrono::system_clock::time_point expires_at;
};

struct Verdict {
  // Unset = accepted.
  std::optional<Reason> reason;
  // For the log only (never contains the national number): what exactly failed.
  std::string detail;
  // Set when accepted, never on a refusal whatever its reason (docs/verifier.md §6).
  std::optional<Holder> holder;
  // The token's algorithm and appVersion once parsed (empty/unset before).
  std::optional<TokenAlgorithm> algorithm;
  std::string app_version;
  // The token came sealed and was opened (with the key of `sealed_kid`).
  bool sealed = false;
  std::string sealed_kid;

  [[nodiscard]] bool accepted() const noexcept { return !reason.has_value(); }
};

// The one verdict shape of saferchat-verify and saferchatd (docs/verifier.md §3):
// {"verdict": "accepted"|"rejected", "reason"?: "AGE_TOO_HIGH", "category"?: "too_old",
//  "message"?: reason_description, "holder"?: {...holder_to_json...}}; reason, category and
// message only when rejected, holder only when accepted. With include_detail, also "detail"
// (operators only).
[[nodiscard]] nlohmann::json verdict_to_json(const Verdict& verdict, bool include_detail = false);

// The longest provider session id a challenge can be bound to, in bytes: the library and
// saferchatd's "session" member (docs/verifier.md) share it.
inline constexpr std::size_t max_session_bytes = 128;

class Verifier {
 public:
  // Parses the certificates and builds the trust store once. Throws std::invalid_argument for
  // a bad configuration (no anchor, bad PEM, invalid origin, short pseudonym key, null store).
  Verifier(VerifierConfig config, std::shared_ptr<store::NonceStore> nonce_store,
           store::Clock clock = store::system_clock());
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;
  Verifier(Verifier&&) = delete;
  Verifier& operator=(Verifier&&) = delete;

  // A fresh nonce, stored until now + nonce_ttl, bound to `session_id` (opaque, at most
  // max_session_bytes; empty = unbound) and counted for `client_id` (opaque, ≤ 128 bytes: the end
  // user's address or account as the provider sees it; empty = none). Throws
  // store::TooManyChallenges when the session or client is at its cap (store::ChallengeLimits),
  // store::StoreUnavailable, or std::invalid_argument for a longer session or client id.
  [[nodiscard]] Challenge issue_challenge(std::string_view session_id = {},
                                          std::string_view client_id = {}) const;

  // Takes `challenge_nonce` from the store (consuming it whatever the outcome), then checks the
  // token. If the nonce was issued with a non-empty session id, `session_id` must equal it
  // (SESSION_MISMATCH otherwise). Never throws for bad input: every failure is a Verdict.
  [[nodiscard]] Verdict verify(std::string_view token_json, std::string_view origin,
                               std::string_view challenge_nonce,
                               std::string_view session_id = {}) const;

  // For callers that keep nonces themselves and have already taken this one successfully: the
  // same checks without the store step.
  [[nodiscard]] Verdict verify_taken_nonce(std::string_view token_json, std::string_view origin,
                                           std::string_view challenge_nonce) const;

  [[nodiscard]] const VerifierConfig& config() const noexcept;

  // Cache counters (for benchmarks and metrics).
  struct CacheStats {
    std::uint64_t leaf_hits = 0;
    std::uint64_t issuer_hits = 0;
    std::uint64_t full_verifications = 0;
  };
  [[nodiscard]] CacheStats cache_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace saferchat::verify
