// SPDX-License-Identifier: Apache-2.0
// The commands that need no card: `version` (host and PC/SC status) and `quit`.
#pragma once

#include <functional>
#include <optional>

#include "commands/dispatcher.hpp"
#include "protocol/caller.hpp"
#include "transport/pcsc_probe.hpp"

namespace saferchat {

// docs/protocol.md §4.2. `probe` is called on every request, so the answer is current;
// `dispatcher` (which must outlive the handler) tells which commands this host serves.
[[nodiscard]] CommandHandler make_version_command(const Dispatcher& dispatcher,
                                                  std::optional<Caller> caller,
                                                  std::function<PcscStatus()> probe);

// docs/protocol.md §4.3: replies with an empty result, then the host exits 0.
[[nodiscard]] CommandHandler make_quit_command();

}  // namespace saferchat
