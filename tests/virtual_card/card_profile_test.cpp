// SPDX-License-Identifier: Apache-2.0
// load_card_profile: what it reads from a profile folder, and the exact error for each kind of
// broken profile.
#include "vcard/card_profile.hpp"

#include <fstream>
#include <functional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_card.hpp"

namespace saferchat::vcard::testing {
namespace {

using ::testing::HasSubstr;

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

void write_json(const std::filesystem::path& path, const nlohmann::json& value) {
  std::ofstream(path) << value.dump(2);
}

// Loads a test card's folder after `edit` changed its profile.json; returns the error text
// ("" when it loads).
std::string load_error(AppletVersion version, const std::function<void(nlohmann::json&)>& edit) {
  const TestCard card = write_test_card(version);
  const std::filesystem::path file = card.dir->path() / "profile.json";
  nlohmann::json profile = read_json(file);
  edit(profile);
  write_json(file, profile);
  try {
    static_cast<void>(load_card_profile(card.dir->path()));
  } catch (const ProfileError& e) {
    return e.what();
  }
  return "";
}

TEST(VcardProfile, LoadsEverythingTheProfileNames) {
  const TestCard card = write_test_card(AppletVersion::v1_8);
  const CardProfile profile = load_card_profile(card.dir->path());
  EXPECT_EQ(profile.name, "test-1.8");
  EXPECT_EQ(profile.applet_version, AppletVersion::v1_8);
  EXPECT_EQ(profile.atr, card.atr);
  EXPECT_EQ(Bytes(profile.card_data.begin(), profile.card_data.end()), card.card_data);
  EXPECT_EQ(Bytes(profile.pin.bytes().begin(), profile.pin.bytes().end()), pin_block("1234"));
  EXPECT_EQ(profile.pin_tries_left, 3);
  // The profile's four, and the five PKCS#15 directory files of DF00 (5031-5037).
  ASSERT_EQ(profile.files.size(), 9U);
  EXPECT_EQ(profile.protocol, Protocol::t0);  // the ATR offers T=0 only
  EXPECT_TRUE(profile.belpic_applet);
  ASSERT_EQ(profile.keys.size(), 2U);
  EXPECT_EQ(profile.keys.at(0x82).type(), KeyType::ec);
  EXPECT_EQ(profile.keys.at(0x82).bits(), 384);
  EXPECT_EQ(profile.keys.at(0x82).signature_size(), 96U);
  bool found_photo = false;
  for (const ProfileFile& file : profile.files) {
    if (file.path == std::vector<std::uint16_t>{0x3F00, 0xDF01, 0x4035}) {
      found_photo = true;
      EXPECT_EQ(file.content, card.photo_file);
    }
  }
  EXPECT_TRUE(found_photo);  // the key "3F00 DF01 4035" had spaces
}

TEST(VcardProfile, RsaKeysForApplet17) {
  const TestCard card = write_test_card(AppletVersion::v1_7);
  const CardProfile profile = load_card_profile(card.dir->path());
  EXPECT_EQ(profile.keys.at(0x83).type(), KeyType::rsa);
  EXPECT_EQ(profile.keys.at(0x83).bits(), 2048);
  EXPECT_EQ(profile.keys.at(0x83).signature_size(), 256U);
}

TEST(VcardProfile, MissingFolderOrJson) {
  const TempDir empty;
  try {
    static_cast<void>(load_card_profile(empty.path()));
    FAIL() << "no error";
  } catch (const ProfileError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot open " + (empty.path() / "profile.json").string());
  }
  std::ofstream(empty.path() / "profile.json") << "{ not json";
  try {
    static_cast<void>(load_card_profile(empty.path()));
    FAIL() << "no error";
  } catch (const ProfileError& e) {
    EXPECT_EQ(std::string(e.what()),
              (empty.path() / "profile.json").string() + " is not a JSON object");
  }
}

TEST(VcardProfile, ExactErrorsForBadFields) {
  const auto v18 = AppletVersion::v1_8;
  EXPECT_EQ(load_error(v18, [](auto& j) { j["applet_version"] = "1.9"; }),
            "profile.json: \"applet_version\" must be \"1.7\" or \"1.8\"");
  EXPECT_EQ(load_error(v18, [](auto& j) { j.erase("applet_version"); }),
            "profile.json: missing \"applet_version\"");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["atr"] = "3B7G"; }),
            "profile.json: \"atr\" is not hex");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["atr"] = 59; }),
            "profile.json: \"atr\" must be a string");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["card_data"] = "00112233"; }),
            "profile.json: \"card_data\" must hold 28 bytes");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["applet_version"] = "1.7"; }),
            "profile.json: \"card_data\" byte 21 (applet version) disagrees with "
            "\"applet_version\"");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["pin"] = "12a4"; }),
            "profile.json: \"pin\" must be a string of 4 to 12 digits");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["pin"] = 1234; }),
            "profile.json: \"pin\" must be a string of 4 to 12 digits");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["pin"] = "123"; }),
            "profile.json: \"pin\" must be a string of 4 to 12 digits");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["pin_tries_left"] = 4; }),
            "profile.json: \"pin_tries_left\" must be an integer from 0 to 3");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["keys"]["85"] = "auth.key.pem"; }),
            "profile.json: keys: \"85\" is not a key reference (81, 82 or 83)");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["files"]["DF005038"] = "auth_cert.der"; }),
            "profile.json: files: file path DF005038 must start at 3F00 and name an EF");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["files"]["3F00DF00"] = "auth_cert.der"; }),
            "profile.json: files: file path 3F00DF00 names a DF or appears twice");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["files"]["3F00DF0050380001"] = "auth_cert.der"; }),
            "profile.json: files: file path 3F00DF0050380001 runs through an EF");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["files"]["3F00DF0"] = "auth_cert.der"; }),
            "profile.json: files: \"3F00DF0\" is not a path of 4-hex-digit FIDs");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["files"]["3F00DF015000"] = "../outside"; }),
            "files: \"../outside\" must be a relative path inside the profile folder");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["files"]["3F00DF015000"] = "/etc/hostname"; }),
            "files: \"/etc/hostname\" must be a relative path inside the profile folder");
  EXPECT_THAT(load_error(v18, [](auto& j) { j["files"]["3F00DF015000"] = "missing.bin"; }),
              HasSubstr("cannot open "));
  // An applet 1.8 card with an RSA key, and a key file that holds no key.
  EXPECT_THAT(load_error(AppletVersion::v1_7,
                         [](auto& j) {
                           j["applet_version"] = "1.8";
                           j["card_data"] = std::string(42, '0') + "18" + std::string(12, '0');
                         }),
              HasSubstr("auth.key.pem: applet 1.8 uses EC keys"));
  EXPECT_THAT(load_error(v18, [](auto& j) { j["keys"]["82"] = "identity.bin"; }),
              HasSubstr("identity.bin: no PEM private key found (or it is encrypted)"));
}

// ISO 7816-3 §8.2.3: the protocols are the T of the TDi bytes; without TD1, T=0.
TEST(VcardProfile, ProtocolsOfferedByTheAtr) {
  const auto of = [](std::string_view atr) { return atr_protocols(hex(atr)); };
  using P = std::vector<Protocol>;
  EXPECT_EQ(of("3B 98 13 40 0A A5 03 01 01 01 AD 13 11"), P{Protocol::t0});  // TD1 = 40
  EXPECT_EQ(of("3B 7F 96 00 00 80 31 80 65 B0 85 04 01 20 12 0F FF 82 90 00"), P{Protocol::t0});
  // TD1 = 80 (T=0, TD2 follows), TD2 = 01 (T=1).
  EXPECT_EQ(of("3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A"),
            (P{Protocol::t0, Protocol::t1}));
  // TD1 = 81 (T=1), TD2 = 1F (T=15: global bytes, not a protocol), TA3 = C7.
  EXPECT_EQ(of("3B 9F 96 81 1F C7 80 31 E0 73 FE 21 1B 64 41 04 00 00 00 00 00"), P{Protocol::t1});
  EXPECT_TRUE(of("3B 98 13 40").empty());  // TD1 announces TC2, which is missing
}

TEST(VcardProfile, ProtocolMustBeOneTheAtrOffers) {
  const auto v18 = AppletVersion::v1_8;
  EXPECT_EQ(load_error(v18, [](auto& j) { j["protocol"] = "T=1"; }),
            "profile.json: \"atr\" does not offer \"protocol\"");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["protocol"] = "T=2"; }),
            "profile.json: \"protocol\" must be \"T=0\" or \"T=1\"");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["atr"] = "3B 98 13 40"; }),
            "profile.json: \"atr\" ends inside its interface bytes");
  EXPECT_EQ(load_error(v18, [](auto& j) { j["applet"] = "pkcs15"; }),
            "profile.json: \"applet\" must be \"belpic\" or \"none\"");
  TestCardOptions t1;
  t1.atr = "3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A";
  t1.protocol = "T=1";
  const TestCard card = write_test_card(v18, t1);
  EXPECT_EQ(load_card_profile(card.dir->path()).protocol, Protocol::t1);
  // Without "protocol": T=1 when the ATR offers it (what pcscd then negotiates), else T=0.
  TestCardOptions both;
  both.atr = t1.atr;
  EXPECT_EQ(load_card_profile(write_test_card(v18, both).dir->path()).protocol, Protocol::t1);
  TestCardOptions t0_only;
  t0_only.atr = "3B 02 14 50";
  EXPECT_EQ(load_card_profile(write_test_card(v18, t0_only).dir->path()).protocol, Protocol::t0);
}

TEST(VcardProfile, ToleratesAbsentTriesAndExtraFields) {
  EXPECT_EQ(load_error(AppletVersion::v1_8,
                       [](auto& j) {
                         j.erase("pin_tries_left");
                         j.erase("holder");
                         j["future"] = {{"anything", true}};
                         j["atr"] = "3B 7F 96 00 00 80 31 80 65 B0 85 04 01 20 12 0F FF 82 90 00";
                       }),
            "");
}

}  // namespace
}  // namespace saferchat::vcard::testing
