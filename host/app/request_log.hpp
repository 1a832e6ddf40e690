// SPDX-License-Identifier: Apache-2.0
// The one log line per request (docs/protocol.md §7): command, size, result code, duration and
// the log-only detail; never the request's data. Written by the reading loop for the commands
// it answers and by the card queue for card commands.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "protocol/request.hpp"
#include "transport/log.hpp"

namespace saferchat {

// `result` is "OK" or an ERR_SAFERCHAT_… name; failures are logged as warnings. Never throws.
void log_request(const Logger& log, const RequestEnvelope& envelope, std::size_t bytes,
                 std::string_view result, std::string_view detail,
                 std::chrono::steady_clock::duration elapsed) noexcept;

}  // namespace saferchat
