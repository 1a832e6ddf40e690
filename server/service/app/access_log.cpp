// SPDX-License-Identifier: Apache-2.0
#include "service/app/access_log.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "service/api/routes.hpp"

namespace saferchat::service {
namespace {

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  std::array<char, 40> text{};
  const int length =
      std::snprintf(text.data(), text.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                    parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
                    parts.tm_min, parts.tm_sec, static_cast<int>(millis));
  return {text.data(), static_cast<std::size_t>(length > 0 ? length : 0)};
}

}  // namespace

std::string log_escape(std::string_view text, std::size_t max) {
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  const std::string_view kept = text.substr(0, max);
  for (const char c : kept) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20 || byte >= 0x7F) {
      out += "\\x";
      out.push_back(hex[byte >> 4U]);
      out.push_back(hex[byte & 0x0FU]);
    } else {
      out.push_back(c);
    }
  }
  if (text.size() > max) {
    out += "...";
  }
  return out;
}

std::string format_exchange(const ExchangeRecord& record) {
  std::array<char, 32> duration{};
  const int length = std::snprintf(duration.data(), duration.size(), "%.3f",
                                   static_cast<double>(record.duration.count()) / 1000.0);
  std::string line = "request method=" + log_escape(record.method, 16) +
                     " path=" + log_escape(target_path(record.target), 100) +
                     " status=" + (record.status == 0 ? "-" : std::to_string(record.status)) +
                     " reason=" + log_escape(record.reason.empty() ? "-" : record.reason, 40) +
                     " duration_ms=" +
                     std::string(duration.data(), static_cast<std::size_t>(std::max(length, 0))) +
                     " peer=" + log_escape(record.peer, 60);
  if (!record.detail.empty()) {
    line += " detail=\"" + log_escape(record.detail, 300) + "\"";
  }
  return line;
}

void AccessLog::exchange(const ExchangeRecord& record) const noexcept {
  try {
    info(format_exchange(record));
  } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory; the line is lost, not the request
  }
}

void AccessLog::write(std::string_view level, std::string_view message) const noexcept {
  if (fd_ < 0) {
    return;
  }
  try {
    const std::string line = utc_now() + " " + std::string(level) + " saferchatd[" +
                             std::to_string(::getpid()) + "] " + std::string(message) + "\n";
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return;  // a log that cannot be written must not stop the service
      }
      done += static_cast<std::size_t>(n);
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory; the line is lost
  }
}

}  // namespace saferchat::service
