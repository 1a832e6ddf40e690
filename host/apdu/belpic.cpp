// SPDX-License-Identifier: Apache-2.0
#include "apdu/belpic.hpp"

#include <algorithm>
#include <string>

#include "wire/error.hpp"

namespace saferchat::belpic {

CommandApdu select_applet() {
  return {0x00, 0xA4, 0x04, 0x0C, SecureBytes(pkcs15_aid.begin(), pkcs15_aid.end()), {}};
}

CommandApdu select_applet_instance() {
  return {0x00, 0xA4, 0x04, 0x0C, SecureBytes(applet_aid.begin(), applet_aid.end()), {}};
}

CommandApdu select_path(const FilePath& path) {
  return {0x00, 0xA4, 0x08, 0x0C, SecureBytes(path.begin(), path.end()), {}};
}

CommandApdu read_binary(std::uint16_t offset, std::uint16_t le) {
  return {0x00,
          0xB0,
          static_cast<std::uint8_t>(offset >> 8U),
          static_cast<std::uint8_t>(offset & 0xFFU),
          {},
          le};
}

CommandApdu get_card_data(bool with_pin_tries) {
  return {0x80, 0xE4,
          0x00, static_cast<std::uint8_t>(with_pin_tries ? 0x01 : 0x00),
          {},   static_cast<std::uint16_t>(with_pin_tries ? 0x1F : 0x1C)};
}

CommandApdu verify_pin(const SecureBytes& pin_block) {
  return {0x00, 0x20, 0x00, 0x01, pin_block, {}};
}

CommandApdu pin_status() { return {0x00, 0x20, 0x00, 0x01, {}, {}}; }

CommandApdu mse_set_signature(std::uint8_t algorithm, std::uint8_t key) {
  return {0x00, 0x22, 0x41, 0xB6, SecureBytes{0x04, 0x80, algorithm, 0x84, key}, {}};
}

CommandApdu pso_compute_signature(std::span<const std::uint8_t> hash) {
  return {0x00, 0x2A, 0x9E, 0x9A, SecureBytes(hash.begin(), hash.end()), {}};
}

CommandApdu log_off() { return {0x80, 0xE6, 0x00, 0x00, {}, {}}; }

SecureBytes make_pin_block(std::span<const char> digits) {
  if (digits.size() < 4 || digits.size() > 12 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // The detail names only the length: never the digits.
    throw Error(ErrorCode::pin_invalid_format,
                "PIN of " + std::to_string(digits.size()) + " characters, not 4-12 digits");
  }
  SecureBytes block(8, 0xFF);
  block[0] = static_cast<std::uint8_t>(0x20U | digits.size());
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const auto nibble = static_cast<std::uint8_t>(digits[i] - '0');
    std::uint8_t& byte = block[1 + i / 2];
    byte = (i % 2 == 0) ? static_cast<std::uint8_t>((unsigned{nibble} << 4U) | 0x0FU)
                        : static_cast<std::uint8_t>((byte & 0xF0U) | nibble);
  }
  return block;
}

std::optional<CardData> parse_card_data(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 28) {
    return std::nullopt;
  }
  CardData data;
  std::copy_n(bytes.begin(), data.serial.size(), data.serial.begin());
  data.applet_version = bytes[21];
  data.life_cycle = bytes[27];
  if (bytes.size() >= 29) {
    data.pin_tries_left = bytes[28];
  }
  return data;
}

std::optional<std::size_t> der_element_size(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 2 || bytes[0] != 0x30) {
    return std::nullopt;
  }
  const std::uint8_t first = bytes[1];
  if (first < 0x80) {
    return 2 + std::size_t{first};
  }
  const std::size_t count = first & 0x7FU;
  if (count == 0 || count > 3 || bytes.size() < 2 + count) {
    return std::nullopt;  // indefinite form or absurd sizes are not certificates
  }
  std::size_t length = 0;
  for (std::size_t i = 0; i < count; ++i) {
    length = (length << 8U) | bytes[2 + i];
  }
  return 2 + count + length;
}

}  // namespace saferchat::belpic
