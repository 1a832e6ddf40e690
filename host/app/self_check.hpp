// SPDX-License-Identifier: Apache-2.0
// `saferchat-host --self-check`: whether a login can work on this computer, for people:
// versions, log, allowed callers, which browsers have this host registered, the PIN dialog
// program, PC/SC, the readers and each card present.
#pragma once

#include <filesystem>
#include <ostream>

#include "protocol/caller.hpp"
#include "transport/log.hpp"

namespace saferchat {

struct SelfCheckPlaces {
  std::filesystem::path root = "/";   // system folders are looked up under it (a staged tree)
  std::filesystem::path home;         // $HOME (empty: no user folders)
  std::filesystem::path config_home;  // $XDG_CONFIG_HOME, else $HOME/.config
  std::filesystem::path self;         // this program
  std::string pinentry;               // SAFERCHAT_PINENTRY's value
  std::string path_env;               // PATH's value
};

// Returns the exit status: 0 when a login can work (a browser has the host registered, a PIN
// dialog program is there, PC/SC is reachable with at least one reader), 1 otherwise.
[[nodiscard]] int run_self_check(std::ostream& out, const Logger& log,
                                 const CallerAllowList& allow_list, const SelfCheckPlaces& places);

}  // namespace saferchat
