// SPDX-License-Identifier: Apache-2.0
// The host's main loop (docs/protocol.md §1–§4, §3.6): checks the caller, sends the ready
// message, then reads requests until end of input, `quit` or a lost stream. Card commands go
// to a queue and run one at a time; the others are answered at once, so one long-lived
// connection serves any number of requests.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "commands/dispatcher.hpp"
#include "commands/request_registry.hpp"
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

// After the input closes, how long running requests get to end (closing their dialogs)
// before the host exits regardless (docs/protocol.md §1: within 100 ms).
inline constexpr std::chrono::milliseconds exit_grace{80};

struct NativeHostIo {
  int in_fd;
  int out_fd;
};

[[nodiscard]] ExitStatus run_native_host(NativeHostIo io, const std::optional<Caller>& caller,
                                         const CallerAllowList& allow_list,
                                         const RequestOptions& options,
                                         const Dispatcher& dispatcher, RequestRegistry& registry,
                                         const Logger& log,
                                         const std::function<void()>& after_ready = {});

}  // namespace saferchat
