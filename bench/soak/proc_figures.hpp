// SPDX-License-Identifier: Apache-2.0
// A running process's resident set and open descriptors, from /proc (Linux), for the soak runs.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace saferchat::bench {

// VmRSS in KiB; -1 if the process is gone.
inline long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

// Entries of /proc/PID/fd; -1 if the process is gone.
inline long open_descriptors(pid_t pid) {
  std::error_code error;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", error);
  if (error) {
    return -1;
  }
  long count = 0;
  for (; it != std::filesystem::directory_iterator{}; it.increment(error)) {
    ++count;
  }
  return count;
}

}  // namespace saferchat::bench
