// SPDX-License-Identifier: Apache-2.0
#include "wire/utf8.hpp"

#include <cstddef>
#include <cstdint>

namespace saferchat {

bool is_valid_utf8(std::string_view text) noexcept {
  const auto byte_at = [&text](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const auto is_continuation = [](std::uint8_t b) { return (b & 0xC0U) == 0x80U; };

  std::size_t i = 0;
  while (i < text.size()) {
    const std::uint8_t lead = byte_at(i);
    if (lead < 0x80U) {
      ++i;
      continue;
    }
    // RFC 3629 §4 table: the allowed range of the second byte depends on the lead byte.
    std::size_t length = 0;
    std::uint8_t second_min = 0x80U;
    std::uint8_t second_max = 0xBFU;
    if (lead >= 0xC2U && lead <= 0xDFU) {
      length = 2;
    } else if (lead == 0xE0U) {
      length = 3;
      second_min = 0xA0U;  // no overlong 3-byte forms
    } else if (lead == 0xEDU) {
      length = 3;
      second_max = 0x9FU;  // no UTF-16 surrogates U+D800..U+DFFF
    } else if (lead >= 0xE1U && lead <= 0xEFU) {
      length = 3;
    } else if (lead == 0xF0U) {
      length = 4;
      second_min = 0x90U;  // no overlong 4-byte forms
    } else if (lead >= 0xF1U && lead <= 0xF3U) {
      length = 4;
    } else if (lead == 0xF4U) {
      length = 4;
      second_max = 0x8FU;  // nothing above U+10FFFF
    } else {
      return false;  // 0x80..0xC1 and 0xF5..0xFF never start a sequence
    }
    if (text.size() - i < length) {
      return false;
    }
    const std::uint8_t second = byte_at(i + 1);
    if (second < second_min || second > second_max) {
      return false;
    }
    for (std::size_t k = 2; k < length; ++k) {
      if (!is_continuation(byte_at(i + k))) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

}  // namespace saferchat
