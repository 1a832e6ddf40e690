// SPDX-License-Identifier: Apache-2.0
// Which PIN dialog program the host starts (docs/protocol.md §3.4). A browser-started host has
// no terminal, so a terminal pinentry (pinentry-curses, pinentry-tty) would leave the child
// with a login that never asks; it is never chosen unless the user names it explicitly.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace saferchat {

struct PinentryChoice {
  // The program to start (a path), or nullopt when none is usable.
  std::optional<std::string> path;
  // One line saying why: for --self-check and the log (never shown to a page).
  std::string why;
};

// The graphical pinentries tried in order when SAFERCHAT_PINENTRY is not set: GNOME's, Qt's,
// GTK 2's (Debian installs its program as pinentry-gtk-2), then Debian's pinentry-x11
// alternative, then `pinentry`; the last two only when they resolve to a graphical program.
inline constexpr std::string_view graphical_pinentry_packages =
    "pinentry-gnome3 (or pinentry-qt, pinentry-gtk2)";

// The Windows PIN dialog: a program of our own, installed beside saferchat-host.exe.
inline constexpr std::string_view windows_pin_dialog_program = "saferchat-pinentry.exe";

// `configured`: the value of SAFERCHAT_PINENTRY (empty when unset): used as given, a path or a
// name on `path_env`. Otherwise the first graphical pinentry on `path_env` (PATH's value) on
// POSIX (this file's .cpp); on Windows (platform/windows/pinentry_program_windows.cpp)
// saferchat-pinentry.exe in `host_dir`, the folder of saferchat-host.exe.
[[nodiscard]] PinentryChoice choose_pinentry(std::string_view configured, std::string_view path_env,
                                             const std::filesystem::path& host_dir = {});

// As execvp resolves a program: a name with a '/' is a path, anything else is looked up in
// `path_env` (":"-separated; an empty entry is the current folder). nullopt when there is no
// executable regular file. Windows: a name with '\\' or '/' is a path, anything else is looked
// up in `path_env` (";"-separated), as given and with ".exe".
[[nodiscard]] std::optional<std::string> find_program(std::string_view program,
                                                      std::string_view path_env);

// By the file name of the program a name resolves to (after symbolic links):
// pinentry-gnome3, -qt, -qt5, -gtk-2, -gtk2, -fltk, -x2go, -mac, -w32 are graphical.
[[nodiscard]] bool is_graphical_pinentry(std::string_view file_name) noexcept;

}  // namespace saferchat
