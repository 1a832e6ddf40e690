// SPDX-License-Identifier: Apache-2.0
#include "vcard/apdu.hpp"

#include <algorithm>

namespace saferchat::vcard {

std::optional<CommandApdu> CommandApdu::parse(std::span<const std::uint8_t> bytes) {
  constexpr std::size_t header_size = 4;
  if (bytes.size() < header_size) {
    return std::nullopt;
  }
  CommandApdu apdu;
  apdu.cla = bytes[0];
  apdu.ins = bytes[1];
  apdu.p1 = bytes[2];
  apdu.p2 = bytes[3];
  if (bytes.size() == header_size) {
    return apdu;
  }
  if (bytes.size() == header_size + 1) {
    apdu.lone_p3_ = bytes[header_size];
    return apdu;
  }
  const std::size_t lc = bytes[header_size];
  if (lc == 0) {
    return std::nullopt;  // 00 then more bytes: an extended-length APDU
  }
  const std::size_t body = bytes.size() - header_size - 1;
  // Lc data, optionally followed by one Le byte (case 4 as written by PC/SC applications).
  if (body != lc && body != lc + 1) {
    return std::nullopt;
  }
  apdu.data_ = bytes.subspan(header_size + 1, lc);
  return apdu;
}

std::optional<std::span<const std::uint8_t>> CommandApdu::case3_data() const noexcept {
  if (lone_p3_.has_value() && *lone_p3_ != 0) {
    return std::nullopt;  // P3 announces data that is not there
  }
  return data_;
}

std::optional<std::size_t> CommandApdu::case2_le() const noexcept {
  if (!data_.empty()) {
    return std::nullopt;
  }
  const std::size_t le = p3_or_zero();
  return le == 0 ? 256 : le;
}

std::vector<std::uint8_t> response(std::span<const std::uint8_t> data, std::uint16_t status) {
  std::vector<std::uint8_t> out(data.size() + 2);
  std::copy(data.begin(), data.end(), out.begin());
  out[data.size()] = static_cast<std::uint8_t>(status >> 8);
  out[data.size() + 1] = static_cast<std::uint8_t>(status & 0xFFU);
  return out;
}

std::vector<std::uint8_t> response(std::uint16_t status) { return response({}, status); }

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr std::string_view digits = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t byte : bytes) {
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 0x0FU]);
  }
  return out;
}

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  int high = -1;
  for (const char c : text) {
    if (c == ' ') {
      continue;
    }
    const int value = hex_value(c);
    if (value < 0) {
      return std::nullopt;
    }
    if (high < 0) {
      high = value;
    } else {
      out.push_back(static_cast<std::uint8_t>((high << 4) | value));
      high = -1;
    }
  }
  if (high >= 0) {
    return std::nullopt;
  }
  return out;
}

}  // namespace saferchat::vcard
