// SPDX-License-Identifier: Apache-2.0
#include "commands/basic_commands.hpp"

#include "protocol/reply.hpp"
#include "wire/version.hpp"

namespace saferchat {

CommandHandler make_version_command(const Dispatcher& dispatcher, std::optional<Caller> caller,
                                    std::function<PcscStatus()> probe) {
  return [&dispatcher, caller = std::move(caller), probe = std::move(probe)](
             const Request& /*request*/, Cancellation& /*cancellation*/) {
    const PcscStatus pcsc = probe();
    nlohmann::json commands = nlohmann::json::array();
    for (const Command command : all_commands) {
      if (dispatcher.serves(command)) {
        commands.push_back(command_name(command));
      }
    }
    CommandOutcome outcome;
    outcome.result = {
        {"hostVersion", host_version},
        {"protocolVersion", protocol_version},
        {"commands", commands},
        {"pcsc", {{"reachable", pcsc.reachable}, {"readerCount", pcsc.reader_count}}},
    };
    if (caller) {
      outcome.result["caller"] = {{"browser", browser_family_name(caller->family)},
                                  {"extensionId", caller->extension_id}};
    }
    return outcome;
  };
}

CommandHandler make_quit_command() {
  return [](const Request& /*request*/, Cancellation& /*cancellation*/) {
    CommandOutcome outcome;
    outcome.stop_after_reply = true;
    return outcome;
  };
}

}  // namespace saferchat
