// SPDX-License-Identifier: Apache-2.0
// What sealed tokens (wire/jwe.hpp) need from a crypto library, and nothing more: key import
// and export as raw coordinates, key generation, the ECDH shared secret, AES-256-GCM, random
// bytes, wiping. Filled by OpenSSL 3 (wire/jwe_openssl.cpp) or Windows' CNG
// (wire/jwe_cng.cpp); the JWK and JWE formats and the Concat KDF (wire/jwe.cpp) are shared.
// Internal to wire/ and its tests.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "wire/jwe.hpp"

namespace saferchat::jwe::detail {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::size_t coordinate_bytes = 32;  // P-256, X25519 (RFC 7518 §6.2.1.2, 8037)
inline constexpr std::size_t iv_bytes = 12;          // 96 bits (RFC 7518 §5.3)
inline constexpr std::size_t tag_bytes = 16;         // 128 bits (RFC 7518 §5.3)
inline constexpr std::size_t cek_bytes = 32;         // A256GCM

// A key as a JWK holds it: P-256 "x", "y" (and "d"), 32 bytes big-endian each (RFC 7518
// §6.2.1.2, §6.2.2.1); X25519 "x" (and "d") as the 32 bytes of RFC 7748 §5 (RFC 8037 §2), no y.
// `d` empty for a public key.
struct RawKey {
  Curve curve = Curve::p256;
  Bytes x;
  Bytes y;
  Bytes d;
};

// Throws JweError(why) after clearing what the library keeps about the failure.
[[noreturn]] void fail(const char* why);

// Checks the point (SP 800-56A §5.6.2.3.3 for P-256). JweError "the key's point is not on
// P-256" or "the X25519 key does not decode".
[[nodiscard]] std::shared_ptr<KeyHandle> import_key(const RawKey& raw);
// The public coordinates of `key` (d empty).
[[nodiscard]] RawKey export_public(Curve curve, const KeyHandle& key);
[[nodiscard]] std::shared_ptr<KeyHandle> generate_key(Curve curve);
// Z as jwe::ecdh returns it (all-zero results are refused by the caller).
[[nodiscard]] Bytes agree(const KeyHandle& own, const KeyHandle& peer);

// AES-256-GCM (NIST SP 800-38D) with a 96-bit IV and a 128-bit tag. False on failure.
[[nodiscard]] bool aes256gcm_encrypt(std::span<const std::uint8_t> key,
                                     std::span<const std::uint8_t> iv, std::string_view aad,
                                     std::string_view plaintext, Bytes& ciphertext, Bytes& tag);
// False on any failure, a tag that does not match included; `plaintext` is then wiped.
[[nodiscard]] bool aes256gcm_decrypt(std::span<const std::uint8_t> key,
                                     std::span<const std::uint8_t> iv, std::string_view aad,
                                     std::span<const std::uint8_t> ciphertext,
                                     std::span<const std::uint8_t> tag, std::string& plaintext);

// Cryptographically strong random bytes; throws JweError when there are none.
void random_bytes(std::span<std::uint8_t> out);
// Wipes `size` bytes in a way the compiler keeps.
void cleanse(void* data, std::size_t size) noexcept;

}  // namespace saferchat::jwe::detail
