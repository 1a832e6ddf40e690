// SPDX-License-Identifier: Apache-2.0
#include "transport/pinentry_program.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <system_error>

namespace saferchat {
namespace {

bool executable(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

// The file name that `path` finally points to (alternatives are chains of symbolic links).
std::string resolved_name(const std::string& path) {
  std::error_code error;
  const std::filesystem::path target = std::filesystem::canonical(path, error);
  return error ? std::filesystem::path(path).filename().string() : target.filename().string();
}

}  // namespace

bool is_graphical_pinentry(std::string_view file_name) noexcept {
  constexpr std::array<std::string_view, 9> graphical{
      "pinentry-gnome3", "pinentry-qt",   "pinentry-qt5", "pinentry-gtk-2", "pinentry-gtk2",
      "pinentry-fltk",   "pinentry-x2go", "pinentry-mac", "pinentry-w32"};
  for (const std::string_view name : graphical) {
    if (file_name == name) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> find_program(std::string_view program, std::string_view path_env) {
  if (program.empty()) {
    return std::nullopt;
  }
  if (program.find('/') != std::string_view::npos) {
    const std::string path(program);
    return executable(path) ? std::optional<std::string>(path) : std::nullopt;
  }
  if (path_env.empty()) {
    path_env = "/usr/local/bin:/usr/bin:/bin";
  }
  for (std::size_t start = 0; start <= path_env.size();) {
    std::size_t end = path_env.find(':', start);
    if (end == std::string_view::npos) {
      end = path_env.size();
    }
    const std::string_view dir = path_env.substr(start, end - start);
    std::string candidate = (dir.empty() ? std::string(".") : std::string(dir)) + "/";
    candidate += program;
    if (executable(candidate)) {
      return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

PinentryChoice choose_pinentry(std::string_view configured, std::string_view path_env,
                               const std::filesystem::path& /*host_dir*/) {
  if (!configured.empty()) {
    std::optional<std::string> path = find_program(configured, path_env);
    if (!path) {
      return {std::nullopt, std::string(configured) + " (SAFERCHAT_PINENTRY) is not a program"};
    }
    return {path, "SAFERCHAT_PINENTRY names it"};
  }
  // GnuPG's own advice for programs without a terminal: start a graphical pinentry directly.
  for (const std::string_view name :
       {"pinentry-gnome3", "pinentry-qt", "pinentry-gtk-2", "pinentry-gtk2"}) {
    if (std::optional<std::string> path = find_program(name, path_env)) {
      return {path, "the first graphical PIN dialog found on PATH"};
    }
  }
  std::string refused;
  for (const std::string_view name : {"pinentry-x11", "pinentry"}) {
    const std::optional<std::string> path = find_program(name, path_env);
    if (!path) {
      continue;
    }
    const std::string target = resolved_name(*path);
    if (is_graphical_pinentry(target)) {
      return {path, std::string(name) + " points to " + target + ", a graphical PIN dialog"};
    }
    refused = std::string(name) + " points to " + target +
              ", which is not a graphical PIN dialog (a browser gives the host no terminal); ";
  }
  return {std::nullopt, refused + "no graphical PIN dialog found: install " +
                            std::string(graphical_pinentry_packages)};
}

}  // namespace saferchat
