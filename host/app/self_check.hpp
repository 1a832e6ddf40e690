// `saferchat-host --self-check`: what this host can do on this computer, for people (and the
// demo): versions, log, allowed callers, PC/SC, and each card present.
#pragma once

#include <ostream>

#include "protocol/caller.hpp"
#include "transport/log.hpp"

namespace saferchat {

// Returns the exit status: 0 when PC/SC is reachable, 1 otherwise.
[[nodiscard]] int run_self_check(std::ostream& out, const Logger& log,
                                 const CallerAllowList& allow_list);

}  // namespace saferchat
