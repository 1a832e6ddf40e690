// SPDX-License-Identifier: Apache-2.0
#include "apdu/apdu.hpp"

#include <stdexcept>
#include <string>

#include "wire/error.hpp"

namespace saferchat {
namespace {

constexpr int max_procedure_rounds = 64;  // 64 × 256 bytes is far beyond any BELPIC object

ResponseApdu parse_or_throw(std::span<const std::uint8_t> bytes) {
  auto response = ResponseApdu::parse(bytes);
  if (!response) {
    throw Error(ErrorCode::card_communication,
                "response of " + std::to_string(bytes.size()) + " bytes, no status word");
  }
  return *response;
}

}  // namespace

SecureBytes CommandApdu::encode() const {
  if (data.size() > 255 || (le && (*le == 0 || *le > 256))) {
    throw std::length_error("not a short APDU");
  }
  SecureBytes out{cla, ins, p1, p2};
  out.reserve(5 + data.size() + 1);
  if (!data.empty()) {
    out.push_back(static_cast<std::uint8_t>(data.size()));
    out.insert(out.end(), data.begin(), data.end());
  }
  if (le) {
    out.push_back(static_cast<std::uint8_t>(*le & 0xFFU));  // 256 → 00
  }
  return out;
}

std::optional<ResponseApdu> ResponseApdu::parse(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 2) {
    return std::nullopt;
  }
  ResponseApdu response;
  response.data.assign(bytes.begin(), bytes.end() - 2);
  response.sw1 = bytes[bytes.size() - 2];
  response.sw2 = bytes[bytes.size() - 1];
  return response;
}

SecureBytes encode_for_transport(const CommandApdu& command, const TransmitRules& rules) {
  SecureBytes bytes = command.encode();
  if (rules.t0 && bytes.size() == 4) {
    bytes.push_back(0x00);  // case 1 on T=0: P3 = 00 (ISO 7816-3 §12.2.2)
  }
  return bytes;
}

ResponseApdu transmit_with_t0_procedures(const RawTransmit& raw, const CommandApdu& command,
                                         const TransmitRules& rules) {
  ResponseApdu response = parse_or_throw(raw(encode_for_transport(command, rules)));
  for (int round = 0; round < max_procedure_rounds; ++round) {
    if (response.sw1 == 0x6C) {
      // Wrong Le: SW2 gives the exact number of bytes available (ISO 7816-4 §5.1.3).
      CommandApdu again = command;
      again.le = response.sw2 == 0 ? 256 : response.sw2;
      if (rules.pause_before_repeat) {
        rules.pause_before_repeat();
      }
      response = parse_or_throw(raw(encode_for_transport(again, rules)));
    } else if (response.sw1 == 0x61) {
      // More data: fetch it with GET RESPONSE 00 C0 00 00 xx and append.
      const CommandApdu get_response{
          0x00, 0xC0, 0x00,
          0x00, {},   static_cast<std::uint16_t>(response.sw2 == 0 ? 256 : response.sw2)};
      ResponseApdu more = parse_or_throw(raw(encode_for_transport(get_response, rules)));
      more.data.insert(more.data.begin(), response.data.begin(), response.data.end());
      response = std::move(more);
    } else {
      return response;
    }
  }
  throw Error(ErrorCode::card_communication, "card kept answering 61xx/6Cxx");
}

}  // namespace saferchat
