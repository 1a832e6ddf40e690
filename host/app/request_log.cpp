// SPDX-License-Identifier: Apache-2.0
#include "app/request_log.hpp"

#include <array>
#include <cstdio>
#include <string>

namespace saferchat {

void log_request(const Logger& log, const RequestEnvelope& envelope, std::size_t bytes,
                 std::string_view result, std::string_view detail,
                 std::chrono::steady_clock::duration elapsed) noexcept {
  try {
    std::array<char, 32> ms{};
    const int n = std::snprintf(ms.data(), ms.size(), "%.3f",
                                std::chrono::duration<double, std::milli>(elapsed).count());
    std::string line = "request command=";
    line += envelope.command ? command_name(*envelope.command) : "-";
    line += " bytes=" + std::to_string(bytes) + " result=";
    line += result;
    line += " duration_ms=";
    line.append(ms.data(), static_cast<std::size_t>(n));
    if (!detail.empty()) {
      line += " detail=\"";
      line += detail;
      line += '"';
    }
    log.write(result == "OK" ? LogLevel::info : LogLevel::warn, line);
  } catch (const std::exception&) {
    // Out of memory for a log line: the reply went out, which is what matters.
  }
}

}  // namespace saferchat
