// SPDX-License-Identifier: Apache-2.0
// The PIN pad reader's pure parts (tools/pinpad-reader): PIN_VERIFY_STRUCTURE parsing, the
// VERIFY APDU a CCID reader builds from it, and the scripted keypad. The host's own structure
// (host/apdu/pin_pad.cpp) and the virtual card's PIN block check are the counterparts.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "apdu/pin_pad.hpp"
#include "keypad.hpp"
#include "pin_verify.hpp"
#include "vcard/pin_block.hpp"

namespace saferchat::pinpad {
namespace {

Bytes header(std::uint8_t format, std::uint8_t block, std::uint8_t length_format,
             std::uint8_t min_digits, std::uint8_t max_digits, const Bytes& apdu) {
  Bytes bytes{1, 1, format, block, length_format, max_digits, min_digits, 0x02, 0x01, 0x09, 0x04,
              0, 0, 0,      0};
  const auto size = static_cast<std::uint32_t>(apdu.size());
  for (unsigned shift = 0; shift < 32; shift += 8) {
    bytes.push_back(static_cast<std::uint8_t>((size >> shift) & 0xFFU));
  }
  bytes.insert(bytes.end(), apdu.begin(), apdu.end());
  return bytes;
}

PinVerifyStructure parsed(const Bytes& bytes) {
  auto result = parse_pin_verify_structure(bytes);
  if (const auto* refusal = std::get_if<Refusal>(&result)) {
    ADD_FAILURE() << refusal->reason;
    return {};
  }
  return std::get<PinVerifyStructure>(result);
}

Bytes built(const PinVerifyStructure& structure, const std::string& digits) {
  auto result = build_verify_apdu(structure, digits);
  if (const auto* refusal = std::get_if<Refusal>(&result)) {
    ADD_FAILURE() << refusal->reason;
    return {};
  }
  return std::get<Bytes>(result);
}

std::optional<StructureError> refusal_of(const Bytes& bytes) {
  auto result = parse_pin_verify_structure(bytes);
  if (const auto* refusal = std::get_if<Refusal>(&result)) {
    return refusal->kind;
  }
  return std::nullopt;
}

// The host's structure with another first byte of the PIN block template.
Bytes host_structure_with(std::uint8_t first) {
  Bytes bytes = pin_pad::verify_structure(30);
  bytes.at(pin_verify_header_size + 5) = first;
  return bytes;
}

TEST(PinPadReaderCore, FeatureListIsVerifyPinDirectAtPcscLitesControlCode) {
  EXPECT_EQ(feature_list(), (Bytes{0x06, 0x04, 0x42, 0x33, 0x00, 0x06}));
  EXPECT_EQ(get_feature_request, 0x42000D48U);  // SCARD_CTL_CODE(3400) on pcsc-lite
}

TEST(PinPadReaderCore, ParsesTheHostsStructureFieldByField) {
  const PinVerifyStructure s = parsed(pin_pad::verify_structure(30));
  EXPECT_EQ(s.timer_out, 30);
  EXPECT_EQ(s.timer_out2, 30);
  EXPECT_EQ(s.format_string, 0x89);
  EXPECT_EQ(s.pin_block_string, 0x47);
  EXPECT_EQ(s.pin_length_format, 0x04);
  EXPECT_EQ(s.min_digits(), 4U);
  EXPECT_EQ(s.max_digits(), 12U);
  EXPECT_EQ(s.entry_validation, 0x02);
  EXPECT_EQ(s.number_message, 0x01);
  EXPECT_EQ(s.lang_id, 0x0409);
  EXPECT_EQ(s.msg_index, 0x00);
  EXPECT_EQ(s.apdu,
            (Bytes{0x00, 0x20, 0x00, 0x01, 0x08, 0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
}

TEST(PinPadReaderCore, BuildsTheBelpicPinBlockTheCardExpects) {
  const PinVerifyStructure s = parsed(pin_pad::verify_structure(30));
  EXPECT_EQ(built(s, "1234"),
            (Bytes{0x00, 0x20, 0x00, 0x01, 0x08, 0x24, 0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(built(s, "12345"),
            (Bytes{0x00, 0x20, 0x00, 0x01, 0x08, 0x25, 0x12, 0x34, 0x5F, 0xFF, 0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(built(s, "123456789012"),
            (Bytes{0x00, 0x20, 0x00, 0x01, 0x08, 0x2C, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0xFF}));
  // OpenSC's block size 8 (the host sends eid-mw's 7) gives the same APDU.
  Bytes opensc = pin_pad::verify_structure(30);
  opensc[3] = 0x48;
  EXPECT_EQ(built(parsed(opensc), "1234"), built(s, "1234"));
  // The same block as the virtual card's own encoding of the PIN (manual §3.2).
  const Bytes apdu = built(s, "1234");
  const auto block = vcard::encode_pin_block("1234");
  ASSERT_TRUE(block.has_value());
  EXPECT_TRUE(block->matches(std::span(apdu).subspan(5)));
}

// The length is OR-ed into the template as CCID readers do: with 2F the F stays, and the card
// gets a block that §3.2 does not allow.
TEST(PinPadReaderCore, OldTemplate2FKeepsItsFAndIsNoPinBlock) {
  const Bytes apdu = built(parsed(host_structure_with(0x2F)), "1234");
  EXPECT_EQ(apdu,
            (Bytes{0x00, 0x20, 0x00, 0x01, 0x08, 0x2F, 0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
  EXPECT_FALSE(vcard::is_well_formed_pin_block(std::span(apdu).subspan(5)));
  const Bytes good = built(parsed(host_structure_with(0x20)), "1234");
  EXPECT_TRUE(vcard::is_well_formed_pin_block(std::span(good).subspan(5)));
}

TEST(PinPadReaderCore, AsciiLeftAndBcdRightJustified) {
  // bmFormatString 82: byte units, position 0, left, ASCII; 8-byte block, no length field.
  const Bytes ascii = {0x00, 0x20, 0x00, 0x01, 0x08, 0xFF, 0xFF,
                       0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(built(parsed(header(0x82, 0x08, 0x00, 4, 8, ascii)), "1234"),
            (Bytes{0x00, 0x20, 0x00, 0x01, 0x08, 0x31, 0x32, 0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xFF}));
  // bmFormatString 05: bit units, position 0, right justified, BCD; 4-byte block.
  const Bytes bcd = {0x00, 0x20, 0x00, 0x01, 0x04, 0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(built(parsed(header(0x05, 0x04, 0x00, 3, 8, bcd)), "123"),
            (Bytes{0x00, 0x20, 0x00, 0x01, 0x04, 0xFF, 0xFF, 0xF1, 0x23}));
}

TEST(PinPadReaderCore, SizesTheCcidDriverRefuses) {
  const Bytes good = pin_pad::verify_structure(30);
  EXPECT_EQ(refusal_of(Bytes(good.begin(), good.begin() + 22)), StructureError::length);
  Bytes longer = good;
  longer.push_back(0x00);  // ulDataLength + 19 is no longer the size
  EXPECT_EQ(refusal_of(longer), StructureError::length);
  Bytes wrong_length = good;
  wrong_length[15] = 14;
  EXPECT_EQ(refusal_of(wrong_length), StructureError::length);
  EXPECT_EQ(refusal_of(good), std::nullopt);
}

TEST(PinPadReaderCore, FieldsAReaderRefuses) {
  const Bytes apdu = {0x00, 0x20, 0x00, 0x01, 0x08, 0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(refusal_of(header(0x89, 0x47, 0x04, 4, 12, apdu)), std::nullopt);
  EXPECT_EQ(refusal_of(header(0x8B, 0x47, 0x04, 4, 12, apdu)), StructureError::field);  // 11
  EXPECT_EQ(refusal_of(header(0x89, 0x47, 0x24, 4, 12, apdu)), StructureError::field);  // RFU
  EXPECT_EQ(refusal_of(header(0x89, 0x40, 0x04, 4, 12, apdu)), StructureError::field);  // 0 B
  EXPECT_EQ(refusal_of(header(0x89, 0x47, 0x04, 8, 6, apdu)), StructureError::field);   // min
  EXPECT_EQ(refusal_of(header(0x89, 0x47, 0x04, 4, 15, apdu)), StructureError::field);  // fit
  EXPECT_EQ(refusal_of(header(0x89, 0x37, 0x04, 4, 12, apdu)), StructureError::field);  // 3 b
  EXPECT_EQ(refusal_of(header(0x89, 0x49, 0x04, 4, 12, apdu)), StructureError::field);  // >Lc
  Bytes short_lc = apdu;
  short_lc[4] = 0x06;  // 6 data bytes announced, 8 sent
  EXPECT_EQ(refusal_of(header(0x89, 0x47, 0x04, 4, 12, short_lc)), StructureError::field);
  Bytes messages = header(0x89, 0x47, 0x04, 4, 12, apdu);
  messages[8] = 0x04;
  EXPECT_EQ(refusal_of(messages), StructureError::field);
  // bEntryValidationCondition 00 is corrected to the OK key, as the CCID driver does.
  Bytes no_condition = header(0x89, 0x47, 0x04, 4, 12, apdu);
  no_condition[7] = 0x00;
  EXPECT_EQ(parsed(no_condition).entry_validation, entry_on_ok_key);
}

TEST(PinPadReaderCore, BuildRefusesPinsOutsideTheLimits) {
  const PinVerifyStructure s = parsed(pin_pad::verify_structure(30));
  for (const std::string digits : {"123", "1234567890123", "12a4"}) {
    EXPECT_TRUE(std::holds_alternative<Refusal>(build_verify_apdu(s, digits))) << digits;
  }
}

TEST(PinPadKeypad, ParsesItsLines) {
  const auto keys = [](const std::string& line) {
    auto result = parse_keypad_line(line);
    std::string out;
    if (const auto* error = std::get_if<std::string>(&result)) {
      return "error " + *error;
    }
    const auto& command = std::get<KeypadCommand>(result);
    if (command.action != KeypadAction::keys) {
      return std::string(command.action == KeypadAction::clear ? "clear" : "status");
    }
    for (const Key& key : command.keys) {
      out += key.kind == KeyKind::digit    ? std::string(1, key.digit)
             : key.kind == KeyKind::ok     ? "<ok>"
             : key.kind == KeyKind::cancel ? "<cancel>"
                                           : "<no key>";
    }
    return out;
  };
  EXPECT_EQ(keys("pin 1234"), "1234<ok>");
  EXPECT_EQ(keys("  keys 12\r"), "12");
  EXPECT_EQ(keys("ok"), "<ok>");
  EXPECT_EQ(keys("cancel"), "<cancel>");
  EXPECT_EQ(keys("timeout"), "<no key>");
  EXPECT_EQ(keys("clear"), "clear");
  EXPECT_EQ(keys("status"), "status");
  EXPECT_EQ(keys("pin"), "error pin needs 1 to 64 digits");
  EXPECT_EQ(keys("pin 12a4"), "error pin needs 1 to 64 digits");
  EXPECT_EQ(keys("ok now"), "error ok takes no argument");
  EXPECT_EQ(keys("dance"), "error unknown command \"dance\"");
}

std::vector<Key> typed(const std::string& line) {
  return std::get<KeypadCommand>(parse_keypad_line(line)).keys;
}

TEST(PinPadKeypad, EntryRulesOfTheStructure) {
  const PinVerifyStructure s = parsed(pin_pad::verify_structure(30));
  Keypad keypad;
  keypad.push(typed("pin 1234"));
  const Entry entry = keypad.collect(s);
  EXPECT_EQ(entry.end, EntryEnd::entered);
  EXPECT_EQ(entry.digits, "1234");
  // OK below the minimum is ignored; the entry goes on to Cancel.
  keypad.push(typed("pin 12"));
  keypad.push(typed("cancel"));
  EXPECT_EQ(keypad.collect(s).end, EntryEnd::cancelled);
  // Digits beyond the maximum are not taken.
  keypad.push(typed("pin 12345678901234"));
  const Entry longest = keypad.collect(s);
  EXPECT_EQ(longest.end, EntryEnd::entered);
  EXPECT_EQ(longest.digits, "123456789012");
  EXPECT_EQ(keypad.queued(), 0U);
  // bEntryValidationCondition 01: the entry ends at the maximum, without OK.
  Bytes on_max = pin_pad::verify_structure(30);
  on_max[5] = 4;  // max 4 digits
  on_max[7] = entry_on_max_size;
  keypad.push(typed("keys 12345"));
  const Entry at_max = keypad.collect(parsed(on_max));
  EXPECT_EQ(at_max.end, EntryEnd::entered);
  EXPECT_EQ(at_max.digits, "1234");
  EXPECT_EQ(keypad.queued(), 1U);  // the 5 waits for the next entry
  keypad.clear();
  EXPECT_EQ(keypad.queued(), 0U);
}

TEST(PinPadKeypad, NoKeyEndsWhenBTimerOutRunsOut) {
  Keypad keypad;
  keypad.push(typed("timeout"));
  keypad.push(typed("pin 1234"));  // not reached: nobody typed during that entry
  EXPECT_EQ(keypad.collect(parsed(pin_pad::verify_structure(1))).end, EntryEnd::timed_out);
  EXPECT_EQ(keypad.queued(), 5U);
}

}  // namespace
}  // namespace saferchat::pinpad
