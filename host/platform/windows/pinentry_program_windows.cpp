// SPDX-License-Identifier: Apache-2.0
// Which PIN dialog program the Windows host starts (transport/pinentry_program.hpp): the one
// SAFERCHAT_PINENTRY names, else saferchat-pinentry.exe beside saferchat-host.exe, where the
// installer puts it. No search of PATH by default: a program of the same name elsewhere must
// never see the child's PIN.
#include <array>
#include <filesystem>
#include <string>

#include "platform/platform.hpp"
#include "transport/pinentry_program.hpp"

namespace saferchat {
namespace {

std::filesystem::path from_utf8(std::string_view text) {
  return {std::u8string(text.begin(), text.end())};
}

std::string to_utf8(const std::filesystem::path& path) {
  const std::u8string text = path.u8string();
  return {text.begin(), text.end()};
}

}  // namespace

bool is_graphical_pinentry(std::string_view file_name) noexcept {
  // Windows has no terminal pinentry to avoid: ours and GnuPG's Win32 one are both dialogs.
  constexpr std::array<std::string_view, 3> graphical{"saferchat-pinentry.exe", "pinentry-w32.exe",
                                                      "pinentry.exe"};
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
  if (program.find_first_of("\\/") != std::string_view::npos) {
    return platform::is_program(from_utf8(program)) ? std::optional<std::string>(program)
                                                    : std::nullopt;
  }
  for (std::size_t start = 0; start < path_env.size();) {
    std::size_t end = path_env.find(';', start);
    if (end == std::string_view::npos) {
      end = path_env.size();
    }
    const std::string_view dir = path_env.substr(start, end - start);
    if (!dir.empty()) {
      for (const std::string_view suffix : {"", ".exe"}) {
        const std::filesystem::path candidate =
            from_utf8(dir) / from_utf8(std::string(program) + std::string(suffix));
        if (platform::is_program(candidate)) {
          return to_utf8(candidate);
        }
      }
    }
    start = end + 1;
  }
  return std::nullopt;
}

PinentryChoice choose_pinentry(std::string_view configured, std::string_view path_env,
                               const std::filesystem::path& host_dir) {
  if (!configured.empty()) {
    std::optional<std::string> path = find_program(configured, path_env);
    if (!path) {
      return {std::nullopt, std::string(configured) + " (SAFERCHAT_PINENTRY) is not a program"};
    }
    return {path, "SAFERCHAT_PINENTRY names it"};
  }
  const std::filesystem::path beside = host_dir / from_utf8(windows_pin_dialog_program);
  if (!host_dir.empty() && platform::is_program(beside)) {
    return {to_utf8(beside), "beside saferchat-host.exe"};
  }
  return {std::nullopt, std::string(windows_pin_dialog_program) + " is missing beside " +
                            "saferchat-host.exe" +
                            (host_dir.empty() ? std::string() : " in " + to_utf8(host_dir)) +
                            ": repair or reinstall Safer Chat"};
}

}  // namespace saferchat
