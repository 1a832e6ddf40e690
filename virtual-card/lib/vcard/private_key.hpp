// SPDX-License-Identifier: Apache-2.0
// A card private key (TEST ONLY keys from a profile) and the signatures the applet makes with
// it through OpenSSL 3. Hashing always happens off card (manuals 1.7 §2, 1.8 §2.1): every
// function here receives a hash or a DigestInfo, never the message.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace saferchat::vcard {

enum class KeyType : std::uint8_t { rsa, ec };

// The hash named by an RSA algorithm reference (manual 1.7 §6.2, Table 11).
enum class RsaDigest : std::uint8_t { md5, sha1, sha256 };

class PrivateKey {
 public:
  // Reads a PEM private key (PKCS#8 or traditional). Throws std::runtime_error when the text
  // holds no RSA or EC private key OpenSSL can use.
  [[nodiscard]] static PrivateKey from_pem(std::string_view pem);

  [[nodiscard]] KeyType type() const noexcept { return type_; }
  // RSA: modulus bits; EC: bits of the group order.
  [[nodiscard]] int bits() const noexcept { return bits_; }
  // RSA: modulus bytes; EC: r||s, twice the order's byte length (manual 1.8 §6.13).
  [[nodiscard]] std::size_t signature_size() const noexcept;
  [[nodiscard]] EVP_PKEY* get() const noexcept { return key_.get(); }

  // RSASSA-PKCS1-v1_5. With a digest the input is that hash and OpenSSL adds the DigestInfo;
  // without, the input (the caller's DigestInfo) is padded as it is.
  [[nodiscard]] std::optional<std::vector<std::uint8_t>> sign_rsa_pkcs1(
      std::optional<RsaDigest> digest, std::span<const std::uint8_t> input) const;
  // RSASSA-PSS, MGF1 with the same hash, salt as long as the hash (manual 1.7 §1.7).
  [[nodiscard]] std::optional<std::vector<std::uint8_t>> sign_rsa_pss(
      RsaDigest digest, std::span<const std::uint8_t> hash) const;
  // ECDSA over the hash as given (truncated by ECDSA itself if longer than the order), in
  // plain format r || s, each padded to the order's length (manual 1.8 §6.13, Table 43).
  [[nodiscard]] std::optional<std::vector<std::uint8_t>> sign_ecdsa_plain(
      std::span<const std::uint8_t> hash) const;

 private:
  PrivateKey(std::shared_ptr<EVP_PKEY> key, KeyType type, int bits)
      : key_(std::move(key)), type_(type), bits_(bits) {}

  std::shared_ptr<EVP_PKEY> key_;  // EVP_PKEY is reference-counted and immutable here
  KeyType type_;
  int bits_;
};

}  // namespace saferchat::vcard
