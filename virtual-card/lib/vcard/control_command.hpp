// SPDX-License-Identifier: Apache-2.0
// The line commands of the virtual card's control socket (virtual-card/README.md):
// "remove", "insert", "delay <ms>", "status", "remove-after-apdu <n>", "swap <profile dir>",
// "fail-log-off on|off" (LOG OFF answered 6F00 and the PIN left verified, as a faulty card
// would).
// Each is answered by one line "ok ..." or
// "error ...".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace saferchat::vcard {

inline constexpr unsigned max_delay_ms = 60'000;
// Longest line the control socket accepts (a longer one is answered with an error).
inline constexpr std::size_t max_control_line = 256;

enum class ControlAction : std::uint8_t {
  remove,
  insert,
  delay,
  status,
  remove_after_apdu,
  swap,
  fail_log_off
};

struct ControlCommand {
  ControlAction action = ControlAction::status;
  unsigned delay_ms = 0;  // for delay
  unsigned apdu = 0;      // for remove_after_apdu: the card goes after answering APDU number `apdu`
  std::string profile_dir;  // for swap: the card profile put in after this one is pulled out
  bool fail = false;        // for fail_log_off: on (true) or off
};

struct ControlParse {
  std::optional<ControlCommand> command;
  std::string error;  // set when command is empty: the text after "error "
};

// One line without its newline; a trailing '\r' and surrounding blanks are ignored.
[[nodiscard]] ControlParse parse_control_command(std::string_view line);

}  // namespace saferchat::vcard
