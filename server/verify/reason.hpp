// SPDX-License-Identifier: Apache-2.0
// Why a token was rejected: one stable code per check (docs/verifier.md §3 lists them with their
// meaning). Codes are UPPER_SNAKE strings on the wire, never renamed or reused; programs branch
// on the code. Each code has a child-friendly category that a chat page maps to its own words.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace saferchat::verify {

// In the order the checks run (docs/verifier.md §4): the first failing check is the reason.
enum class Reason : std::uint8_t {
  token_too_large,     // TOKEN_TOO_LARGE: the token or one of its fields is over its limit
  token_malformed,     // TOKEN_MALFORMED: not a JSON object with the string fields, or bad base64
  token_not_sealed,    // TOKEN_NOT_SEALED: requireSealed is set and the token is not sealed
  seal_key_unknown,    // SEAL_KEY_UNKNOWN: sealed to a kid that is neither the current nor the
                       // previous sealing key
  seal_invalid,        // SEAL_INVALID: a sealed token that does not parse or does not decrypt
  format_unsupported,  // FORMAT_UNSUPPORTED: `format` is not "web-eid:1" / "web-eid:1.x"
  algorithm_unsupported,  // ALGORITHM_UNSUPPORTED: `algorithm` is no JWA name this verifier allows
  certificate_malformed,  // CERTIFICATE_MALFORMED: not one DER X.509 certificate
  certificate_not_yet_valid,  // CERTIFICATE_NOT_YET_VALID: now < notBefore
  certificate_expired,        // CERTIFICATE_EXPIRED: now > notAfter
  key_usage_invalid,   // KEY_USAGE_INVALID: no digitalSignature, or an EKU without clientAuth, or a
                       // CA
  algorithm_mismatch,  // ALGORITHM_MISMATCH: `algorithm` does not fit the certificate's key
  chain_untrusted,     // CHAIN_UNTRUSTED: no valid path to a configured trust anchor
  certificate_revoked,     // CERTIFICATE_REVOKED: OCSP or CRL says revoked
  revocation_unavailable,  // REVOCATION_UNAVAILABLE: no fresh, valid OCSP/CRL answer
  origin_invalid,      // ORIGIN_INVALID: the origin is not an https origin (docs/protocol.md §3.5)
  origin_not_allowed,  // ORIGIN_NOT_ALLOWED: a valid origin this verifier does not serve
  store_unavailable,   // STORE_UNAVAILABLE: the nonce store could not be asked
  nonce_unknown,       // NONCE_UNKNOWN: not issued here (or long forgotten), or not a nonce
  nonce_expired,       // NONCE_EXPIRED: issued, but its time ran out
  nonce_replayed,      // NONCE_REPLAYED: already used once
  session_mismatch,    // SESSION_MISMATCH: the nonce was issued to another provider session
  signature_invalid,   // SIGNATURE_INVALID: signature does not verify over origin and nonce
  national_number_invalid,    // NATIONAL_NUMBER_INVALID: subject serialNumber is no valid national
                              // number
  holder_unknown_birth_date,  // HOLDER_UNKNOWN_BIRTH_DATE: an age policy applies, birth date
                              // unknown
  age_too_low,                // AGE_TOO_LOW: younger than the room's minimum age
  age_too_high,               // AGE_TOO_HIGH: older than the room's maximum age
  internal_error,             // INTERNAL_ERROR: an unexpected failure inside the verifier
};

// Child-friendly grouping of reasons (wire names in lower snake case), for the chat page's words.
enum class Category : std::uint8_t {
  try_again,           // "try_again": something went wrong on the way; a new attempt can work
  too_young,           // "too_young": the room is for older children
  too_old,             // "too_old": the room is for younger children (or an adult's card)
  age_unknown,         // "age_unknown": the card does not say a full birth date
  card_expired,        // "card_expired": the card's certificate is out of date
  card_revoked,        // "card_revoked": the card was cancelled (lost, stolen, replaced)
  not_a_belgian_card,  // "not_a_belgian_card": not a Belgian eID / Kids-ID we trust
  card_problem,        // "card_problem": the card answered something we cannot use
  software_problem,    // "software_problem": the browser add-on, card software or site is
                       // misconfigured
};

// "TOKEN_TOO_LARGE", …
[[nodiscard]] std::string_view reason_code(Reason reason) noexcept;
// Inverse of reason_code; nullopt for an unknown string.
[[nodiscard]] std::optional<Reason> reason_from_code(std::string_view code) noexcept;
[[nodiscard]] Category reason_category(Reason reason) noexcept;
// "try_again", …
[[nodiscard]] std::string_view category_name(Category category) noexcept;
// One fixed English sentence per reason, for operators (never carries token data).
[[nodiscard]] std::string_view reason_description(Reason reason) noexcept;
// Every reason, in check order (for documentation checks and tests).
[[nodiscard]] std::span<const Reason> all_reasons() noexcept;

// Thrown by the checks inside the library and turned into a Verdict by Verifier. detail() is
// for the log only: it never contains the national number, and never a secret.
class Rejection : public std::runtime_error {
 public:
  Rejection(Reason reason, const std::string& detail)
      : std::runtime_error(detail), reason_(reason) {}
  [[nodiscard]] Reason reason() const noexcept { return reason_; }
  [[nodiscard]] std::string_view detail() const noexcept { return what(); }

 private:
  Reason reason_;
};

}  // namespace saferchat::verify
