// SPDX-License-Identifier: Apache-2.0
#include <PCSC/reader.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>  // ::explicit_bzero (glibc)
#include <system_error>

#include "platform/platform.hpp"

namespace saferchat::platform {

std::optional<std::string> environment_variable(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::nullopt : std::optional<std::string>(value);
}

std::optional<std::vector<std::string>> command_line_arguments(int argc, char** argv) {
  return std::vector<std::string>(argv + std::min(argc, 1), argv + argc);
}

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
  if (const auto state = environment_variable("XDG_STATE_HOME"); state && state->starts_with('/')) {
    return *state + "/saferchat";
  }
  if (const auto home = environment_variable("HOME"); home && home->starts_with('/')) {
    return *home + "/.local/state/saferchat";
  }
  return {};
}

char path_separator() noexcept { return '/'; }

namespace {

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
// of ours, or read and change it.
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

}  // namespace

LogFile open_log_file(const std::string& path, std::size_t rotate_above) {
  make_parents(path);
  const std::size_t slash = path.rfind('/');
  const std::string folder =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  struct stat info {};
  if (::lstat(folder.c_str(), &info) != 0) {
    return {-1, "cannot use the folder " + folder};
  }
  if (std::string why = unsafe("the folder " + folder, info, true); !why.empty()) {
    return {-1, why};
  }
  if (::lstat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
      static_cast<std::size_t>(info.st_size) > rotate_above) {
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

std::string os_language() { return {}; }

int process_id() noexcept { return static_cast<int>(::getpid()); }

std::filesystem::path self_path() {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path() : self;
}

bool is_program(const std::filesystem::path& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

std::vector<RegisteredManifest> registered_manifests(std::string_view /*host_name*/) { return {}; }

std::uint32_t scard_ctl_code(std::uint32_t function) noexcept {
  return static_cast<std::uint32_t>(SCARD_CTL_CODE(function));
}

std::tm utc_time(std::time_t seconds) noexcept {
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  return utc;
}

}  // namespace saferchat::platform
