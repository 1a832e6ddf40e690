#include <PCSC/reader.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>  // ::explicit_bzero (glibc)

#include "platform/platform.hpp"

namespace saferchat::platform {

void wipe(void* data, std::size_t size) noexcept { ::explicit_bzero(data, size); }

void prepare_stdio() noexcept {
  // A browser that goes away closes our stdout: write() must fail with EPIPE, not kill us.
  static_cast<void>(std::signal(SIGPIPE, SIG_IGN));
}

std::ptrdiff_t read_fd(int fd, void* data, std::size_t size) noexcept {
  return ::read(fd, data, size);
}

std::ptrdiff_t write_fd(int fd, const void* data, std::size_t size) noexcept {
  return ::write(fd, data, size);
}

std::string state_dir() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state != nullptr && state[0] == '/') {
    return std::string(state) + "/saferchat";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    return std::string(home) + "/.local/state/saferchat";
  }
  return {};
}

char path_separator() noexcept { return '/'; }

int open_log_file(const std::string& path, std::size_t rotate_above) noexcept {
  try {
    // mkdir -p for the parent folders, private to the user (0700). An existing folder gives
    // EEXIST; any real failure shows when the file is opened.
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      static_cast<void>(::mkdir(path.substr(0, slash).c_str(), 0700));
    }
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && static_cast<std::size_t>(info.st_size) > rotate_above) {
      // Keep one previous generation; a failed rename only means the file keeps growing.
      static_cast<void>(::rename(path.c_str(), (path + ".1").c_str()));
    }
  } catch (...) {
    return -1;  // out of memory
  }
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

std::string os_language() { return {}; }

int process_id() noexcept { return static_cast<int>(::getpid()); }

std::uint32_t scard_ctl_code(std::uint32_t function) noexcept {
  return static_cast<std::uint32_t>(SCARD_CTL_CODE(function));
}

std::tm utc_time(std::time_t seconds) noexcept {
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  return utc;
}

}  // namespace saferchat::platform
