// SPDX-License-Identifier: Apache-2.0
// The host's log: one line per event, to a file in the user's state directory and/or stderr.
// Settings (docs/protocol.md §7): SAFERCHAT_LOG_LEVEL = off|error|warn|info|debug (default
// info); SAFERCHAT_LOG_FILE = a path, "-" for stderr only, or unset for
// $XDG_STATE_HOME/saferchat/host.log (else ~/.local/state/saferchat/host.log), on Windows
// %LOCALAPPDATA%\SaferChat\host.log (platform::state_dir()).
// Callers pass only what may be logged: never a PIN, a challenge or certificate contents.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace saferchat {

enum class LogLevel : std::uint8_t { off, error, warn, info, debug };

[[nodiscard]] std::optional<LogLevel> parse_log_level(std::string_view text) noexcept;

class Logger {
 public:
  // A logger that writes nowhere.
  Logger() = default;
  Logger(LogLevel level, int fd, bool owns_fd, std::string path)
      : level_(level), fd_(fd), owns_fd_(owns_fd), path_(std::move(path)) {}
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;
  Logger(Logger&& other) noexcept;
  Logger& operator=(Logger&& other) noexcept;
  ~Logger();

  // Reads the settings above. Never fails: a log that cannot be opened, or is not safe (a
  // symbolic link, a folder or file of another user or writable by others), falls back to
  // stderr with a warning line.
  static Logger from_environment();

  [[nodiscard]] bool enabled(LogLevel level) const noexcept {
    return level != LogLevel::off && level <= level_ && fd_ >= 0;
  }
  // Writes one line: UTC time, level, pid, message (control characters escaped).
  void write(LogLevel level, std::string_view message) const noexcept;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] LogLevel level() const noexcept { return level_; }

 private:
  LogLevel level_ = LogLevel::off;
  int fd_ = -1;
  bool owns_fd_ = false;
  std::string path_;
};

}  // namespace saferchat
