// The host's main loop (docs/protocol.md §1–§4): checks the caller, sends the ready message,
// then reads requests and writes one reply each until end of input, `quit` or a lost stream.
#pragma once

#include <optional>

#include "commands/dispatcher.hpp"
#include "protocol/caller.hpp"
#include "protocol/request.hpp"
#include "transport/log.hpp"

namespace saferchat {

// Exit statuses of saferchat-host (docs/protocol.md §1).
enum class ExitStatus : int {
  ok = 0,              // end of input between messages, or `quit`
  internal_error = 1,  // unexpected failure inside the host
  refused = 2,         // started by an extension not on the allow list, or bad arguments
  stream_lost = 3,     // input ended inside a message, unskippable length, or output closed
};

struct NativeHostIo {
  int in_fd;
  int out_fd;
};

[[nodiscard]] ExitStatus run_native_host(NativeHostIo io, const std::optional<Caller>& caller,
                                         const CallerAllowList& allow_list,
                                         const RequestOptions& options,
                                         const Dispatcher& dispatcher, const Logger& log);

}  // namespace saferchat
