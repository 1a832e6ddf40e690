// SPDX-License-Identifier: Apache-2.0
// Sealed tokens (docs/protocol.md §4.4): the token encrypted to the chat site's verification
// service as an RFC 7516 compact JWE, "alg":"ECDH-ES" (direct key agreement, RFC 7518 §4.6)
// with P-256 or X25519 (RFC 8037 §3.2), "enc":"A256GCM" (RFC 7518 §5.3):
//
//   BASE64URL(header) . "" . BASE64URL(96-bit IV) . BASE64URL(ciphertext) . BASE64URL(tag)
//
// header = {"alg":"ECDH-ES","cty":"web-eid:1.0","enc":"A256GCM","epk":{…},"kid":"…"}; the
// content key is Concat KDF (RFC 7518 §4.6.2, NIST SP 800-56A §5.8.1) with SHA-256 over the
// shared secret Z, AlgorithmID "A256GCM", empty PartyUInfo/PartyVInfo, SuppPubInfo 256 as
// 32-bit big-endian; the AAD is the ASCII of BASE64URL(header) (RFC 7516 §5.1 step 14).
// Pure computation: no I/O. Shared by the host (sealing) and the verifier (opening). The JWK
// and JWE formats, the Concat KDF and the order of the steps are one code (wire/jwe.cpp); only
// the primitives differ (wire/jwe_primitives.hpp): OpenSSL 3 (wire/jwe_openssl.cpp), or
// Windows' own CNG (wire/jwe_cng.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace saferchat::jwe {

// A key of the crypto library (an EVP_PKEY, or a CNG key handle): wire/jwe_primitives.hpp.
struct KeyHandle;

// Every failure of this module: a fixed English sentence, never key material or plaintext.
class JweError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Curve : std::uint8_t { p256, x25519 };

// "P-256", "X25519" (RFC 7518 §6.2.1.1, RFC 8037 §2).
[[nodiscard]] std::string_view curve_name(Curve curve) noexcept;

inline constexpr std::size_t max_kid_length = 64;

// kid: 1..64 characters of [A-Za-z0-9._-] (docs/protocol.md §4.4).
[[nodiscard]] bool is_valid_kid(std::string_view kid) noexcept;

// base64url without padding (RFC 4648 §5, RFC 7515 §2).
[[nodiscard]] std::string base64url_encode(std::span<const std::uint8_t> bytes);
// Strict: only [A-Za-z0-9_-], no padding, no whitespace, unused trailing bits zero (so every
// byte string has exactly one encoding). Nullopt otherwise.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

// A recipient's public key as a JWK (RFC 7517 §4; RFC 7518 §6.2.1 for EC, RFC 8037 §2 for OKP).
// Copies share the decoded key (read-only, thread-safe).
class PublicJwk {
 public:
  // Strict: an object with "kty" "EC" and "crv" "P-256", "x" and "y" of 32 bytes each, a
  // point on the curve; or "kty" "OKP", "crv" "X25519", "x" of 32 bytes; "kid" valid; no "d"
  // (a private key is refused, never used); "use", when present, "enc"; "alg", when present,
  // "ECDH-ES". Other members are ignored. Throws JweError saying what is wrong.
  [[nodiscard]] static PublicJwk from_json(const nlohmann::json& jwk);

  // {"kty","crv","x"[,"y"],"kid","use":"enc","alg":"ECDH-ES"}.
  [[nodiscard]] nlohmann::json to_json() const;

  [[nodiscard]] Curve curve() const noexcept { return curve_; }
  [[nodiscard]] const std::string& kid() const noexcept { return kid_; }
  [[nodiscard]] const KeyHandle& key() const noexcept { return *key_; }

 private:
  PublicJwk(Curve curve, std::string kid, std::shared_ptr<KeyHandle> key)
      : curve_(curve), kid_(std::move(kid)), key_(std::move(key)) {}
  friend class PrivateKey;
  Curve curve_;
  std::string kid_;
  std::shared_ptr<KeyHandle> key_;
};

// The verification service's private key with its kid.
class PrivateKey {
 public:
  // A PEM private key (PKCS#8 "PRIVATE KEY" or "EC PRIVATE KEY") on P-256 or X25519. Throws
  // JweError for anything else. OpenSSL build only (the verifier's key files).
  [[nodiscard]] static PrivateKey from_pem(std::string_view pem, std::string kid);
  // A private JWK with "d" (RFC 7518 §6.2.2.1, RFC 8037 §2): test vectors only.
  [[nodiscard]] static PrivateKey from_jwk(const nlohmann::json& jwk, std::string kid);
  // A fresh key (tests, benchmarks, the key tool).
  [[nodiscard]] static PrivateKey generate(Curve curve, std::string kid);

  [[nodiscard]] Curve curve() const noexcept { return curve_; }
  [[nodiscard]] const std::string& kid() const noexcept { return kid_; }
  [[nodiscard]] PublicJwk public_jwk() const;
  // PKCS#8 PEM of the private key (the key tool writes it to a file). OpenSSL build only.
  [[nodiscard]] std::string to_pem() const;
  [[nodiscard]] const KeyHandle& key() const noexcept { return *key_; }

 private:
  PrivateKey(Curve curve, std::string kid, std::shared_ptr<KeyHandle> key)
      : curve_(curve), kid_(std::move(kid)), key_(std::move(key)) {}
  Curve curve_;
  std::string kid_;
  std::shared_ptr<KeyHandle> key_;
};

// Concat KDF (NIST SP 800-56A §5.8.1 as RFC 7518 §4.6.2 uses it), SHA-256: OtherInfo =
// AlgorithmID ‖ PartyUInfo ‖ PartyVInfo (each a 32-bit big-endian length then the bytes) ‖
// SuppPubInfo (keydatalen in bits, 32-bit big-endian). `key_bits` a multiple of 8.
[[nodiscard]] std::vector<std::uint8_t> concat_kdf(std::span<const std::uint8_t> shared_secret,
                                                   std::string_view algorithm_id,
                                                   std::span<const std::uint8_t> party_u_info,
                                                   std::span<const std::uint8_t> party_v_info,
                                                   std::size_t key_bits);

// The ECDH shared secret Z between `own` (a private key) and `peer` (a public key on the same
// curve): the x-coordinate, 32 bytes big-endian, for P-256 (SEC 1 §3.3.1); the 32 bytes of RFC
// 7748 §5 for X25519. Throws JweError "key agreement failed" (other curve, a peer key the
// library refuses, an all-zero result: RFC 7748 §6.1).
[[nodiscard]] std::vector<std::uint8_t> ecdh(const KeyHandle& own, const KeyHandle& peer);

inline constexpr std::string_view content_type = "web-eid:1.0";

// Seals `plaintext` to `recipient` with a fresh ephemeral key and IV.
[[nodiscard]] std::string seal(const PublicJwk& recipient, std::string_view plaintext);

// The same with the ephemeral key and IV given (known-answer tests only). `ephemeral` must be
// a private key on the recipient's curve, `iv` 12 bytes.
[[nodiscard]] std::string seal_with(const PublicJwk& recipient, std::string_view plaintext,
                                    const PrivateKey& ephemeral, std::span<const std::uint8_t> iv);

// The steps of seal_with after the key agreement: the content key from Z (Concat KDF), the
// header with `epk` (the ephemeral public JWK, without kid) and `kid`, AES-256-GCM. Tests use
// it where the key agreement cannot run (Wine's bcrypt, docs/windows.md).
[[nodiscard]] std::string seal_with_secret(std::string_view kid, const nlohmann::json& epk,
                                           std::span<const std::uint8_t> shared_secret,
                                           std::span<const std::uint8_t> iv,
                                           std::string_view plaintext);

// The parts of a compact JWE, decoded but not yet decrypted.
// NOLINTNEXTLINE(bugprone-exception-escape): json's move is noexcept; the check misreads it.
struct CompactJwe {
  std::string protected_b64;  // the AAD
  nlohmann::json header;
  std::vector<std::uint8_t> iv;
  std::vector<std::uint8_t> ciphertext;
  std::vector<std::uint8_t> tag;
};

// Splits and decodes; checks the header: a JSON object with "alg" "ECDH-ES", "enc" "A256GCM",
// a valid "kid", "epk", "cty" "web-eid:1.0", no "zip", no "crit"; empty encrypted key; 12-byte
// IV; 16-byte tag. Throws JweError.
[[nodiscard]] CompactJwe parse_compact(std::string_view compact);

// The header's kid (parse_compact first).
[[nodiscard]] const std::string& header_kid(const CompactJwe& jwe);

// Decrypts with `key` (whose kid the header names): the epk must be on the key's curve. Throws
// JweError on any failure (wrong key, tampered header, IV, ciphertext or tag).
[[nodiscard]] std::string open(const CompactJwe& jwe, const PrivateKey& key);

// The steps of open after the key agreement (Z given): content key, AES-256-GCM with the
// header as AAD. Throws JweError as open does.
[[nodiscard]] std::string open_with_secret(const CompactJwe& jwe,
                                           std::span<const std::uint8_t> shared_secret);

}  // namespace saferchat::jwe
