// SPDX-License-Identifier: Apache-2.0
// The vpcd protocol (vsmartcard's pcscd reader driver): the virtual card is the TCP client;
// every message, both ways, is a 2-byte big-endian length and that many payload bytes. A
// 1-byte payload from vpcd is a control code, anything longer a command APDU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace saferchat::vcard {

inline constexpr std::uint16_t default_vpcd_port = 35963;
inline constexpr std::size_t vpcd_header_size = 2;
inline constexpr std::size_t max_vpcd_payload = 0xFFFF;

// Control codes (1-byte payloads from vpcd). Power off, power on and reset get no reply;
// get ATR is answered with the ATR.
enum class VpcdControl : std::uint8_t {
  power_off = 0x00,
  power_on = 0x01,
  reset = 0x02,
  get_atr = 0x04
};

// Reassembles payloads from a byte stream that arrives in arbitrary pieces.
class VpcdFrameDecoder {
 public:
  void feed(std::span<const std::uint8_t> bytes);
  // The next complete payload, if one has arrived.
  [[nodiscard]] std::optional<std::vector<std::uint8_t>> next();
  // Bytes received but not yet returned.
  [[nodiscard]] std::size_t buffered() const noexcept { return buffer_.size() - start_; }
  void clear() noexcept;

 private:
  std::vector<std::uint8_t> buffer_;
  std::size_t start_ = 0;
};

// Header + payload. Throws std::length_error above 65535 bytes.
[[nodiscard]] std::vector<std::uint8_t> encode_vpcd_frame(std::span<const std::uint8_t> payload);

}  // namespace saferchat::vcard
