// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the virtual BELPIC applet (virtual-card/lib) fed a session of APDUs.
// Input: byte 0 picks the applet (even: 1.7 RSA, odd: 1.8 ECDSA); then records
// [length byte][length bytes of APDU], where a length byte of FF is a card reset instead.
// The applet must answer every APDU with at least a status word, and never crash.
// Links: saferchat::virtual_card (and OpenSSL::Crypto through it).
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "vcard/belpic_applet.hpp"
#include "vcard/card_profile.hpp"
#include "vcard/private_key.hpp"

namespace {

using namespace saferchat::vcard;

PrivateKey generate(AppletVersion version) {
  EVP_PKEY* key = version == AppletVersion::v1_7
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048))
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (key == nullptr || !bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    std::abort();
  }
  EVP_PKEY_free(key);
  char* pem = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &pem);
  return PrivateKey::from_pem(std::string(pem, static_cast<std::size_t>(size)));
}

// One profile per applet version, made once: a small file tree, both signature keys, PIN 1234.
const CardProfile& profile(AppletVersion version) {
  static const auto make = [](AppletVersion v) {
    CardProfile p;
    p.name = "fuzz";
    p.applet_version = v;
    p.atr = {0x3B, 0x7F, 0x96, 0x00, 0x00, 0x80, 0x31, 0x80, 0x65, 0xB0,
             0x85, 0x04, 0x01, 0x20, 0x12, 0x0F, 0xFF, 0x82, 0x90, 0x00};
    p.card_data[card_data_applet_version_offset] = v == AppletVersion::v1_7 ? 0x17 : 0x18;
    p.pin = *encode_pin_block("1234");
    p.files.push_back({{0x3F00, 0xDF00, 0x5038}, std::vector<std::uint8_t>(700, 0x30)});
    p.files.push_back({{0x3F00, 0xDF01, 0x4031}, std::vector<std::uint8_t>(256, 0x01)});
    p.files.push_back({{0x3F00, 0xDF01, 0x4035}, std::vector<std::uint8_t>(3)});
    p.files.push_back({{0x3F00, 0x2F00}, std::vector<std::uint8_t>{}});
    p.keys.emplace(authentication_key_reference, generate(v));
    p.keys.emplace(signing_key_reference, generate(v));
    return p;
  };
  static const CardProfile v17 = make(AppletVersion::v1_7);
  static const CardProfile v18 = make(AppletVersion::v1_8);
  return version == AppletVersion::v1_7 ? v17 : v18;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::span<const std::uint8_t> input(data, size);
  const AppletVersion version = input[0] % 2 == 0 ? AppletVersion::v1_7 : AppletVersion::v1_8;
  BelpicApplet applet(profile(version));
  std::size_t at = 1;
  while (at < input.size()) {
    const std::size_t length = input[at++];
    if (length == 0xFF) {
      applet.reset();
      continue;
    }
    const std::span<const std::uint8_t> apdu =
        input.subspan(at, std::min(length, input.size() - at));
    at += apdu.size();
    if (applet.transmit(apdu).size() < 2) {
      std::abort();  // every answer ends with SW1 SW2
    }
  }
  return 0;
}
