// SPDX-License-Identifier: Apache-2.0
#include "pin_verify.hpp"

namespace saferchat::pinpad {
namespace {

// The longest structure the CCID driver accepts: the header and a short case 4 APDU.
constexpr std::size_t max_apdu_size = 5 + 255 + 1;
constexpr std::size_t apdu_header_size = 5;  // CLA INS P1 P2 Lc
constexpr std::size_t bits_per_byte = 8;

std::uint16_t little_endian_16(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint16_t>(bytes[at] | (bytes[at + 1] << 8U));
}

std::uint32_t little_endian_32(std::span<const std::uint8_t> bytes, std::size_t at) {
  return std::uint32_t{bytes[at]} | (std::uint32_t{bytes[at + 1]} << 8U) |
         (std::uint32_t{bytes[at + 2]} << 16U) | (std::uint32_t{bytes[at + 3]} << 24U);
}

// bmFormatString b1-0 (CCID §6.1.11.7): 00 binary, 01 BCD, 10 ASCII.
enum class PinCoding : std::uint8_t { binary = 0, bcd = 1, ascii = 2 };

struct Layout {
  PinCoding coding = PinCoding::bcd;
  std::size_t digit_bits = 4;
  std::size_t pin_offset_bits = 0;  // from the first data byte after Lc, most significant first
  bool right_justified = false;
  std::size_t block_bits = 0;   // bmPINBlockString b3-0, in bytes
  std::size_t length_bits = 0;  // bmPINBlockString b7-4: size of the PIN length field
  std::size_t length_offset_bits = 0;
};

Layout layout_of(const PinVerifyStructure& s) {
  Layout layout;
  layout.coding = static_cast<PinCoding>(s.format_string & 0x03U);
  // BCD: a nibble per digit; binary and ASCII: a byte per digit.
  layout.digit_bits = layout.coding == PinCoding::bcd ? 4 : bits_per_byte;
  // bmFormatString b7: units of the position (1 bytes, 0 bits); b6-3 the position.
  const std::size_t pin_unit = (s.format_string & 0x80U) != 0 ? bits_per_byte : 1;
  layout.pin_offset_bits = ((s.format_string >> 3U) & 0x0FU) * pin_unit;
  layout.right_justified = (s.format_string & 0x04U) != 0;
  layout.block_bits = (s.pin_block_string & 0x0FU) * bits_per_byte;
  layout.length_bits = s.pin_block_string >> 4U;
  // bmPINLengthFormat b4: units (1 bytes, 0 bits); b3-0 the position.
  const std::size_t length_unit = (s.pin_length_format & 0x10U) != 0 ? bits_per_byte : 1;
  layout.length_offset_bits = (s.pin_length_format & 0x0FU) * length_unit;
  return layout;
}

// Writes `count` bits of `value` (most significant first) at bit `offset` of `data`; with
// `merge` the bits are OR-ed into what is there, else they replace it.
void put_bits(std::span<std::uint8_t> data, std::size_t offset, unsigned value, std::size_t count,
              bool merge) {
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t bit = offset + i;
    const auto mask = static_cast<std::uint8_t>(0x80U >> (bit % bits_per_byte));
    const bool set = ((value >> (count - 1 - i)) & 1U) != 0;
    std::uint8_t& byte = data[bit / bits_per_byte];
    if (set) {
      byte = static_cast<std::uint8_t>(byte | mask);
    } else if (!merge) {
      byte = static_cast<std::uint8_t>(byte & ~mask);
    }
  }
}

Refusal field(const char* reason) { return Refusal{StructureError::field, reason}; }

}  // namespace

Bytes feature_list() {
  const std::uint32_t code = verify_pin_direct_code;
  return {feature_verify_pin_direct,
          0x04,
          static_cast<std::uint8_t>(code >> 24U),
          static_cast<std::uint8_t>((code >> 16U) & 0xFFU),
          static_cast<std::uint8_t>((code >> 8U) & 0xFFU),
          static_cast<std::uint8_t>(code & 0xFFU)};
}

std::variant<PinVerifyStructure, Refusal> parse_pin_verify_structure(
    std::span<const std::uint8_t> bytes) {
  // What the CCID driver checks before the reader sees anything (IFD_NOT_SUPPORTED).
  if (bytes.size() < pin_verify_header_size + 4) {
    return Refusal{StructureError::length, "shorter than 19 + 4 bytes"};
  }
  if (bytes.size() > pin_verify_header_size + max_apdu_size) {
    return Refusal{StructureError::length, "longer than a short APDU allows"};
  }
  if (std::size_t{little_endian_32(bytes, 15)} + pin_verify_header_size != bytes.size()) {
    return Refusal{StructureError::length, "ulDataLength + 19 is not the size sent"};
  }
  PinVerifyStructure s;
  s.timer_out = bytes[0];
  s.timer_out2 = bytes[1];
  s.format_string = bytes[2];
  s.pin_block_string = bytes[3];
  s.pin_length_format = bytes[4];
  s.pin_max_extra_digit = little_endian_16(bytes, 5);
  s.entry_validation = bytes[7];
  s.number_message = bytes[8];
  s.lang_id = little_endian_16(bytes, 9);
  s.msg_index = bytes[11];
  s.teo_prologue = {bytes[12], bytes[13], bytes[14]};
  s.apdu.assign(bytes.begin() + pin_verify_header_size, bytes.end());
  // The CCID driver corrects this one (a Cherry reader crashes on it) instead of refusing.
  if (s.entry_validation == 0 || s.entry_validation > 0x07) {
    s.entry_validation = entry_on_ok_key;
  }

  // What the reader's firmware refuses (CCID §6.1.11.7 field by field).
  if ((s.format_string & 0x03U) == 0x03U) {
    return field("bmFormatString: PIN coding 11 is reserved");
  }
  if ((s.pin_length_format & 0xE0U) != 0) {
    return field("bmPINLengthFormat: bits 7-5 are reserved");
  }
  if ((s.pin_block_string & 0x0FU) == 0) {
    return field("bmPINBlockString: PIN block of 0 bytes");
  }
  if (s.max_digits() == 0 || s.min_digits() == 0 || s.min_digits() > s.max_digits()) {
    return field("wPINMaxExtraDigit: minimum 0 or above the maximum");
  }
  if (s.number_message > 0x03 && s.number_message != 0xFF) {
    return field("bNumberMessage: not 0, 1, 2, 3 or FF");
  }
  if (s.apdu.size() < apdu_header_size) {
    return field("abData: no Lc");
  }
  const std::size_t lc = s.apdu[4];
  if (lc == 0 ||
      (s.apdu.size() != apdu_header_size + lc && s.apdu.size() != apdu_header_size + lc + 1)) {
    return field("abData: Lc does not match the data");
  }
  const Layout layout = layout_of(s);
  const std::size_t data_bits = lc * bits_per_byte;
  if (layout.block_bits > data_bits) {
    return field("bmPINBlockString: PIN block longer than the data");
  }
  if (layout.pin_offset_bits + s.max_digits() * layout.digit_bits > layout.block_bits) {
    return field("the longest PIN does not fit in the PIN block");
  }
  if (layout.length_bits > 0) {
    if (layout.length_offset_bits + layout.length_bits > data_bits) {
      return field("bmPINLengthFormat: length field outside the data");
    }
    if (layout.length_bits < 16 && s.max_digits() >= (std::size_t{1} << layout.length_bits)) {
      return field("bmPINBlockString: the length field cannot hold the longest PIN");
    }
  }
  return s;
}

std::variant<Bytes, Refusal> build_verify_apdu(const PinVerifyStructure& structure,
                                               std::string_view digits) {
  if (digits.size() < structure.min_digits() || digits.size() > structure.max_digits()) {
    return field("PIN length outside wPINMaxExtraDigit");
  }
  const Layout layout = layout_of(structure);
  Bytes apdu = structure.apdu;
  const std::span<std::uint8_t> data = std::span(apdu).subspan(apdu_header_size);
  const std::size_t pin_bits = digits.size() * layout.digit_bits;
  std::size_t offset =
      layout.right_justified ? layout.block_bits - pin_bits : layout.pin_offset_bits;
  if (offset < layout.pin_offset_bits || offset + pin_bits > layout.block_bits) {
    return field("the PIN does not fit in the PIN block");
  }
  for (const char c : digits) {
    if (c < '0' || c > '9') {
      return field("not a digit");
    }
    const auto digit = static_cast<unsigned>(c - '0');
    const unsigned coded = layout.coding == PinCoding::ascii ? static_cast<unsigned>(c) : digit;
    put_bits(data, offset, coded, layout.digit_bits, false);
    offset += layout.digit_bits;
  }
  if (layout.length_bits > 0) {
    // OR-ed in, as CCID readers do: the template's length field must be zero.
    put_bits(data, layout.length_offset_bits, static_cast<unsigned>(digits.size()),
             layout.length_bits, true);
  }
  return apdu;
}

}  // namespace saferchat::pinpad
