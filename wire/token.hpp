// SPDX-License-Identifier: Apache-2.0
// The authentication token (docs/protocol.md §4.3), in the Web eID "web-eid:1.0" format so
// that existing validators accept it:
//   {"unverifiedCertificate": base64(DER), "algorithm": "ES384"|"RS256", "signature": base64,
//    "format": "web-eid:1.0", "appVersion": "https://saferchat.be/host/<version>"}
// The card signs H(H(origin) ‖ H(challengeNonce)) with H the algorithm's hash: the host hashes
// the concatenation and the card signs that digest (NOTES §3).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace saferchat {

enum class SignatureAlgorithm : std::uint8_t { rs256, es384 };

// JWA name (RFC 7518 §3.1): "RS256", "ES384".
[[nodiscard]] std::string_view jwa_name(SignatureAlgorithm algorithm) noexcept;

// H(H(origin) ‖ H(challenge_nonce)): SHA-256 for RS256, SHA-384 for ES384. The card signs this
// digest; a validator verifies the signature over H(origin) ‖ H(challenge_nonce).
[[nodiscard]] std::vector<std::uint8_t> token_digest(SignatureAlgorithm algorithm,
                                                     std::string_view origin,
                                                     std::string_view challenge_nonce);

[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> bytes);

// A JWS ECDSA signature (raw r ‖ s, RFC 7518 §3.4) as DER ECDSA-Sig-Value (RFC 3279 §2.2.3) for
// OpenSSL (OpenSSL builds only: CNG takes r ‖ s as it is). `field_bytes` is the curve's coordinate
// size (48 for P-384). Nullopt if the length is not 2 × field_bytes. For P-256, P-384 and P-521
// (32, 48, 66 bytes) a high s (above n/2) is normalised to n − s, the same signature's low-s
// form: host and verifier both check the one encoding (docs/verifier.md, "Signature
// algorithms").
[[nodiscard]] std::optional<std::vector<std::uint8_t>> ecdsa_raw_to_der(
    std::span<const std::uint8_t> raw, std::size_t field_bytes);

// The public key of a certificate, decoded once: OpenSSL 3 decodes keys through its provider
// decoders, a fraction of a millisecond that a login on a card already read should not pay.
// Implemented by the platform's crypto (wire/crypto.hpp): OpenSSL, or CNG on Windows.
// Copies share the key (read-only, safe to use from several threads). The host checks each
// signature against the certificate it puts in the token, so a card swapped after its
// certificate was read can never yield a mixed token.
class CertificateKey {
 public:
  // Nullopt when `certificate_der` is not an X.509 certificate with an EC or RSA key.
  [[nodiscard]] static std::optional<CertificateKey> from_certificate(
      std::span<const std::uint8_t> certificate_der);

  // Does `signature` (as the card returns it: PKCS#1 v1.5 for RS256, raw r ‖ s for ES384)
  // verify over the prehashed `digest` with this key? False for anything malformed.
  [[nodiscard]] bool verifies(SignatureAlgorithm algorithm, std::span<const std::uint8_t> digest,
                              std::span<const std::uint8_t> signature) const;

 private:
  struct Key;  // the crypto library's key (wire/crypto_openssl.cpp, wire/crypto_cng.cpp)
  explicit CertificateKey(std::shared_ptr<const Key> key) : key_(std::move(key)) {}
  std::shared_ptr<const Key> key_;
};

[[nodiscard]] nlohmann::json make_token(std::span<const std::uint8_t> certificate_der,
                                        SignatureAlgorithm algorithm,
                                        std::span<const std::uint8_t> signature,
                                        std::string_view host_version);

}  // namespace saferchat
