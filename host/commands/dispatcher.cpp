// SPDX-License-Identifier: Apache-2.0
#include "commands/dispatcher.hpp"

#include <string>

#include "wire/error.hpp"

namespace saferchat {

void Dispatcher::add(Command command, CommandHandler handler) {
  handlers_.at(static_cast<std::size_t>(command)) = std::move(handler);
}

bool Dispatcher::serves(Command command) const {
  return static_cast<bool>(handlers_.at(static_cast<std::size_t>(command)));
}

CommandOutcome Dispatcher::dispatch(const Request& request, Cancellation& cancellation) const {
  const Command command = request.envelope.command.value();
  const auto& handler = handlers_.at(static_cast<std::size_t>(command));
  if (!handler) {
    throw Error(ErrorCode::command_not_available,
                "no handler for " + std::string(command_name(command)));
  }
  return handler(request, cancellation);
}

}  // namespace saferchat
