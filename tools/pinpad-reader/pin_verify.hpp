// SPDX-License-Identifier: Apache-2.0
// The pure part of the PIN pad reader (no I/O): PC/SC Part 10 v2.02.09 feature list and
// PIN_VERIFY_STRUCTURE (§2.3, §2.5.2), and the VERIFY APDU a CCID PIN pad reader builds from
// it (USB CCID 1.1 §6.1.11.7, PC_to_RDR_Secure "PIN verification data structure").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

namespace saferchat::pinpad {

using Bytes = std::vector<std::uint8_t>;

// SCARD_CTL_CODE(code) is 0x42000000 + code on pcsc-lite (reader.h); Windows' is
// CTL_CODE(FILE_DEVICE_SMARTCARD, code, METHOD_BUFFERED, FILE_ANY_ACCESS), a different number.
[[nodiscard]] constexpr std::uint32_t scard_ctl_code(std::uint32_t code) noexcept {
  return 0x42000000U + code;
}
// CM_IOCTL_GET_FEATURE_REQUEST (Part 10 §2.2).
inline constexpr std::uint32_t get_feature_request = scard_ctl_code(3400);
// FEATURE_VERIFY_PIN_DIRECT (Part 10 §2.3) under the control code the CCID driver gives it:
// SCARD_CTL_CODE(0x330000 + tag) ("CLASS2_IOCTL_MAGIC").
inline constexpr std::uint8_t feature_verify_pin_direct = 0x06;
inline constexpr std::uint32_t verify_pin_direct_code = scard_ctl_code(0x330000U + 0x06U);

// The GET_FEATURE_REQUEST answer: one TLV, tag 06, length 4, control code big-endian.
[[nodiscard]] Bytes feature_list();

// PIN_VERIFY_STRUCTURE, Part 10 §2.5.2: 19 bytes of header, then the APDU template.
struct PinVerifyStructure {
  std::uint8_t timer_out = 0;                  // bTimerOut: seconds to the first key (0: default)
  std::uint8_t timer_out2 = 0;                 // bTimerOut2: seconds after a key stroke
  std::uint8_t format_string = 0;              // bmFormatString
  std::uint8_t pin_block_string = 0;           // bmPINBlockString
  std::uint8_t pin_length_format = 0;          // bmPINLengthFormat
  std::uint16_t pin_max_extra_digit = 0;       // wPINMaxExtraDigit: min << 8 | max
  std::uint8_t entry_validation = 0;           // bEntryValidationCondition
  std::uint8_t number_message = 0;             // bNumberMessage
  std::uint16_t lang_id = 0;                   // wLangId
  std::uint8_t msg_index = 0;                  // bMsgIndex
  std::array<std::uint8_t, 3> teo_prologue{};  // bTeoPrologue (T=1 only)
  Bytes apdu;                                  // abData (ulDataLength bytes)

  [[nodiscard]] std::size_t min_digits() const noexcept { return pin_max_extra_digit >> 8U; }
  [[nodiscard]] std::size_t max_digits() const noexcept { return pin_max_extra_digit & 0xFFU; }
};

inline constexpr std::size_t pin_verify_header_size = 19;

// bEntryValidationCondition bits (CCID §6.1.11.7).
inline constexpr std::uint8_t entry_on_max_size = 0x01;
inline constexpr std::uint8_t entry_on_ok_key = 0x02;
inline constexpr std::uint8_t entry_on_timeout = 0x04;

// How a structure or an entry is refused. `length` is what the CCID driver itself checks
// (commands.c SecurePINVerify answers IFD_NOT_SUPPORTED: shorter than 19 + 4 bytes, or
// ulDataLength + 19 not the size sent); `field` is what a reader's firmware refuses (a slot
// error naming the field, which the CCID driver turns into IFD_COMMUNICATION_ERROR).
enum class StructureError : std::uint8_t { length, field };

struct Refusal {
  StructureError kind = StructureError::field;
  const char* reason = "";  // a static text for the log
};

// Parses and checks every field. Like the CCID driver, a bEntryValidationCondition of 0 or
// above 7 is corrected to 02 (the OK key) rather than refused.
[[nodiscard]] std::variant<PinVerifyStructure, Refusal> parse_pin_verify_structure(
    std::span<const std::uint8_t> bytes);

// The VERIFY APDU for `digits` (each '0'..'9'): the template with the digits written in
// bmFormatString's coding at its position (left or right justified inside the PIN block of
// bmPINBlockString's size), and the digit count OR-ed into the template's bits at
// bmPINLengthFormat's position, as a CCID reader does. A template whose length field is not
// zero therefore keeps its bits (2F stays 2F). Refuses digits that do not fit. Positions and
// the block are counted from the first data byte after Lc, most significant bit first (so
// BELPIC's block of 7 bytes in eid-mw and of 8 in OpenSC both hold 12 digits after the
// control byte).
[[nodiscard]] std::variant<Bytes, Refusal> build_verify_apdu(const PinVerifyStructure& structure,
                                                             std::string_view digits);

}  // namespace saferchat::pinpad
