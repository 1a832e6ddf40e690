// SPDX-License-Identifier: Apache-2.0
// Test material for the virtual card tests, made with the OpenSSL C API so the tests depend on
// nothing but the library: a P-384 or RSA-2048 key pair per key reference, self-signed
// certificates, an identity file, and a profile.json in a temporary folder (removed after).
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vcard/belpic_applet.hpp"
#include "vcard/card_profile.hpp"

namespace saferchat::vcard::testing {

using Bytes = std::vector<std::uint8_t>;
using Pkey = std::shared_ptr<EVP_PKEY>;

// A folder under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

struct TestCardOptions {
  std::string pin = "1234";
  int pin_tries_left = 3;
  bool with_signing_key = true;
  std::string atr;       // hex; empty: the version's usual ATR
  std::string protocol;  // "protocol" in profile.json ("T=0", "T=1"); empty: absent
  std::string applet;    // "applet" in profile.json ("belpic", "none"); empty: absent
};

// Certificate files, as on a real card: DER followed by zero padding (card content spec §8).
inline constexpr std::size_t cert_padding = 1100;
// A file whose size is a multiple of 256, to meet 6B00 at its very end.
inline constexpr std::size_t photo_size = 1024;

struct TestCard {
  std::unique_ptr<TempDir> dir;
  AppletVersion version = AppletVersion::v1_8;
  Bytes card_data;
  Bytes atr;
  Bytes auth_cert_der;   // the certificate alone
  Bytes auth_cert_file;  // 3F00 DF00 5038 as served: DER + padding
  Bytes identity_file;   // 3F00 DF01 4031
  Bytes photo_file;      // 3F00 DF01 4035
  Pkey auth_key;         // private key of reference 82 (the public half verifies)
  Pkey sign_key;         // reference 83, null without a signing key
};

// Writes a complete profile folder. Keys are generated once per process and reused.
[[nodiscard]] TestCard write_test_card(AppletVersion version, const TestCardOptions& options = {});

// An applet loaded from a test card's folder through load_card_profile.
[[nodiscard]] BelpicApplet load_applet(const TestCard& card);

// "00 A4 04 0C" → bytes; spaces are ignored. Fails the test on bad hex.
[[nodiscard]] Bytes hex(std::string_view text);

// A response split into data and status word.
struct Response {
  Bytes data;
  std::uint16_t sw = 0;
};
[[nodiscard]] Response split(const Bytes& response);

// The PIN block of VERIFY for a PIN (manual §3.2).
[[nodiscard]] Bytes pin_block(std::string_view digits);
// VERIFY 00 20 00 01 08 <block>.
[[nodiscard]] Bytes verify_apdu(std::string_view digits);

[[nodiscard]] Bytes digest(const EVP_MD* md, std::string_view message);

// Verifies with the public half of `key`: ECDSA from a plain r||s signature (converted to DER
// here), RSA PKCS#1 v1.5 or PSS over a hash made with `md`.
[[nodiscard]] bool verify_ecdsa_plain(const Pkey& key, std::span<const std::uint8_t> hash,
                                      std::span<const std::uint8_t> r_s);
[[nodiscard]] bool verify_rsa_pkcs1(const Pkey& key, const EVP_MD* md,
                                    std::span<const std::uint8_t> hash,
                                    std::span<const std::uint8_t> signature);
[[nodiscard]] bool verify_rsa_pss(const Pkey& key, const EVP_MD* md,
                                  std::span<const std::uint8_t> hash,
                                  std::span<const std::uint8_t> signature);

// The public key inside a DER certificate (trailing padding ignored).
[[nodiscard]] Pkey certificate_public_key(std::span<const std::uint8_t> der);

}  // namespace saferchat::vcard::testing
