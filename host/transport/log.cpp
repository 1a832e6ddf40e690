// SPDX-License-Identifier: Apache-2.0
#include "transport/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <utility>

namespace saferchat {
namespace {

constexpr off_t rotate_above_bytes = off_t{1024} * 1024;

std::string default_log_path() {
  const char* state = std::getenv("XDG_STATE_HOME");
  std::string dir;
  if (state != nullptr && state[0] == '/') {
    dir = state;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    dir = std::string(home) + "/.local/state";
  } else {
    return {};
  }
  return dir + "/saferchat/host.log";
}

// mkdir -p for the parent folders of `path`, private to the user (0700).
void make_parents(const std::string& path) {
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    // An existing folder gives EEXIST; any real failure shows when the file is opened.
    static_cast<void>(::mkdir(path.substr(0, slash).c_str(), 0700));
  }
}

// Why the folder of `path`, or the file if it exists, is not safe to write a log into ("" when
// it is): it must be a real folder or regular file (not a symbolic link), owned by this user,
// and not writable by group or others — else another local user could point the log at a file
// of ours, or read and change it. (POSIX; the Windows seam has its own checks.)
std::string unsafe(const std::string& what, const struct stat& info, bool folder) {
  if (folder ? !S_ISDIR(info.st_mode) : !S_ISREG(info.st_mode)) {
    return what + (folder ? " is not a folder" : " is not a regular file");
  }
  if (info.st_uid != ::geteuid()) {
    return what + " belongs to another user";
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return what + " is writable by other users";
  }
  if (!folder && info.st_nlink != 1) {
    return what + " has other hard links";
  }
  return {};
}

// The log file, opened for appending without following a symbolic link (O_NOFOLLOW), after the
// checks above on its folder and on the file itself; fd -1 and why not when refused.
std::pair<int, std::string> open_log_file(const std::string& path) {
  make_parents(path);
  const std::size_t slash = path.rfind('/');
  const std::string folder = slash == 0 ? "/" : path.substr(0, slash);
  struct stat info {};
  if (::lstat(folder.c_str(), &info) != 0) {
    return {-1, "cannot use the folder " + folder};
  }
  if (std::string why = unsafe("the folder " + folder, info, true); !why.empty()) {
    return {-1, why};
  }
  if (::lstat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
      info.st_size > rotate_above_bytes) {
    // Keep one previous generation; a failed rename only means the file keeps growing.
    static_cast<void>(::rename(path.c_str(), (path + ".1").c_str()));
  }
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
  if (fd < 0) {
    return {-1, errno == ELOOP ? path + " is a symbolic link" : "cannot open " + path};
  }
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    return {-1, "cannot check " + path};
  }
  if (std::string why = unsafe(path, info, false); !why.empty()) {
    ::close(fd);
    return {-1, why};
  }
  return {fd, {}};
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
  if (const char* text = std::getenv("SAFERCHAT_LOG_LEVEL"); text != nullptr) {
    level = parse_log_level(text).value_or(LogLevel::info);
  }
  if (level == LogLevel::off) {
    return {};
  }
  const char* file = std::getenv("SAFERCHAT_LOG_FILE");
  if (file != nullptr && std::string_view(file) == "-") {
    return {level, STDERR_FILENO, false, "stderr"};
  }
  const std::string path = file != nullptr && file[0] != '\0' ? file : default_log_path();
  if (path.empty()) {
    return {level, STDERR_FILENO, false, "stderr"};
  }
  const auto [fd, refused] = open_log_file(path);
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
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    std::array<char, 64> stamp{};
    const std::size_t stamp_length =
        std::strftime(stamp.data(), stamp.size(), "%Y-%m-%dT%H:%M:%S", &utc);

    std::string line(stamp.data(), stamp_length);
    std::array<char, 32> tail{};
    const int tail_length =
        std::snprintf(tail.data(), tail.size(), ".%03dZ ", static_cast<int>(millis));
    line.append(tail.data(), static_cast<std::size_t>(tail_length));
    line.append(level_name(level));
    line.append(" saferchat-host[" + std::to_string(::getpid()) + "] ");
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
    if (::write(fd_, line.data(), line.size()) < 0) {
      return;
    }
  } catch (...) {
    // Out of memory while logging: drop the line rather than fail the request.
  }
}

}  // namespace saferchat
