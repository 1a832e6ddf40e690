// SPDX-License-Identifier: Apache-2.0
// Routes a decoded request to the handler of its command. A command the protocol knows but
// this build does not serve yet answers ERR_SAFERCHAT_COMMAND_NOT_AVAILABLE.
#pragma once

#include <array>
#include <functional>

#include <nlohmann/json.hpp>

#include "commands/cancellation.hpp"
#include "protocol/request.hpp"

namespace saferchat {

struct CommandOutcome {
  nlohmann::json result = nlohmann::json::object();
  bool stop_after_reply = false;  // the host exits once the reply is written
  // Work left for after the reply is written (LOG OFF, closing the card's connection), so that
  // the browser does not wait for it. Whoever writes the reply runs it next, before the next
  // request; it must not throw.
  std::function<void()> after_reply;
};

// `cancellation` is triggered when the request must stop (the browser went away).
using CommandHandler = std::function<CommandOutcome(const Request&, Cancellation&)>;

class Dispatcher {
 public:
  void add(Command command, CommandHandler handler);
  [[nodiscard]] bool serves(Command command) const;
  // Throws Error(command_not_available) for a command without a handler, and whatever the
  // handler throws.
  [[nodiscard]] CommandOutcome dispatch(const Request& request, Cancellation& cancellation) const;

 private:
  std::array<CommandHandler, all_commands.size()> handlers_;
};

}  // namespace saferchat
