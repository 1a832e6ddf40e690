// SPDX-License-Identifier: Apache-2.0
// The PIN block of the applet manuals §3.2: 2 L P P P P [P/F]... F F.
#include "vcard/pin_block.hpp"

#include <gtest/gtest.h>

#include "test_card.hpp"

namespace saferchat::vcard::testing {
namespace {

TEST(VcardPinBlock, EncodesLengthDigitsAndPadding) {
  EXPECT_EQ(pin_block("1234"), hex("24 12 34 FF FF FF FF FF"));
  EXPECT_EQ(pin_block("12345"), hex("25 12 34 5F FF FF FF FF"));
  EXPECT_EQ(pin_block("000000000000"), hex("2C 00 00 00 00 00 00 FF"));
}

TEST(VcardPinBlock, RefusesWhatIsNotAPin) {
  EXPECT_FALSE(encode_pin_block("123").has_value());
  EXPECT_FALSE(encode_pin_block("1234567890123").has_value());
  EXPECT_FALSE(encode_pin_block("12a4").has_value());
  EXPECT_FALSE(encode_pin_block("").has_value());
}

TEST(VcardPinBlock, WellFormedBlocks) {
  EXPECT_TRUE(is_well_formed_pin_block(hex("24 12 34 FF FF FF FF FF")));
  EXPECT_TRUE(is_well_formed_pin_block(hex("2C 98 76 54 32 10 98 FF")));
  EXPECT_FALSE(is_well_formed_pin_block(hex("14 12 34 FF FF FF FF FF")));  // control nibble
  EXPECT_FALSE(is_well_formed_pin_block(hex("23 12 3F FF FF FF FF FF")));  // 3 digits
  EXPECT_FALSE(is_well_formed_pin_block(hex("2D 12 34 56 78 90 12 3F")));  // 13 digits
  EXPECT_FALSE(is_well_formed_pin_block(hex("24 12 3A FF FF FF FF FF")));  // not a digit
  EXPECT_FALSE(is_well_formed_pin_block(hex("24 12 34 5F FF FF FF FF")));  // digit in padding
  EXPECT_FALSE(is_well_formed_pin_block(hex("24 12 34 FF FF FF FF")));     // 7 bytes
}

TEST(VcardPinBlock, MatchesOnlyTheSameEightBytes) {
  const PinBlock block = *encode_pin_block("1234");
  EXPECT_TRUE(block.matches(hex("24 12 34 FF FF FF FF FF")));
  EXPECT_FALSE(block.matches(hex("24 12 35 FF FF FF FF FF")));
  EXPECT_FALSE(block.matches(hex("24 12 34 FF FF FF FF")));
}

}  // namespace
}  // namespace saferchat::vcard::testing
