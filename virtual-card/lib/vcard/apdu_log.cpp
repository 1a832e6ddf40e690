// SPDX-License-Identifier: Apache-2.0
#include "vcard/apdu_log.hpp"

#include "vcard/apdu.hpp"

namespace saferchat::vcard {

namespace {

constexpr std::size_t header_size = 4;
constexpr std::size_t shown_response_data = 32;

bool carries_pin(std::uint8_t ins) noexcept {
  return ins == 0x20 || ins == 0x24 || ins == 0x2C;  // VERIFY, CHANGE REF. DATA, RESET RETRY
}

}  // namespace

std::string describe_command_apdu(std::span<const std::uint8_t> apdu) {
  if (apdu.size() <= header_size + 1) {
    return to_hex(apdu);
  }
  std::string text = to_hex(apdu.first(header_size + 1)) + " ";
  const std::span<const std::uint8_t> body = apdu.subspan(header_size + 1);
  if (carries_pin(apdu[1])) {
    text += "<" + std::to_string(body.size()) + " bytes masked>";
  } else {
    text += to_hex(body);
  }
  return text;
}

std::string describe_response_apdu(std::span<const std::uint8_t> response) {
  if (response.size() < 2) {
    return "<" + to_hex(response) + ": no status word>";
  }
  const std::span<const std::uint8_t> data = response.first(response.size() - 2);
  std::string status = to_hex(response.last(2));
  if (data.empty()) {
    return status;
  }
  if (data.size() <= shown_response_data) {
    return to_hex(data) + " " + status;
  }
  return "<" + std::to_string(data.size()) + " bytes> " + status;
}

}  // namespace saferchat::vcard
