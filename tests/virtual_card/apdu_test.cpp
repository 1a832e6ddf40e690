// SPDX-License-Identifier: Apache-2.0
// The APDU value types: parsing of the T=0 short forms, hex helpers, and the masked log text.
#include "vcard/apdu.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_card.hpp"
#include "vcard/apdu_log.hpp"

namespace saferchat::vcard::testing {
namespace {

TEST(VcardCommandApdu, Case1And2ShortForms) {
  // 4 bytes: case 1, or case 2 with Le absent (256 in T=0).
  auto apdu = CommandApdu::parse(hex("80 E6 00 00"));
  ASSERT_TRUE(apdu.has_value());
  EXPECT_EQ(apdu->cla, 0x80);
  EXPECT_EQ(apdu->ins, 0xE6);
  EXPECT_TRUE(apdu->is_case1());
  EXPECT_EQ(apdu->case2_le(), 256U);
  EXPECT_EQ(apdu->case3_data()->size(), 0U);
  // 5 bytes: P3 alone: Le for a case 2 command; for a case 3 one only P3=00 (Lc=0) is valid.
  apdu = CommandApdu::parse(hex("80 E4 00 00 1C"));
  ASSERT_TRUE(apdu.has_value());
  EXPECT_FALSE(apdu->is_case1());
  EXPECT_EQ(apdu->case2_le(), 0x1CU);
  EXPECT_FALSE(apdu->case3_data().has_value());
  apdu = CommandApdu::parse(hex("00 B0 00 00 00"));
  EXPECT_EQ(apdu->case2_le(), 256U);
  EXPECT_TRUE(apdu->is_case1());
  EXPECT_EQ(apdu->case3_data()->size(), 0U);
}

TEST(VcardCommandApdu, Case3And4) {
  // CommandApdu is a view: the bytes must outlive it.
  const Bytes select = hex("00 A4 08 0C 04 DF00 5038");
  auto apdu = CommandApdu::parse(select);
  ASSERT_TRUE(apdu.has_value());
  EXPECT_EQ(Bytes(apdu->case3_data()->begin(), apdu->case3_data()->end()), hex("DF005038"));
  EXPECT_FALSE(apdu->case2_le().has_value());
  EXPECT_FALSE(apdu->is_case1());
  // With a trailing Le (case 4 as PC/SC applications write it).
  const Bytes sign = hex("00 2A 9E 9A 02 AA BB 00");
  apdu = CommandApdu::parse(sign);
  ASSERT_TRUE(apdu.has_value());
  EXPECT_EQ(Bytes(apdu->case3_data()->begin(), apdu->case3_data()->end()), hex("AABB"));
}

TEST(VcardCommandApdu, RejectsWhatIsNotAShortApdu) {
  EXPECT_FALSE(CommandApdu::parse({}).has_value());
  EXPECT_FALSE(CommandApdu::parse(hex("00 A4 02")).has_value());
  EXPECT_FALSE(CommandApdu::parse(hex("00 A4 02 0C 02 3F")).has_value());           // short
  EXPECT_FALSE(CommandApdu::parse(hex("00 A4 02 0C 02 3F 00 00 00")).has_value());  // long
  EXPECT_FALSE(CommandApdu::parse(hex("00 B0 00 00 00 01 00")).has_value());        // extended
}

TEST(VcardHex, RoundTripsAndRejectsJunk) {
  EXPECT_EQ(to_hex(hex("00 a4 Ff")), "00A4FF");
  EXPECT_FALSE(from_hex("0").has_value());
  EXPECT_FALSE(from_hex("0g").has_value());
  EXPECT_FALSE(from_hex("00:11").has_value());
  EXPECT_EQ(from_hex("")->size(), 0U);
}

TEST(VcardApduLog, MasksPinCommandsOnly) {
  const Bytes verify = verify_apdu("1234");
  EXPECT_EQ(describe_command_apdu(verify), "0020000108 <8 bytes masked>");
  EXPECT_THAT(describe_command_apdu(verify), ::testing::Not(::testing::HasSubstr("241234")));
  EXPECT_EQ(describe_command_apdu(hex("00 24 00 01 10 24 12 34 FF FF FF FF FF 24 43 21 FF FF FF "
                                      "FF FF")),
            "0024000110 <16 bytes masked>");
  EXPECT_EQ(describe_command_apdu(hex("00 A4 08 0C 04 DF00 5038")), "00A4080C04 DF005038");
  EXPECT_EQ(describe_command_apdu(hex("00 20 00 01 00")), "0020000100");
  EXPECT_EQ(describe_response_apdu(hex("90 00")), "9000");
  EXPECT_EQ(describe_response_apdu(hex("01 02 90 00")), "0102 9000");
  EXPECT_EQ(describe_response_apdu(Bytes(258, 0x00)), "<256 bytes> 0000");
  EXPECT_EQ(describe_response_apdu(hex("90")), "<90: no status word>");
}

}  // namespace
}  // namespace saferchat::vcard::testing
