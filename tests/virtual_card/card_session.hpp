// SPDX-License-Identifier: Apache-2.0
// An applet loaded from a fresh test profile, with APDUs written as hex so that tests read as
// transcripts: card.sw("00 A4 08 0C 04 DF00 5038") == "9000".
#pragma once

#include <string>
#include <string_view>

#include "test_card.hpp"
#include "vcard/apdu.hpp"

namespace saferchat::vcard::testing {

struct Reply {
  Bytes data;
  std::string sw;  // "9000", "6C1C", ...
};

class CardSession {
 public:
  explicit CardSession(AppletVersion version, const TestCardOptions& options = {})
      : card(write_test_card(version, options)), applet(load_applet(card)) {}

  Reply tx(const Bytes& apdu) {
    const Response response = split(applet.transmit(apdu));
    const std::uint8_t status[] = {static_cast<std::uint8_t>(response.sw >> 8),
                                   static_cast<std::uint8_t>(response.sw & 0xFFU)};
    return Reply{response.data, to_hex(status)};
  }
  Reply tx(std::string_view apdu_hex) { return tx(hex(apdu_hex)); }
  std::string sw(std::string_view apdu_hex) { return tx(apdu_hex).sw; }
  std::string sw(const Bytes& apdu) { return tx(apdu).sw; }

  TestCard card;
  BelpicApplet applet;
};

}  // namespace saferchat::vcard::testing
