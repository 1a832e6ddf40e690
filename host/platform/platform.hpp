// SPDX-License-Identifier: Apache-2.0
// The platform seam: the few things the host does differently per operating system, each
// implemented once per OS folder (platform/posix/, platform/windows/; macOS joins posix/ or a
// folder of its own). Nothing here knows about cards, frames or dialogs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace saferchat::platform {

// Overwrites `size` bytes with zeros in a way the compiler may not remove (explicit_bzero,
// SecureZeroMemory): for PINs and buffers that held them.
void wipe(void* data, std::size_t size) noexcept;

// Standard input and output as native messaging needs them: binary mode on Windows (no CR LF
// translation, no Ctrl-Z as end of input), and on POSIX SIGPIPE ignored, so that a write to a
// browser that went away fails with EPIPE instead of killing the host. A closed pipe reads as
// end of input on both (Windows' ERROR_BROKEN_PIPE is read() returning 0 in the C runtime).
void prepare_stdio() noexcept;

// read() and write() on a C runtime file descriptor (Windows' take an unsigned int count: at
// most INT_MAX bytes go per call). -1 with errno on failure.
[[nodiscard]] std::ptrdiff_t read_fd(int fd, void* data, std::size_t size) noexcept;
[[nodiscard]] std::ptrdiff_t write_fd(int fd, const void* data, std::size_t size) noexcept;

// The environment variable `name` as UTF-8, the way the rest of the host takes text; nullopt
// when it is not set. POSIX: getenv's bytes as they are. Windows: GetEnvironmentVariableW,
// converted from UTF-16 (std::getenv gives the ANSI code page's bytes: C:\Users\Zoë would be
// mangled); a value that is not valid UTF-16 (an unpaired surrogate) is refused as nullopt.
[[nodiscard]] std::optional<std::string> environment_variable(const char* name);

// The program's arguments after its name, as UTF-8, for main() to read once. POSIX: argv.
// Windows: the wide command line (GetCommandLineW, CommandLineToArgvW; main's argv is the ANSI
// code page's); nullopt when an argument is not valid UTF-16.
[[nodiscard]] std::optional<std::vector<std::string>> command_line_arguments(int argc, char** argv);

// The folder for the host's state and log, UTF-8: $XDG_STATE_HOME/saferchat, else
// ~/.local/state/saferchat (POSIX); %LOCALAPPDATA%\SaferChat (Windows). Empty when unknown.
[[nodiscard]] std::string state_dir();

// The separator state_dir() paths use ('/' or '\\').
[[nodiscard]] char path_separator() noexcept;

// The log file, opened for appending: `fd` a C runtime file descriptor for write(), or -1 and
// `refused` saying why (for a warning line; no secret in it).
struct LogFile {
  int fd = -1;
  std::string refused;
};

// Opens the log file at the UTF-8 `path` (creating its folders, private to the user) after
// moving a file above `rotate_above` bytes to `path`.1. Refused when it is not safe to write
// to: POSIX: the folder or the file a symbolic link (O_NOFOLLOW), not a folder or regular file,
// of another user, writable by group or others, or the file with other hard links. Windows:
// the folder or the file a reparse point (symbolic link, junction), or not a folder or file;
// ownership is the profile's: %LOCALAPPDATA% is readable by the user, SYSTEM and
// Administrators only, and a new folder inherits that ACL (docs/windows.md).
[[nodiscard]] LogFile open_log_file(const std::string& path, std::size_t rotate_above);

// The user's language as the operating system states it, in locale form ("nl_BE"), for when
// the page gives none: empty on POSIX (LC_ALL, LC_MESSAGES and LANG say it there), the user's
// UI language on Windows (LANG is not set there).
[[nodiscard]] std::string os_language();

[[nodiscard]] int process_id() noexcept;

// This program's own file (/proc/self/exe, GetModuleFileNameW); empty when unknown.
[[nodiscard]] std::filesystem::path self_path();

// Whether `path` is a program this user may start: a regular file with execute permission
// (POSIX), an existing regular file (Windows).
[[nodiscard]] bool is_program(const std::filesystem::path& path);

// How browsers find a native messaging host's manifest: in folders (Linux, macOS: the host's
// app/browser_registrations.cpp knows them) or in the registry (Windows).
#if defined(_WIN32)
inline constexpr bool browsers_use_registry = true;
#else
inline constexpr bool browsers_use_registry = false;
#endif

struct RegisteredManifest {
  std::string browser;  // "Chrome", "Edge", "Firefox"
  bool system = false;  // HKEY_LOCAL_MACHINE (else HKEY_CURRENT_USER)
  std::filesystem::path file;
};

// Windows: the manifests the registry names for `host_name`, the default value of
// HKCU then HKLM SOFTWARE\Google\Chrome\NativeMessagingHosts\<name>,
// SOFTWARE\Microsoft\Edge\NativeMessagingHosts\<name> and
// SOFTWARE\Mozilla\NativeMessagingHosts\<name>, in that order; keys that do not exist are left
// out. Empty on POSIX.
[[nodiscard]] std::vector<RegisteredManifest> registered_manifests(std::string_view host_name);

// SCARD_CTL_CODE(function) from the platform's PC/SC headers: 0x42000000 + function with
// pcsc-lite, CTL_CODE(FILE_DEVICE_SMARTCARD, function, METHOD_BUFFERED, FILE_ANY_ACCESS) on
// Windows (PC/SC Part 10 §2.2 leaves the encoding to the platform).
[[nodiscard]] std::uint32_t scard_ctl_code(std::uint32_t function) noexcept;

// `seconds` as UTC calendar time (gmtime_r, gmtime_s).
[[nodiscard]] std::tm utc_time(std::time_t seconds) noexcept;

}  // namespace saferchat::platform
