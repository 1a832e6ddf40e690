// SPDX-License-Identifier: Apache-2.0
#include "ui/pin_dialog.hpp"

#include <algorithm>

namespace saferchat {

bool is_valid_pin_format(std::span<const std::uint8_t> pin) noexcept {
  return pin.size() >= min_pin_length && pin.size() <= max_pin_length &&
         std::all_of(pin.begin(), pin.end(),
                     [](std::uint8_t byte) { return byte >= '0' && byte <= '9'; });
}

}  // namespace saferchat
