// SPDX-License-Identifier: Apache-2.0
#include "apdu/pin_pad.hpp"

#include "platform/platform.hpp"

namespace saferchat::pin_pad {

std::uint32_t get_feature_request_ioctl() noexcept {
  // SCARD_CTL_CODE(code): 0x42000000 + code on pcsc-lite, 0x00313520 on Windows.
  return platform::scard_ctl_code(3400);
}

std::optional<std::uint32_t> find_feature(std::span<const std::uint8_t> features,
                                          std::uint8_t tag) noexcept {
  for (std::size_t i = 0; i + 2 <= features.size();) {
    const std::uint8_t record_tag = features[i];
    const std::size_t length = features[i + 1];
    if (i + 2 + length > features.size()) {
      return std::nullopt;  // truncated record
    }
    if (record_tag == tag && length == 4) {
      return (std::uint32_t{features[i + 2]} << 24U) | (std::uint32_t{features[i + 3]} << 16U) |
             (std::uint32_t{features[i + 4]} << 8U) | std::uint32_t{features[i + 5]};
    }
    i += 2 + length;
  }
  return std::nullopt;
}

Bytes verify_structure(std::uint8_t timeout_s) {
  // The VERIFY APDU with an empty PIN block (manual §6.9): 20 = control nibble 2 and a length
  // nibble of 0, which the reader fills in by OR-ing the digit count into it
  // (bmPINLengthFormat below), then FFs as padding. Every field reference builds the template
  // this way — eid-mw's PKCS#11 module and minidriver, OpenSC's belpic driver,
  // libelectronic-id: with 2F a reader that ORs the length leaves F there and the card sees a
  // malformed block (a wrong PIN that costs a try).
  const Bytes apdu{0x00, 0x20, 0x00, 0x01, 0x08, 0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  Bytes structure{
      timeout_s,  // bTimerOut
      timeout_s,  // bTimerOut2
      // bmFormatString: byte units (b7), PIN at byte 1 of the block (b6-3 = 0001), left
      // justified (b2 = 0), BCD (b1-0 = 01).
      0x89,
      // bmPINBlockString: PIN length field of 4 bits (b7-4), PIN block of 7 bytes (b3-0):
      // eid-mw's minidriver counts the 7 FF bytes after the control byte (OpenSC's belpic
      // driver sends 8, the whole block); either holds 12 BCD digits after byte 0.
      0x47,
      // bmPINLengthFormat: length in bits (b4 = 0), at bit 4 of the block (the low nibble of
      // the first byte: 0x2L).
      0x04, 0x0C, 0x04,  // wPINMaxExtraDigit (little-endian): max 12, min 4 digits
      0x02,              // bEntryValidationCondition: the reader's OK key
      0x01,              // bNumberMessage: one message ("enter PIN")
      0x09, 0x04,        // wLangId: 0x0409; readers show their own texts
      0x00,              // bMsgIndex
      0x00, 0x00, 0x00,  // bTeoPrologue (T=1 only; zero for T=0)
  };
  const auto length = static_cast<std::uint32_t>(apdu.size());
  for (int shift = 0; shift < 32; shift += 8) {  // ulDataLength, little-endian
    structure.push_back(
        static_cast<std::uint8_t>((length >> static_cast<unsigned>(shift)) & 0xFFU));
  }
  structure.insert(structure.end(), apdu.begin(), apdu.end());
  return structure;
}

}  // namespace saferchat::pin_pad
