// SPDX-License-Identifier: Apache-2.0
// The BELPIC PIN block (applet reference manuals 1.7 and 1.8, §3.2 "Format"): 8 bytes, by
// nibble C L P P P P [P|F]... F F with C = 2, L = number of digits (4..12), the digits in BCD
// and F padding. The block is the only form in which the virtual card keeps a PIN.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace saferchat::vcard {

inline constexpr std::size_t pin_block_size = 8;
inline constexpr std::size_t min_pin_digits = 4;   // manual §3.2, Table 3
inline constexpr std::size_t max_pin_digits = 12;  // L from '4' to 'C'

// 8 bytes that are wiped when the object goes away.
class PinBlock {
 public:
  PinBlock() = default;
  explicit PinBlock(std::span<const std::uint8_t, pin_block_size> bytes) noexcept;
  PinBlock(const PinBlock& other) noexcept = default;
  PinBlock& operator=(const PinBlock& other) noexcept = default;
  PinBlock(PinBlock&& other) noexcept = default;
  PinBlock& operator=(PinBlock&& other) noexcept = default;
  ~PinBlock();

  [[nodiscard]] std::span<const std::uint8_t, pin_block_size> bytes() const noexcept {
    return bytes_;
  }
  // Constant-time comparison with a block received from outside.
  [[nodiscard]] bool matches(std::span<const std::uint8_t> candidate) const noexcept;

 private:
  std::array<std::uint8_t, pin_block_size> bytes_{};
};

// The block for a PIN of 4..12 decimal digits; nullopt for anything else.
[[nodiscard]] std::optional<PinBlock> encode_pin_block(std::string_view digits);

// True when the bytes follow §3.2: 8 bytes, control nibble 2, length 4..12, BCD digits, then
// only F nibbles.
[[nodiscard]] bool is_well_formed_pin_block(std::span<const std::uint8_t> bytes) noexcept;

}  // namespace saferchat::vcard
