// SPDX-License-Identifier: Apache-2.0
// The BELPIC driver against APDU transcripts (Belpic applet manuals 1.7 and 1.8). Each
// transcript is what a real card exchanges, step by step.
#include "card/belpic_card.hpp"

#include <gtest/gtest.h>

#include "support/fake_card_channel.hpp"
#include "wire/error.hpp"

namespace saferchat {
namespace {

using testing::Exchange;
using testing::FakeCardChannel;
using testing::hex;
using testing::to_hex;

const Bytes atr_v18 = hex("3B 7F 96 00 00 80 31 80 65 B0 85 04 01 20 12 0F FF 82 90 00");
const Bytes atr_v17 = hex("3B 98 13 40 0A A5 03 01 01 01 AD 13 11");

// GET CARD DATA (28 bytes): serial, component, OS, softmask, applet version at byte 21.
std::string card_data(std::string_view applet) {
  return "53 4C 49 4E 33 66 00 29 6C FF 27 2B 0F 1B 20 11 D0 00 01 01 01 " + std::string(applet) +
         " 00 03 01 01 01 0F";
}

std::string repeat(std::string_view byte, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    out += std::string(byte) + " ";
  }
  return out;
}

// SELECT of the BELPIC PKCS#15 application by AID (content spec §5.1), as sent on connect.
const std::string select_aid = "00 A4 04 0C 0C A0 00 00 01 77 50 4B 43 53 2D 31 35";
const std::string select_instance = "00 A4 04 0C 0F A0 00 00 00 30 29 05 70 00 AD 13 10 01 01 FF";

// On connect: SELECT AID, then GET CARD DATA: the long form (with PIN tries) unless the ATR is
// of the 1.7 generation.
BelpicCard identify(std::string_view applet, const Bytes& atr) {
  if (atr == atr_v17) {
    FakeCardChannel channel(
        {{select_aid, "90 00"}, {"80 E4 00 00 1C", card_data(applet) + " 90 00"}});
    return BelpicCard::identify(channel, atr);
  }
  FakeCardChannel channel(
      {{select_aid, "90 00"}, {"80 E4 00 01 1F", card_data(applet) + " 03 FF FF 90 00"}});
  return BelpicCard::identify(channel, atr);
}

template <typename Action>
Error error_of(Action action) {
  try {
    action();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return Error(ErrorCode::internal, "");
}

TEST(BelpicCard, IdentifiesApplet18WithItsPinTriesInOneGetCardData) {
  const BelpicCard card = identify("18", atr_v18);
  EXPECT_EQ(card.variant().name, "1.8");
  EXPECT_EQ(card.variant().authentication, SignatureAlgorithm::es384);
  EXPECT_EQ(to_hex(card.card_data().serial), "53 4C 49 4E 33 66 00 29 6C FF 27 2B 0F 1B 20 11");
  EXPECT_EQ(card.pin_tries_when_identified(), 3);
  const BelpicCard v17 = identify("17", atr_v17);
  EXPECT_EQ(v17.variant().authentication, SignatureAlgorithm::rs256);
  EXPECT_EQ(v17.pin_tries_when_identified(), std::nullopt);
}

// The 1.7-generation ATRs seen in the field (NOTES, pcsc-tools' list, the card) all
// match eid-mw's mask 3B 98 xx 40 xx A5 03 01 01 01 AD 13 xx; the 1.8 ATR is exact.
TEST(BelpicAtr, MaskedAppletGenerationsAndExact18) {
  for (const std::string_view atr :
       {"3B 98 13 40 0A A5 03 01 01 01 AD 13 11", "3B 98 94 40 0A A5 03 01 01 01 AD 13 10",
        "3B 98 94 40 FF A5 03 01 01 01 AD 13 10", "3B 98 30 40 0A A5 03 01 01 01 AD 13 11",
        "3B 98 00 40 00 A5 03 01 01 01 AD 13 00"}) {
    EXPECT_EQ(match_belpic_atr(hex(atr)), AtrMatch::applet17_generation) << atr;
  }
  EXPECT_EQ(match_belpic_atr(atr_v18), AtrMatch::applet18);
  for (const std::string_view atr :
       {"3B 98 13 41 0A A5 03 01 01 01 AD 13 11",     // TD1 differs (T=1 offered)
        "3B 98 13 40 0A A5 03 01 01 01 AD 14 11",     // a historical byte differs
        "3B 98 13 40 0A A5 03 01 01 01 AD 13",        // one byte short
        "3B 98 13 40 0A A5 03 01 01 01 AD 13 11 00",  // one byte more
        "3B 7F 96 00 00 80 31 80 65 B0 85 04 01 20 12 0F FF 82 90 01",
        "3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A", ""}) {
    EXPECT_EQ(match_belpic_atr(hex(atr)), AtrMatch::none) << atr;
  }
}

TEST(BelpicCard, UnknownAtrWithAWorkingBelpicAppletIsAccepted) {
  // Applet 1.8 behind an ATR no table knows: SELECT, then the long GET CARD DATA.
  const Bytes unknown_atr = hex("3B 7F 96 00 00 80 31 80 65 B0 85 05 00 11 12 0F FF 82 90 00");
  const BelpicCard v18 = identify("18", unknown_atr);
  EXPECT_EQ(v18.variant().name, "1.8");
  // Applet 1.7 knows only the short form (6B00 to P2=01): one more APDU.
  FakeCardChannel channel({{select_aid, "90 00"},
                           {"80 E4 00 01 1F", "6B 00"},
                           {"80 E4 00 00 1C", card_data("17") + " 90 00"}});
  const BelpicCard v17 = BelpicCard::identify(channel, unknown_atr);
  EXPECT_TRUE(channel.finished());
  EXPECT_EQ(v17.variant().name, "1.7");
  // A later applet version is of the EC generation (eid-mw: ≥ 0x18), not refused.
  const BelpicCard future = identify("19", unknown_atr);
  EXPECT_EQ(future.variant().authentication, SignatureAlgorithm::es384);
  EXPECT_EQ(future.card_data().applet_version, 0x19);
}

TEST(BelpicCard, ANonBelpicCardGetsOnlyTheSelect) {
  FakeCardChannel other({{select_aid, "6A 82"}});
  const Error error = error_of([&] {
    static_cast<void>(BelpicCard::identify(other, hex("3B 8F 80 01 80 4F 0C A0 00 00 03 06")));
  });
  EXPECT_TRUE(other.finished());  // exactly one APDU
  EXPECT_EQ(error.code(), ErrorCode::unknown_card);
  EXPECT_EQ(error.detail(),
            "ATR of 12 bytes is not a BELPIC card's; SELECT of the BELPIC AID: SW 6A82");
  // A card that takes the AID but does not answer GET CARD DATA is not BELPIC either.
  FakeCardChannel no_card_data(
      {{select_aid, "90 00"}, {"80 E4 00 01 1F", "6D 00"}, {"80 E4 00 00 1C", "6D 00"}});
  EXPECT_EQ(error_of([&] {
              static_cast<void>(BelpicCard::identify(no_card_data, hex("3B 80 80 01 01")));
            }).detail(),
            "GET CARD DATA: SW 6D00, 0 bytes");
}

TEST(BelpicCard, RefusesAnOlderApplet) {
  const Error error = error_of([] { static_cast<void>(identify("11", atr_v17)); });
  EXPECT_EQ(error.code(), ErrorCode::unknown_card);
  EXPECT_EQ(error.detail(), "applet version 0x11 is not supported");
}

TEST(BelpicCard, BelpicAtrWithAnotherApplicationSelectedSelectsTheAppletInstance) {
  // The card manager is selected (another program sent SELECT with an empty AID): it does not
  // know the PKCS#15 AID, the applet's instance AID brings BELPIC back (manual 1.8 §6.6).
  FakeCardChannel channel({{select_aid, "6A 82"},
                           {select_instance, "90 00"},
                           {"80 E4 00 01 1F", card_data("18") + " 03 FF FF 90 00"}});
  EXPECT_EQ(BelpicCard::identify(channel, atr_v18).variant().name, "1.8");
  EXPECT_TRUE(channel.finished());
}

TEST(BelpicCard, AnUnexpectedStatusWordSelectsTheAppletOnceMore) {
  const BelpicCard card = identify("18", atr_v18);
  const SecureBytes block = belpic::make_pin_block(std::span("1234", 4));
  // Another program selected something else between our transactions: VERIFY answers 6D00,
  // the driver selects BELPIC by AID and sends VERIFY again, once.
  FakeCardChannel channel({
      {"00 20 00 01 08 24 12 34 FF FF FF FF FF", "6D 00"},
      {select_aid, "90 00"},
      {"00 20 00 01 08 24 12 34 FF FF FF FF FF", "90 00"},
      {"00 20 00 01 08 24 12 34 FF FF FF FF FF", "6E 00"},
      {select_aid, "90 00"},
      {"00 20 00 01 08 24 12 34 FF FF FF FF FF", "6E 00"},  // still: an error, no loop
  });
  card.verify_pin(channel, block);
  EXPECT_EQ(error_of([&] { card.verify_pin(channel, block); }).detail(), "VERIFY: SW 6E00");
  EXPECT_TRUE(channel.finished());
}

TEST(BelpicCard, AWarmLoginIsFiveApdusWithoutASelect) {
  const BelpicCard card = identify("18", atr_v18);
  const SecureBytes block = belpic::make_pin_block(std::span("1234", 4));
  // The fake resolves 61xx itself, as the transport does: PSO + GET RESPONSE are one step.
  FakeCardChannel channel({
      {"00 20 00 01 08 24 12 34 FF FF FF FF FF", "90 00"},
      {"00 22 41 B6 05 04 80 02 84 82", "90 00"},
      {"00 2A 9E 9A 30 " + repeat("5A", 48), repeat("11", 96) + "90 00"},
      {"80 E6 00 00", "90 00"},
  });
  card.verify_pin(channel, block);
  static_cast<void>(card.sign_with_authentication_key(channel, Bytes(48, 0x5A)));
  card.log_off(channel);
  EXPECT_TRUE(channel.finished());
}

TEST(BelpicCard, ReadsACertificateOnlyAsFarAsItsDerHeader) {
  const BelpicCard card = identify("18", atr_v18);
  // A 600-byte certificate (30 82 02 54) in a padded file: 256 + 256 + 88 bytes are read.
  const std::string first = "30 82 02 54 " + repeat("AB", 252);
  FakeCardChannel channel({
      {"00 A4 08 0C 06 3F 00 DF 00 50 38", "90 00"},    // SELECT DF00/5038 by path
      {"00 B0 00 00 00", first + "90 00"},              // bytes 0..255: header says 600
      {"00 B0 01 00 00", repeat("CD", 256) + "90 00"},  // bytes 256..511
      {"00 B0 02 00 58", repeat("EF", 88) + "90 00"},   // the last 88: no padding read
  });
  const Bytes certificate = card.read_authentication_certificate(channel);
  EXPECT_TRUE(channel.finished());
  ASSERT_EQ(certificate.size(), 600U);
  EXPECT_EQ(certificate[599], 0xEF);
}

TEST(BelpicCard, EmptyAuthenticationCertificateFileHasItsOwnError) {
  const BelpicCard card = identify("18", atr_v18);
  FakeCardChannel channel({
      {"00 A4 08 0C 06 3F 00 DF 00 50 38", "90 00"},
      {"00 B0 00 00 00", repeat("00", 256) + "90 00"},  // a Kids-ID under 6: all zero
  });
  try {
    static_cast<void>(card.read_authentication_certificate(channel));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::no_auth_certificate);
  }
}

TEST(BelpicCard, ReadFileStopsAt6B00OnAChunkBoundary) {
  const BelpicCard card = identify("18", atr_v18);
  FakeCardChannel channel({
      {"00 A4 08 0C 06 3F 00 DF 01 40 31", "90 00"},
      {"00 B0 00 00 00", repeat("01", 256) + "90 00"},
      {"00 B0 01 00 00", "6B 00"},  // offset 256 is past the end: the file is exactly 256 bytes
  });
  EXPECT_EQ(card.read_identity(channel).size(), 256U);
  EXPECT_TRUE(channel.finished());
}

TEST(BelpicCard, MissingFileIsACardError) {
  const BelpicCard card = identify("17", atr_v17);
  // 6A82 to a SELECT may mean another application is selected: one SELECT AID, one retry.
  FakeCardChannel channel({{"00 A4 08 0C 06 3F 00 DF 01 40 31", "6A 82"},
                           {select_aid, "90 00"},
                           {"00 A4 08 0C 06 3F 00 DF 01 40 31", "6A 82"}});
  try {
    static_cast<void>(card.read_identity(channel));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::card_error);
    EXPECT_EQ(e.detail(), "file 3F00/DF01/4031 not found");
  }
}

TEST(BelpicCard, WrongPinCarriesTriesLeftThenBlocked) {
  const BelpicCard card = identify("18", atr_v18);
  const SecureBytes block = belpic::make_pin_block(std::span("9999", 4));
  FakeCardChannel channel({
      {"00 20 00 01 08 24 99 99 FF FF FF FF FF", "63 C2"},  // wrong, 2 tries left
      {"00 20 00 01 08 24 99 99 FF FF FF FF FF", "63 C1"},  // wrong, 1 try left
      {"00 20 00 01 08 24 99 99 FF FF FF FF FF", "63 C0"},  // wrong, none left: blocked
      {"00 20 00 01 08 24 99 99 FF FF FF FF FF", "69 83"},  // blocked
  });
  for (const int tries : {2, 1}) {
    try {
      card.verify_pin(channel, block);
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::pin_wrong);
      EXPECT_EQ(e.tries_left(), tries);
    }
  }
  for (const std::string_view sw : {"63C0", "6983"}) {
    try {
      card.verify_pin(channel, block);
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::pin_blocked);
      EXPECT_EQ(e.detail(), "VERIFY: SW " + std::string(sw));
    }
  }
  EXPECT_TRUE(channel.finished());
}

TEST(BelpicCard, PinTriesFromCardDataOn18AndFromVerifyStatusOn17) {
  const BelpicCard v18 = identify("18", atr_v18);
  FakeCardChannel long_card_data({{"80 E4 00 01 1F", card_data("18") + " 02 00 00 90 00"}});
  EXPECT_EQ(v18.pin_tries_left(long_card_data), 2);

  const BelpicCard v17 = identify("17", atr_v17);
  FakeCardChannel status({{"00 20 00 01", "63 C3"}, {"00 20 00 01", "69 83"}});
  EXPECT_EQ(v17.pin_tries_left(status), 3);
  EXPECT_EQ(v17.pin_tries_left(status), 0);
}

TEST(BelpicCard, SignsEs384WithMseSetAndPso) {
  const BelpicCard card = identify("18", atr_v18);
  const Bytes hash(48, 0x5A);
  const std::string signature = repeat("11", 96);
  FakeCardChannel channel({
      {"00 22 41 B6 05 04 80 02 84 82", "90 00"},  // MSE SET: ECDSA SHA-384, key 82
      {"00 2A 9E 9A 30 " + repeat("5A", 48), signature + "90 00"},  // PSO (61xx resolved below)
      {"80 E6 00 00", "90 00"},                                     // LOG OFF
  });
  EXPECT_EQ(to_hex(card.sign_with_authentication_key(channel, hash)), to_hex(hex(signature)));
  card.log_off(channel);
  EXPECT_TRUE(channel.finished());
}

TEST(BelpicCard, SignsRs256OnApplet17AndReportsSecurityStatus) {
  const BelpicCard card = identify("17", atr_v17);
  const Bytes hash(32, 0x01);
  FakeCardChannel channel({
      {"00 22 41 B6 05 04 80 08 84 82", "90 00"},       // MSE SET: PKCS#1 v1.5 SHA-256, key 82
      {"00 2A 9E 9A 20 " + repeat("01", 32), "69 82"},  // PIN not verified
  });
  try {
    static_cast<void>(card.sign_with_authentication_key(channel, hash));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::card_error);
    EXPECT_EQ(e.detail(), "PSO COMPUTE DIGITAL SIGNATURE: SW 6982");
  }
  try {
    FakeCardChannel none({});
    static_cast<void>(card.sign_with_authentication_key(none, Bytes(48, 0)));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.detail(), "hash of 48 bytes for RS256");
  }
}

}  // namespace
}  // namespace saferchat

namespace saferchat {
namespace {

// A PIN pad reader: answers GET_FEATURE_REQUEST with its features and the VERIFY_PIN ioctls
// with scripted status words, recording what it was sent.
class FakePinPadReader final : public ReaderControl {
 public:
  FakePinPadReader(Bytes features, std::vector<std::string> answers)
      : features_(std::move(features)), answers_(std::move(answers)) {}
  Bytes control(std::uint32_t code, std::span<const std::uint8_t> input) override {
    calls.emplace_back(code, Bytes(input.begin(), input.end()));
#if defined(_WIN32)
    constexpr std::uint32_t get_feature_request = 0x00313520;  // SCARD_CTL_CODE(3400), Windows
#else
    constexpr std::uint32_t get_feature_request = 0x42000D48;  // SCARD_CTL_CODE(3400), pcsc-lite
#endif
    if (code == get_feature_request) {  // CM_IOCTL_GET_FEATURE_REQUEST
      return features_;
    }
    if (next_ >= answers_.size()) {
      throw Error(ErrorCode::card_communication, "no scripted answer");
    }
    return hex(answers_[next_++]);
  }
  std::vector<std::pair<std::uint32_t, Bytes>> calls;

 private:
  Bytes features_;
  std::vector<std::string> answers_;
  std::size_t next_ = 0;
};

// PIN_VERIFY_STRUCTURE for BELPIC (PC/SC Part 10 §2.5.2), with a 30 s timeout.
const std::string verify_structure =
    "1E 1E 89 47 04 0C 04 02 01 09 04 00 00 00 00 0D 00 00 00 "  // header, ulDataLength 13
    "00 20 00 01 08 20 FF FF FF FF FF FF FF";  // VERIFY, empty PIN block: length nibble 0

TEST(BelpicPinPad, FeatureListAndVerifyDirect) {
  const BelpicCard card = identify("18", atr_v18);
  // Features: VERIFY_PIN_DIRECT (06) at 0x42330006, MODIFY_PIN_DIRECT (07) at 0x42330007.
  FakePinPadReader reader(hex("06 04 42 33 00 06 07 04 42 33 00 07"), {"63 C2", "90 00"});
  const auto pad = BelpicCard::find_pin_pad(reader);
  ASSERT_TRUE(pad.has_value());
  EXPECT_EQ(pad->direct, 0x42330006U);
  try {
    card.verify_pin_on_pin_pad(reader, *pad, 30);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::pin_wrong);
    EXPECT_EQ(e.tries_left(), 2);
  }
  card.verify_pin_on_pin_pad(reader, *pad, 30);
  ASSERT_EQ(reader.calls.size(), 3U);
  EXPECT_EQ(reader.calls[1].first, 0x42330006U);
  EXPECT_EQ(to_hex(reader.calls[1].second), to_hex(hex(verify_structure)));
}

TEST(BelpicPinPad, StartFinishCancelAndTimeout) {
  const BelpicCard card = identify("17", atr_v17);
  FakePinPadReader reader(hex("01 04 42 33 00 01 02 04 42 33 00 02"), {"", "64 01", "", "64 00"});
  const auto pad = BelpicCard::find_pin_pad(reader);
  ASSERT_TRUE(pad.has_value());
  EXPECT_FALSE(pad->direct.has_value());
  for (const ErrorCode expected : {ErrorCode::user_cancelled, ErrorCode::user_timeout}) {
    try {
      card.verify_pin_on_pin_pad(reader, *pad, 30);
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), expected);
    }
  }
  EXPECT_EQ(reader.calls[1].first, 0x42330001U);  // START with the structure
  EXPECT_EQ(to_hex(reader.calls[1].second), to_hex(hex(verify_structure)));
  EXPECT_EQ(reader.calls[2].first, 0x42330002U);  // FINISH, empty
  EXPECT_TRUE(reader.calls[2].second.empty());
}

TEST(BelpicPinPad, ReadersWithoutPart10HaveNone) {
  FakePinPadReader no_features({}, {});
  EXPECT_FALSE(BelpicCard::find_pin_pad(no_features).has_value());
  FakePinPadReader truncated(hex("06 04 42 33"), {});
  EXPECT_FALSE(BelpicCard::find_pin_pad(truncated).has_value());
  FakePinPadReader modify_only(hex("07 04 42 33 00 07"), {});
  EXPECT_FALSE(BelpicCard::find_pin_pad(modify_only).has_value());
}

}  // namespace
}  // namespace saferchat
