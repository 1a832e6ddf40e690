// SPDX-License-Identifier: Apache-2.0
// ISO 7816-4 short APDUs (§5.1): the only form BELPIC cards accept (T=0, NOTES §1).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "apdu/secure_bytes.hpp"

namespace saferchat {

struct CommandApdu {
  std::uint8_t cla = 0x00;
  std::uint8_t ins = 0x00;
  std::uint8_t p1 = 0x00;
  std::uint8_t p2 = 0x00;
  SecureBytes data;                 // Lc = data.size(), at most 255
  std::optional<std::uint16_t> le;  // 1..256; 256 is encoded as 00

  // CLA INS P1 P2 [Lc data] [Le]. Throws std::length_error above short-APDU limits.
  [[nodiscard]] SecureBytes encode() const;
};

struct ResponseApdu {
  Bytes data;
  std::uint8_t sw1 = 0x6F;
  std::uint8_t sw2 = 0x00;

  [[nodiscard]] std::uint16_t sw() const noexcept {
    return static_cast<std::uint16_t>((sw1 << 8U) | sw2);
  }
  [[nodiscard]] bool ok() const noexcept { return sw() == 0x9000; }
  // Splits data and the final two status bytes; nullopt when fewer than 2 bytes.
  [[nodiscard]] static std::optional<ResponseApdu> parse(std::span<const std::uint8_t> bytes);
};

// Sends encoded command bytes, returns the raw response (data + SW1 SW2).
using RawTransmit = std::function<Bytes(std::span<const std::uint8_t>)>;

// How the transport speaks to the card.
struct TransmitRules {
  // T=0 (every BELPIC card): a case 1 command travels as a five-byte header with P3 = 00
  // (ISO 7816-3 §12.2.2). eid-mw's PKCS#11 module and OpenSC send it so themselves, since not
  // every reader driver adds the fifth byte. T=1 sends the four bytes as they are.
  bool t0 = true;
  // Called before a command is sent again after 6Cxx: eid-mw waits 50 ms there and OpenSC
  // 40 ms, as some older cards are not ready for the repeat at once. Empty: no pause.
  std::function<void()> pause_before_repeat;
};

// The bytes of `command` on the wire under `rules` (P3 = 00 for a case 1 command on T=0).
[[nodiscard]] SecureBytes encode_for_transport(const CommandApdu& command,
                                               const TransmitRules& rules);

// Transmits `command` and resolves T=0 procedure status words (ISO 7816-3 §10.3.5 / 7816-4
// §5.1.3): 61xx → GET RESPONSE with Le=xx, repeated while more data is announced; 6Cxx → a
// pause, then the same command again with Le=xx. Throws Error(card_communication) on a
// malformed response or a loop of procedure bytes.
[[nodiscard]] ResponseApdu transmit_with_t0_procedures(const RawTransmit& raw,
                                                       const CommandApdu& command,
                                                       const TransmitRules& rules = {});

}  // namespace saferchat
