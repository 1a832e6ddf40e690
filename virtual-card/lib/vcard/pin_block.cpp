// SPDX-License-Identifier: Apache-2.0
#include "vcard/pin_block.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace saferchat::vcard {

namespace {

constexpr std::uint8_t control_nibble = 0x2;  // §3.2: C "contains always '2'"
constexpr std::uint8_t filler_nibble = 0xF;

std::uint8_t nibble_at(std::span<const std::uint8_t> bytes, std::size_t index) noexcept {
  const std::uint8_t byte = bytes[index / 2];
  return index % 2 == 0 ? static_cast<std::uint8_t>(byte >> 4)
                        : static_cast<std::uint8_t>(byte & 0x0FU);
}

}  // namespace

PinBlock::PinBlock(std::span<const std::uint8_t, pin_block_size> bytes) noexcept {
  std::copy(bytes.begin(), bytes.end(), bytes_.begin());
}

PinBlock::~PinBlock() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

bool PinBlock::matches(std::span<const std::uint8_t> candidate) const noexcept {
  return candidate.size() == pin_block_size &&
         CRYPTO_memcmp(bytes_.data(), candidate.data(), pin_block_size) == 0;
}

std::optional<PinBlock> encode_pin_block(std::string_view digits) {
  if (digits.size() < min_pin_digits || digits.size() > max_pin_digits ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::array<std::uint8_t, pin_block_size * 2> nibbles{};
  nibbles.fill(filler_nibble);
  nibbles[0] = control_nibble;
  nibbles[1] = static_cast<std::uint8_t>(digits.size());
  for (std::size_t i = 0; i < digits.size(); ++i) {
    nibbles[2 + i] = static_cast<std::uint8_t>(digits[i] - '0');
  }
  std::array<std::uint8_t, pin_block_size> bytes{};
  for (std::size_t i = 0; i < pin_block_size; ++i) {
    bytes[i] = static_cast<std::uint8_t>((nibbles[2 * i] << 4) | nibbles[2 * i + 1]);
  }
  PinBlock block(bytes);
  OPENSSL_cleanse(nibbles.data(), nibbles.size());
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return block;
}

bool is_well_formed_pin_block(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() != pin_block_size || nibble_at(bytes, 0) != control_nibble) {
    return false;
  }
  const std::size_t length = nibble_at(bytes, 1);
  if (length < min_pin_digits || length > max_pin_digits) {
    return false;
  }
  for (std::size_t i = 2; i < pin_block_size * 2; ++i) {
    const std::uint8_t nibble = nibble_at(bytes, i);
    if (i < 2 + length ? nibble > 9 : nibble != filler_nibble) {
      return false;
    }
  }
  return true;
}

}  // namespace saferchat::vcard
