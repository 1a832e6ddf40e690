// SPDX-License-Identifier: Apache-2.0
// How the virtual card writes APDUs into its debug log: hex, with the data of PIN commands
// (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER) replaced by a mask, so PIN blocks never
// reach a log.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace saferchat::vcard {

// e.g. "00A4080C06 3F00DF014031", "0020000108 <8 bytes masked>".
[[nodiscard]] std::string describe_command_apdu(std::span<const std::uint8_t> apdu);
// e.g. "9000", "<256 bytes> 9000": response data is summarised by its length only, unless
// it is short (at most 32 bytes).
[[nodiscard]] std::string describe_response_apdu(std::span<const std::uint8_t> response);

}  // namespace saferchat::vcard
