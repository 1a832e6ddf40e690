// SPDX-License-Identifier: Apache-2.0
// Decoding the authentication token (docs/protocol.md §4.3, NOTES §3, Web eID "web-eid:1.0"):
//   {"unverifiedCertificate": base64(DER), "algorithm": JWA name, "signature": base64,
//    "format": "web-eid:1.0", "appVersion": "…"}
// Size bounds first, then JSON shape, then `format`, then `algorithm`; the certificate and
// signature bytes are only decoded here (checked later by the Verifier).
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace saferchat::verify {

// JWA names (RFC 7518 §3.1). The cards make ES384 (applet 1.8) and RS256 (applet 1.7); the
// others are accepted for Web eID compatibility (other cards, other hosts).
enum class TokenAlgorithm : std::uint8_t {
  es256,
  es384,
  es512,
  rs256,
  rs384,
  rs512,
  ps256,
  ps384,
  ps512
};

[[nodiscard]] std::string_view jwa_name(TokenAlgorithm algorithm) noexcept;
[[nodiscard]] std::optional<TokenAlgorithm> algorithm_from_jwa(std::string_view name) noexcept;
// The algorithm's hash: SHA-256/384/512.
[[nodiscard]] const EVP_MD* algorithm_digest(TokenAlgorithm algorithm) noexcept;

struct TokenLimits {
  std::size_t max_token_bytes = std::size_t{16} * 1024;  // the whole JSON text
  // A sealed token's whole JSON text (docs/protocol.md §4.4): base64url of the token + header.
  std::size_t max_sealed_token_bytes = std::size_t{24} * 1024;
  std::size_t max_certificate_chars =
      std::size_t{8} * 1024;               // base64 of the DER (6 KiB certificate)
  std::size_t max_signature_chars = 1024;  // base64 (RSA-4096 is 684 characters)
  std::size_t max_field_chars = 256;       // format, algorithm, appVersion
  int max_json_depth = 4;                  // a token is one flat object
};

struct Token {
  std::vector<std::uint8_t> certificate_der;
  TokenAlgorithm algorithm = TokenAlgorithm::es384;
  std::vector<std::uint8_t> signature;
  std::string format;
  std::string app_version;  // empty if absent (optional in Web eID 1.0)
};

// Throws Rejection with TOKEN_TOO_LARGE, TOKEN_MALFORMED (not JSON, not an object, deeper than
// max_json_depth, a required field absent or not a string, invalid base64), FORMAT_UNSUPPORTED
// or ALGORITHM_UNSUPPORTED (unknown name, or not in `allowed`; empty `allowed` = all).
// Unknown extra members are ignored (Web eID adds optional fields in minor versions).
[[nodiscard]] Token parse_token(std::string_view json, const TokenLimits& limits,
                                std::span<const TokenAlgorithm> allowed = {});

// parse_token in two steps, so that a sealed token's envelope is read once: steps 1-2 (size
// against `max_bytes`, JSON, depth, an object) throw TOKEN_TOO_LARGE or TOKEN_MALFORMED; then
// the members, format and algorithm of a web-eid:1 token.
[[nodiscard]] nlohmann::json parse_token_object(std::string_view json, std::size_t max_bytes,
                                                int max_depth);
[[nodiscard]] Token token_from_object(const nlohmann::json& object, const TokenLimits& limits,
                                      std::span<const TokenAlgorithm> allowed = {});

// Strict base64 (RFC 4648 §4, padding required, no whitespace) or, with url_safe, base64url
// (§5, padding optional). Nullopt on any other input.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text,
                                                                     bool url_safe = false);
// base64url without padding (RFC 4648 §5).
[[nodiscard]] std::string base64url_encode(std::span<const std::uint8_t> bytes);

// H(origin) ‖ H(challenge_nonce) with H the algorithm's hash: the data the card's signature
// covers (the signature scheme hashes it once more). For RS256/ES384 this equals what the host
// hashes in saferchat::token_digest.
[[nodiscard]] std::vector<std::uint8_t> signed_data(TokenAlgorithm algorithm,
                                                    std::string_view origin,
                                                    std::string_view challenge_nonce);

}  // namespace saferchat::verify
