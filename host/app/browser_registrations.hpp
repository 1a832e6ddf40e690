// SPDX-License-Identifier: Apache-2.0
// Where browsers look for the native messaging manifest of be.saferchat.host on Linux, and
// whether what is there would start a host that serves our extension (for --self-check).
// Places: Chrome's, Chromium's and Edge's documented folders (system under /etc, user under
// $XDG_CONFIG_HOME), Firefox's (/usr/lib/mozilla, /usr/lib64/mozilla, ~/.mozilla), the same
// ones installer/saferchat-install writes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/caller.hpp"

namespace saferchat {

inline constexpr std::string_view native_host_name = "be.saferchat.host";

struct ManifestPlace {
  std::string browser;  // "Chrome", "Chromium", "Edge", "Firefox"
  BrowserFamily family;
  bool system;  // a system-wide folder (else the user's)
  std::filesystem::path file;
};

// Every place, system ones under `root` ("/" normally; a staged tree in tests).
[[nodiscard]] std::vector<ManifestPlace> manifest_places(const std::filesystem::path& root,
                                                         const std::filesystem::path& home,
                                                         const std::filesystem::path& config_home);

struct ManifestCheck {
  bool works = false;   // a browser of this family would start a host serving our extension
  std::string verdict;  // one line for people
};

// Checks a manifest's JSON text: name, type "stdio", an absolute path to an executable file
// (looked up under `root` for system places), and our extension ids in allowed_origins
// (Chromium family) or allowed_extensions (Firefox). `self`: this program, to say whether the
// manifest names it or another copy.
[[nodiscard]] ManifestCheck check_manifest(std::string_view text, const ManifestPlace& place,
                                           const std::filesystem::path& root,
                                           const std::filesystem::path& self,
                                           const CallerAllowList& allow_list);

}  // namespace saferchat
