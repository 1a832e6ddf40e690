// SPDX-License-Identifier: Apache-2.0
// Messages from the host to the browser (docs/protocol.md §4): the ready message sent once at
// start, and one reply per request carrying either "result" or "error".
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/request.hpp"
#include "wire/error.hpp"

namespace saferchat {

// Raised when a message changes shape incompatibly; docs/protocol.md §6.
// 2: several requests in flight on one connection, `cancel`, replies matched by `id`.
inline constexpr int protocol_version = 2;

[[nodiscard]] std::string ready_message(std::string_view host_version);
[[nodiscard]] std::string success_reply(const RequestEnvelope& envelope,
                                        const nlohmann::json& result);
// Carries only the code and its fixed public message, never the error's detail.
[[nodiscard]] std::string error_reply(const RequestEnvelope& envelope, ErrorCode code);

}  // namespace saferchat
