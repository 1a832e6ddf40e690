// SPDX-License-Identifier: Apache-2.0
// PIN pad readers (PC/SC Part 10 v2.02.09, "IFDs with Secure PIN Entry Capabilities"): the
// feature list a reader reports and the PIN_VERIFY_STRUCTURE that makes it collect the PIN on
// its own keypad and send the BELPIC VERIFY itself (the PIN never reaches the computer).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "apdu/secure_bytes.hpp"

namespace saferchat::pin_pad {

// Part 10 §2.3 feature tags.
inline constexpr std::uint8_t feature_verify_pin_start = 0x01;
inline constexpr std::uint8_t feature_verify_pin_finish = 0x02;
inline constexpr std::uint8_t feature_verify_pin_direct = 0x06;

// CM_IOCTL_GET_FEATURE_REQUEST = SCARD_CTL_CODE(3400) (Part 10 §2.2), the platform's encoding.
[[nodiscard]] std::uint32_t get_feature_request_ioctl() noexcept;

// The control code of `tag` in a GET_FEATURE_REQUEST answer: TLV records of tag (1 byte),
// length 4, and the control code big-endian (Part 10 §2.2). nullopt when absent or malformed.
[[nodiscard]] std::optional<std::uint32_t> find_feature(std::span<const std::uint8_t> features,
                                                        std::uint8_t tag) noexcept;

// PIN_VERIFY_STRUCTURE (Part 10 §2.5.2) for BELPIC's VERIFY 00 20 00 01 08 <PIN block>: the
// block template 20 FF FF FF FF FF FF FF (the reader ORs the length into the low nibble of 20
// and writes the BCD digits), 4 to 12 digits, validated with the reader's OK key. `timeout_s` is
// the reader's own entry timeout (0 = its default).
[[nodiscard]] Bytes verify_structure(std::uint8_t timeout_s);

}  // namespace saferchat::pin_pad
