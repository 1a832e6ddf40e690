// SPDX-License-Identifier: Apache-2.0
// The profiles of virtual-card/profiles/make_test_cards.sh, served by the applet: every file
// reads back as generated, GET CARD DATA matches, and where the card has an authentication
// key its signature verifies with the certificate read from the card.
#include <openssl/evp.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_card.hpp"
#include "vcard/apdu.hpp"

namespace saferchat::vcard::testing {
namespace {

struct Exchange {
  Bytes data;
  std::uint16_t sw;
};

Exchange send(BelpicApplet& applet, const Bytes& apdu) {
  const Response response = split(applet.transmit(apdu));
  return Exchange{response.data, response.sw};
}

// SELECT by path then READ BINARY in 256-byte chunks, following 6Cxx, until 6B00.
Bytes read_file(BelpicApplet& applet, const std::string& path_hex) {
  Bytes select = hex("00 A4 08 0C");
  const Bytes path = hex(path_hex);
  select.push_back(static_cast<std::uint8_t>(path.size()));
  select.insert(select.end(), path.begin(), path.end());
  EXPECT_EQ(send(applet, select).sw, 0x9000) << path_hex;
  Bytes content;
  std::size_t le = 256;
  for (int guard = 0; guard < 1000; ++guard) {
    const Exchange reply =
        send(applet, Bytes{0x00, 0xB0, static_cast<std::uint8_t>(content.size() >> 8),
                           static_cast<std::uint8_t>(content.size() & 0xFF),
                           static_cast<std::uint8_t>(le & 0xFF)});
    if (reply.sw == 0x9000) {
      content.insert(content.end(), reply.data.begin(), reply.data.end());
      le = 256;
    } else if ((reply.sw >> 8) == 0x6C) {
      le = reply.sw & 0xFF;
    } else {
      EXPECT_EQ(reply.sw, 0x6B00) << path_hex;
      break;
    }
  }
  return content;
}

Bytes file_bytes(const std::filesystem::path& path) {
  Bytes bytes(std::filesystem::file_size(path));
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

class VcardGeneratedProfiles : public ::testing::Test {
 protected:
  void SetUp() override {
    // ctest's test_cards fixture generates them (virtual-card/profiles/make_test_cards.sh).
    ASSERT_TRUE(std::filesystem::exists(cards() / "kid-9" / "profile.json"))
        << cards() << " has no profiles: run the test_cards.generate test first";
  }

  static std::filesystem::path cards() { return SAFERCHAT_TEST_CARDS_DIR; }
};

TEST_F(VcardGeneratedProfiles, EveryProfileServesItsFilesAndSignsWithItsKey) {
  std::size_t profiles = 0;
  for (const auto& entry : std::filesystem::directory_iterator(cards())) {
    const std::filesystem::path dir = entry.path();
    SCOPED_TRACE(dir.filename().string());
    ++profiles;
    nlohmann::json json;
    std::ifstream(dir / "profile.json") >> json;
    BelpicApplet applet(load_card_profile(dir));

    // GET CARD DATA: the profile's 28 bytes; byte 21 tells the applet version.
    const Exchange card_data = send(applet, hex("80 E4 00 00 1C"));
    EXPECT_EQ(card_data.sw, 0x9000);
    EXPECT_EQ(to_hex(card_data.data), json["card_data"].get<std::string>());

    // Every file reads back byte for byte.
    for (const auto& [path, name] : json["files"].items()) {
      EXPECT_EQ(read_file(applet, path), file_bytes(dir / name.get<std::string>())) << path;
    }

    const std::string pin = json["pin"].get<std::string>();
    const bool v17 = json["applet_version"] == "1.7";
    if (json["pin_tries_left"] == 0) {
      EXPECT_EQ(send(applet, verify_apdu(pin)).sw, 0x6983);
      continue;
    }
    if (!json["keys"].contains("82")) {
      // No authentication key (a young child's card): MSE SET names a key that is not there.
      EXPECT_EQ(send(applet, hex("00 22 41 B6 05 04 80 02 84 82")).sw, 0x6A88);
      continue;
    }
    const Pkey certificate_key = certificate_public_key(read_file(applet, "3F00DF005038"));
    EXPECT_EQ(send(applet, verify_apdu(pin)).sw, 0x9000);
    const Bytes hash = digest(v17 ? EVP_sha256() : EVP_sha384(), "saferchat test");
    EXPECT_EQ(send(applet, v17 ? hex("00 22 41 B6 05 04 80 08 84 82")
                               : hex("00 22 41 B6 05 04 80 02 84 82"))
                  .sw,
              0x9000);
    Bytes pso = hex("00 2A 9E 9A");
    pso.push_back(static_cast<std::uint8_t>(hash.size()));
    pso.insert(pso.end(), hash.begin(), hash.end());
    const Exchange started = send(applet, pso);
    ASSERT_EQ(started.sw >> 8, 0x61);
    const Exchange signature =
        send(applet, Bytes{0x00, 0xC0, 0x00, 0x00, static_cast<std::uint8_t>(started.sw & 0xFF)});
    ASSERT_EQ(signature.sw, 0x9000);
    EXPECT_TRUE(v17 ? verify_rsa_pkcs1(certificate_key, EVP_sha256(), hash, signature.data)
                    : verify_ecdsa_plain(certificate_key, hash, signature.data));
  }
  EXPECT_GE(profiles, 1U);
}

}  // namespace
}  // namespace saferchat::vcard::testing
