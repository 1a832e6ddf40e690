// SPDX-License-Identifier: Apache-2.0
// saferchatd's log: one line per event on a file descriptor (standard error by default), each
// line written with one write() so that lines from worker threads never interleave.
//   2026-11-28T05:30:01.123Z INFO saferchatd[4242] request method=POST path=/v1/verify
//     status=200 reason=AGE_TOO_HIGH duration_ms=0.412 peer=127.0.0.1:53412
// Callers pass only what may be logged: never a token, a nonce, a session id or holder data.
// Control characters and quotes are escaped, so a line stays one line.
#pragma once

#include <string>
#include <string_view>

#include "service/http/http_server.hpp"

namespace saferchat::service {

class AccessLog {
 public:
  // fd < 0: writes nowhere.
  explicit AccessLog(int fd) : fd_(fd) {}

  void info(std::string_view message) const noexcept { write("INFO", message); }
  void warn(std::string_view message) const noexcept { write("WARN", message); }
  void error(std::string_view message) const noexcept { write("ERROR", message); }
  void exchange(const ExchangeRecord& record) const noexcept;

 private:
  void write(std::string_view level, std::string_view message) const noexcept;
  int fd_;
};

// `text` as a log value: printable ASCII kept, other bytes as \xHH, '"' and '\' escaped, cut
// after `max` bytes of input ("…" appended).
[[nodiscard]] std::string log_escape(std::string_view text, std::size_t max = 200);

// The request line of an access log entry, without time and level (exposed for tests).
[[nodiscard]] std::string format_exchange(const ExchangeRecord& record);

}  // namespace saferchat::service
