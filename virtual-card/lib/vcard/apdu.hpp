// SPDX-License-Identifier: Apache-2.0
// Command and response APDUs as the BELPIC applet sees them: short APDUs only, T=0 (applet
// reference manuals 1.7 §6 and 1.8 §6). Parsing is bounds-checked: the bytes come from any
// program on the machine that can reach the reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace saferchat::vcard {

// Status words used by the applet (manuals 1.7 and 1.8, the "Status bytes" table of each
// command). Only the codes the virtual card answers are listed.
namespace sw {
inline constexpr std::uint16_t ok = 0x9000;
inline constexpr std::uint16_t no_precise_diagnostic = 0x6400;
inline constexpr std::uint16_t wrong_length = 0x6700;
inline constexpr std::uint16_t logical_channel_not_supported = 0x6881;
inline constexpr std::uint16_t security_status_not_satisfied = 0x6982;
inline constexpr std::uint16_t authentication_method_blocked = 0x6983;
inline constexpr std::uint16_t conditions_of_use_not_satisfied = 0x6985;
inline constexpr std::uint16_t command_not_allowed_no_current_ef = 0x6986;
inline constexpr std::uint16_t incorrect_data = 0x6A80;
inline constexpr std::uint16_t file_not_found = 0x6A82;
inline constexpr std::uint16_t wrong_p1_p2_select = 0x6A86;
inline constexpr std::uint16_t lc_inconsistent_with_p1_p2 = 0x6A87;
inline constexpr std::uint16_t referenced_data_not_found = 0x6A88;
inline constexpr std::uint16_t wrong_p1_p2 = 0x6B00;
inline constexpr std::uint16_t ins_not_supported = 0x6D00;
inline constexpr std::uint16_t cla_not_supported = 0x6E00;

// 61xx: xx more bytes wait for GET RESPONSE (00 means 256).
[[nodiscard]] constexpr std::uint16_t bytes_available(std::size_t count) noexcept {
  return static_cast<std::uint16_t>(0x6100U | (count & 0xFFU));
}
// 6Cxx: wrong Le, xx is the exact length to ask for (00 means 256).
[[nodiscard]] constexpr std::uint16_t wrong_le(std::size_t exact) noexcept {
  return static_cast<std::uint16_t>(0x6C00U | (exact & 0xFFU));
}
// 63Cx: wrong PIN, x tries left.
[[nodiscard]] constexpr std::uint16_t wrong_pin(unsigned tries_left) noexcept {
  return static_cast<std::uint16_t>(0x63C0U | (tries_left & 0x0FU));
}
}  // namespace sw

// A short command APDU split into header and body without interpreting the body yet: with
// T=0 the fifth byte (P3) is Lc for a command that sends data and Le for one that reads data,
// so only the command handler can tell which (ISO 7816-3 §12.1 / 7816-4 §5.1).
// A view: the parsed bytes must outlive it.
class CommandApdu {
 public:
  // nullopt when the bytes are not a short APDU: fewer than 4 bytes, Lc=00 followed by more
  // bytes (extended length, not supported by the applet), or a body whose length disagrees
  // with Lc. The applet answers 6700 to those.
  [[nodiscard]] static std::optional<CommandApdu> parse(std::span<const std::uint8_t> bytes);

  std::uint8_t cla = 0;
  std::uint8_t ins = 0;
  std::uint8_t p1 = 0;
  std::uint8_t p2 = 0;

  // Case 1 (4 bytes, or P3=00 only): no data, no Le.
  [[nodiscard]] bool is_case1() const noexcept { return data_.empty() && p3_or_zero() == 0; }
  // Data sent with the command, if the command is case 3 or 4 (Lc + data [+ Le]).
  // A lone P3 byte of 00 counts as Lc=0 (T=0 case 3 with no data).
  [[nodiscard]] std::optional<std::span<const std::uint8_t>> case3_data() const noexcept;
  // Ne of a case 2 command: Le, where 00 means 256; a 4-byte APDU travels in T=0 with P3=00,
  // so it also means 256. nullopt when the command carries data.
  [[nodiscard]] std::optional<std::size_t> case2_le() const noexcept;

 private:
  [[nodiscard]] std::uint8_t p3_or_zero() const noexcept { return lone_p3_.value_or(0); }

  std::optional<std::uint8_t> lone_p3_;  // exactly 5 bytes: P3 alone
  std::span<const std::uint8_t> data_;   // Lc bytes of data (may be empty)
};

// data || SW1 SW2.
[[nodiscard]] std::vector<std::uint8_t> response(std::span<const std::uint8_t> data,
                                                 std::uint16_t status);
// SW1 SW2 alone.
[[nodiscard]] std::vector<std::uint8_t> response(std::uint16_t status);

// Upper-case hex without separators.
[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);
// Hex digits in either case; ASCII spaces are ignored. nullopt on any other character or an
// odd number of digits.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text);

}  // namespace saferchat::vcard
