// SPDX-License-Identifier: Apache-2.0
#include "vcard/control_command.hpp"

#include <charconv>

namespace saferchat::vcard {

namespace {

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && blank(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && blank(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

ControlParse failure(std::string error) { return ControlParse{std::nullopt, std::move(error)}; }

ControlCommand command_of(ControlAction action, unsigned delay_ms = 0) {
  ControlCommand command;
  command.action = action;
  command.delay_ms = delay_ms;
  return command;
}

}  // namespace

ControlParse parse_control_command(std::string_view line) {
  if (line.size() > max_control_line) {
    return failure("line too long");
  }
  line = trim(line);
  const std::size_t space = line.find_first_of(" \t");
  const std::string_view verb = line.substr(0, space);
  const std::string_view argument =
      space == std::string_view::npos ? std::string_view{} : trim(line.substr(space));
  if (verb == "remove" || verb == "insert" || verb == "status") {
    if (!argument.empty()) {
      return failure(std::string(verb) + " takes no argument");
    }
    const ControlAction action = verb == "remove"   ? ControlAction::remove
                                 : verb == "insert" ? ControlAction::insert
                                                    : ControlAction::status;
    return ControlParse{command_of(action, 0), {}};
  }
  if (verb == "delay") {
    unsigned value = 0;
    const char* end = argument.data() + argument.size();
    const auto [stop, problem] = std::from_chars(argument.data(), end, value);
    if (argument.empty() || problem != std::errc{} || stop != end || value > max_delay_ms) {
      return failure("delay needs a number of milliseconds from 0 to 60000");
    }
    return ControlParse{command_of(ControlAction::delay, value), {}};
  }
  if (verb == "remove-after-apdu") {
    // The card is pulled out right after answering its N-th APDU (counted since it started):
    // tests pull it between two exact steps of a command sequence.
    unsigned value = 0;
    const char* end = argument.data() + argument.size();
    const auto [stop, problem] = std::from_chars(argument.data(), end, value);
    if (argument.empty() || problem != std::errc{} || stop != end || value == 0) {
      return failure("remove-after-apdu needs an APDU number from 1");
    }
    ControlCommand command = command_of(ControlAction::remove_after_apdu);
    command.apdu = value;
    return ControlParse{command, {}};
  }
  if (verb == "swap") {
    // Another card in the same reader: this one is pulled out, the profile's card put in.
    if (argument.empty()) {
      return failure("swap needs a card profile folder");
    }
    ControlCommand command = command_of(ControlAction::swap);
    command.profile_dir = std::string(argument);
    return ControlParse{command, {}};
  }
  if (verb == "fail-log-off") {
    if (argument != "on" && argument != "off") {
      return failure("fail-log-off needs on or off");
    }
    ControlCommand command = command_of(ControlAction::fail_log_off);
    command.fail = argument == "on";
    return ControlParse{command, {}};
  }
  if (verb.empty()) {
    return failure(
        "empty command (try: remove, insert, delay <ms>, status, remove-after-apdu <n>, swap "
        "<profile dir>, fail-log-off on|off)");
  }
  return failure(
      "unknown command (try: remove, insert, delay <ms>, status, remove-after-apdu <n>, swap "
      "<profile dir>, fail-log-off on|off)");
}

}  // namespace saferchat::vcard
