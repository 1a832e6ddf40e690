// SPDX-License-Identifier: Apache-2.0
#include "apdu/apdu.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "apdu/belpic.hpp"
#include "support/fake_card_channel.hpp"
#include "wire/error.hpp"

namespace saferchat {
namespace {

using testing::hex;
using testing::to_hex;

TEST(CommandApdu, EncodesTheFourIsoCases) {
  EXPECT_EQ(to_hex(belpic::log_off().encode()), "80 E6 00 00");                    // case 1
  EXPECT_EQ(to_hex(belpic::read_binary(0x0100, 256).encode()), "00 B0 01 00 00");  // case 2, Le 256
  EXPECT_EQ(to_hex(belpic::select_path(belpic::authentication_certificate).encode()),
            "00 A4 08 0C 06 3F 00 DF 00 50 38");  // case 3, full path from the MF
  const CommandApdu case4{0x00, 0x88, 0x00, 0x00, SecureBytes{0x01, 0x02}, 0x10};
  EXPECT_EQ(to_hex(case4.encode()), "00 88 00 00 02 01 02 10");
  const CommandApdu too_long{0x00, 0x2A, 0x9E, 0x9A, SecureBytes(256, 0), {}};
  EXPECT_THROW(static_cast<void>(too_long.encode()), std::length_error);
}

TEST(BelpicApdus, BytesMatchTheManual) {
  // The PKCS#15 AID is 12 bytes: Lc 0C (content spec §5.2.1 EF(DIR): 4F 0C).
  EXPECT_EQ(to_hex(belpic::select_applet().encode()),
            "00 A4 04 0C 0C A0 00 00 01 77 50 4B 43 53 2D 31 35");
  EXPECT_EQ(to_hex(belpic::select_applet_instance().encode()),
            "00 A4 04 0C 0F A0 00 00 00 30 29 05 70 00 AD 13 10 01 01 FF");
  EXPECT_EQ(to_hex(belpic::get_card_data(false).encode()), "80 E4 00 00 1C");
  EXPECT_EQ(to_hex(belpic::get_card_data(true).encode()), "80 E4 00 01 1F");
  EXPECT_EQ(to_hex(belpic::pin_status().encode()), "00 20 00 01");
  EXPECT_EQ(to_hex(belpic::mse_set_signature(0x02, 0x82).encode()),
            "00 22 41 B6 05 04 80 02 84 82");
  EXPECT_EQ(to_hex(belpic::pso_compute_signature(hex("01 02 03")).encode()),
            "00 2A 9E 9A 03 01 02 03");
}

TEST(PinBlock, FormatOfTheManual) {
  const auto block = [](std::string_view pin) {
    return to_hex(belpic::make_pin_block(std::span(pin.data(), pin.size())));
  };
  EXPECT_EQ(block("1234"), "24 12 34 FF FF FF FF FF");
  EXPECT_EQ(block("12345"), "25 12 34 5F FF FF FF FF");
  EXPECT_EQ(block("123456789012"), "2C 12 34 56 78 90 12 FF");
  for (const std::string_view bad : {"123", "1234567890123", "12a4", "", "12 34"}) {
    try {
      static_cast<void>(block(bad));
      FAIL() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::pin_invalid_format);
      EXPECT_EQ(e.detail(), "PIN of " + std::to_string(bad.size()) +
                                " characters, not 4-12 digits");  // never the digits
    }
  }
}

TEST(T0Procedures, GetResponseAfter61xxAndRetryAfter6Cxx) {
  std::vector<std::pair<std::string, std::string>> transcript = {
      // PSO: the card announces 4 bytes (61 04); GET RESPONSE fetches them.
      {"00 2A 9E 9A 02 AA BB", "61 04"},
      {"00 C0 00 00 04", "01 02 03 04 90 00"},
  };
  std::size_t step = 0;
  const RawTransmit raw = [&](std::span<const std::uint8_t> command) {
    EXPECT_EQ(to_hex(command), to_hex(hex(transcript.at(step).first)));
    return hex(transcript.at(step++).second);
  };
  const ResponseApdu signed_response =
      transmit_with_t0_procedures(raw, belpic::pso_compute_signature(hex("AA BB")));
  EXPECT_EQ(to_hex(signed_response.data), "01 02 03 04");
  EXPECT_EQ(signed_response.sw(), 0x9000);

  // READ BINARY asks 256 bytes; the card says only 3 are left (6C 03); the host asks again.
  transcript = {{"00 B0 00 F0 00", "6C 03"}, {"00 B0 00 F0 03", "0A 0B 0C 90 00"}};
  step = 0;
  const ResponseApdu read = transmit_with_t0_procedures(raw, belpic::read_binary(0xF0, 256));
  EXPECT_EQ(to_hex(read.data), "0A 0B 0C");
  EXPECT_EQ(step, 2U);
}

TEST(T0Procedures, Case1CarriesP3OnT0AndNotOnT1) {
  std::vector<std::string> sent;
  const RawTransmit raw = [&](std::span<const std::uint8_t> command) {
    sent.push_back(to_hex(command));
    return hex("90 00");
  };
  static_cast<void>(transmit_with_t0_procedures(raw, belpic::log_off()));
  static_cast<void>(transmit_with_t0_procedures(raw, belpic::pin_status()));
  TransmitRules t1;
  t1.t0 = false;
  static_cast<void>(transmit_with_t0_procedures(raw, belpic::log_off(), t1));
  // Cases 2-4 are the same on both.
  static_cast<void>(transmit_with_t0_procedures(raw, belpic::get_card_data(false)));
  EXPECT_EQ(sent, (std::vector<std::string>{"80 E6 00 00 00", "00 20 00 01 00", "80 E6 00 00",
                                            "80 E4 00 00 1C"}));
}

TEST(T0Procedures, PausesBeforeTheRepeatAfter6CxxOnly) {
  std::vector<std::string> events;
  std::vector<std::pair<std::string, std::string>> transcript = {
      {"00 B0 00 00 00", "6C 10"},
      {"00 B0 00 00 10", "61 02"},  // then more data: GET RESPONSE comes without a pause
      {"00 C0 00 00 02", "AA BB 90 00"},
  };
  std::size_t step = 0;
  const RawTransmit raw = [&](std::span<const std::uint8_t> command) {
    events.push_back(to_hex(command));
    return hex(transcript.at(step++).second);
  };
  TransmitRules rules;
  rules.pause_before_repeat = [&] { events.emplace_back("pause"); };
  const ResponseApdu read = transmit_with_t0_procedures(raw, belpic::read_binary(0, 256), rules);
  EXPECT_EQ(to_hex(read.data), "AA BB");
  EXPECT_EQ(events, (std::vector<std::string>{"00 B0 00 00 00", "pause", "00 B0 00 00 10",
                                              "00 C0 00 00 02"}));
}

TEST(T0Procedures, MalformedResponseIsACommunicationError) {
  const RawTransmit raw = [](std::span<const std::uint8_t> /*command*/) { return hex("90"); };
  try {
    static_cast<void>(transmit_with_t0_procedures(raw, belpic::log_off()));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::card_communication);
    EXPECT_EQ(e.detail(), "response of 1 bytes, no status word");
  }
  const RawTransmit endless = [](std::span<const std::uint8_t> /*command*/) {
    return hex("61 01");
  };
  try {
    static_cast<void>(transmit_with_t0_procedures(endless, belpic::log_off()));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.detail(), "card kept answering 61xx/6Cxx");
  }
}

TEST(DerElementSize, HeaderForms) {
  EXPECT_EQ(belpic::der_element_size(hex("30 05")), 7U);
  EXPECT_EQ(belpic::der_element_size(hex("30 81 80")), 3U + 0x80U);
  EXPECT_EQ(belpic::der_element_size(hex("30 82 03 A1")), 4U + 0x3A1U);
  EXPECT_EQ(belpic::der_element_size(hex("00 00 00 00")), std::nullopt);
  EXPECT_EQ(belpic::der_element_size(hex("30 80")), std::nullopt);  // indefinite length
  EXPECT_EQ(belpic::der_element_size(hex("30 82 03")), std::nullopt);
  EXPECT_EQ(belpic::der_element_size(hex("30")), std::nullopt);
}

TEST(CardData, Fields) {
  const Bytes reply =
      hex("53 4C 49 4E 33 66 00 29 6C FF 27 2B 0F 1B 20 11 "  // serial (16)
          "D0 00 01 01 01 18 00 03 01 01 01 0F 03 00 00");  // …, applet 18, …, life cycle, tries
  const auto data = belpic::parse_card_data(reply);
  ASSERT_TRUE(data.has_value());
  EXPECT_EQ(data->applet_version, 0x18);
  EXPECT_EQ(data->life_cycle, 0x0F);
  EXPECT_EQ(data->pin_tries_left, 3);
  EXPECT_FALSE(belpic::parse_card_data(hex("01 02")).has_value());
}

}  // namespace
}  // namespace saferchat
