// SPDX-License-Identifier: Apache-2.0
#include "transport/log.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <utility>

#include "platform/platform.hpp"

namespace saferchat {
namespace {

constexpr std::size_t rotate_above_bytes = std::size_t{1024} * 1024;

std::string default_log_path() {
  const std::string dir = platform::state_dir();
  return dir.empty() ? dir : dir + platform::path_separator() + "host.log";
}

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::error:
      return "ERROR";
    case LogLevel::warn:
      return "WARN";
    case LogLevel::info:
      return "INFO";
    case LogLevel::debug:
      return "DEBUG";
    case LogLevel::off:
      break;
  }
  return "OFF";
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view text) noexcept {
  constexpr std::array<std::pair<std::string_view, LogLevel>, 5> names{{
      {"off", LogLevel::off},
      {"error", LogLevel::error},
      {"warn", LogLevel::warn},
      {"info", LogLevel::info},
      {"debug", LogLevel::debug},
  }};
  for (const auto& [name, level] : names) {
    if (name == text) {
      return level;
    }
  }
  return std::nullopt;
}

Logger::Logger(Logger&& other) noexcept
    : level_(other.level_),
      fd_(std::exchange(other.fd_, -1)),
      owns_fd_(std::exchange(other.owns_fd_, false)),
      path_(std::move(other.path_)) {}

Logger& Logger::operator=(Logger&& other) noexcept {
  if (this != &other) {
    if (owns_fd_) {
      ::close(fd_);
    }
    level_ = other.level_;
    fd_ = std::exchange(other.fd_, -1);
    owns_fd_ = std::exchange(other.owns_fd_, false);
    path_ = std::move(other.path_);
  }
  return *this;
}

Logger::~Logger() {
  if (owns_fd_) {
    // Nothing useful can be done if close fails while the host exits.
    static_cast<void>(::close(fd_));
  }
}

Logger Logger::from_environment() {
  LogLevel level = LogLevel::info;
  if (const auto text = platform::environment_variable("SAFERCHAT_LOG_LEVEL")) {
    level = parse_log_level(*text).value_or(LogLevel::info);
  }
  if (level == LogLevel::off) {
    return {};
  }
  // UTF-8 (a folder called Zoë on Windows); a value that is not valid text counts as unset.
  const std::string file = platform::environment_variable("SAFERCHAT_LOG_FILE").value_or("");
  if (file == "-") {
    return {level, STDERR_FILENO, false, "stderr"};
  }
  const std::string path = !file.empty() ? file : default_log_path();
  if (path.empty()) {
    return {level, STDERR_FILENO, false, "stderr"};
  }
  const auto [fd, refused] = platform::open_log_file(path, rotate_above_bytes);
  if (fd >= 0) {
    return {level, fd, true, path};
  }
  Logger fallback(level, STDERR_FILENO, false, "stderr");
  fallback.write(LogLevel::warn, "log file refused (" + refused + "); logging to stderr");
  return fallback;
}

void Logger::write(LogLevel level, std::string_view message) const noexcept {
  if (!enabled(level)) {
    return;
  }
  try {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    const std::tm utc = platform::utc_time(seconds);
    std::array<char, 64> stamp{};
    const std::size_t stamp_length =
        std::strftime(stamp.data(), stamp.size(), "%Y-%m-%dT%H:%M:%S", &utc);

    std::string line(stamp.data(), stamp_length);
    std::array<char, 32> tail{};
    const int tail_length =
        std::snprintf(tail.data(), tail.size(), ".%03dZ ", static_cast<int>(millis));
    line.append(tail.data(), static_cast<std::size_t>(tail_length));
    line.append(level_name(level));
    line.append(" saferchat-host[" + std::to_string(platform::process_id()) + "] ");
    for (const char c : message) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
        std::array<char, 8> escaped{};
        const int n = std::snprintf(escaped.data(), escaped.size(), "\\x%02X",
                                    static_cast<unsigned>(static_cast<unsigned char>(c)));
        line.append(escaped.data(), static_cast<std::size_t>(n));
      } else {
        line.push_back(c);
      }
    }
    line.push_back('\n');
    // One write per line, O_APPEND: lines of concurrent hosts do not interleave. A log that
    // cannot be written must not stop the host, so the result is ignored.
    if (platform::write_fd(fd_, line.data(), line.size()) < 0) {
      return;
    }
  } catch (...) {
    // Out of memory while logging: drop the line rather than fail the request.
  }
}

}  // namespace saferchat
