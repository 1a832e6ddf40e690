// SPDX-License-Identifier: Apache-2.0
// saferchatd's command line (docs/verifier.md, "HTTP service"). Pure.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace saferchat::service {

struct CommandLine {
  bool help = false;
  bool version = false;
  bool check_config = false;
  std::string config_path;
  std::optional<std::string> listen;  // "IP:PORT", overrides the file's "listen"
  std::string port_file;              // write the bound port here once listening
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `args` without the program name. Throws UsageError.
[[nodiscard]] CommandLine parse_command_line(const std::vector<std::string_view>& args);

extern const std::string_view saferchatd_usage;

}  // namespace saferchat::service
