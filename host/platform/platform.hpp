// The platform seam: the few things the host does differently per operating system, each
// implemented once per OS folder (platform/posix/, platform/windows/; macOS joins posix/ or a
// folder of its own). Nothing here knows about cards, frames or dialogs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>

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

// The folder for the host's state and log, UTF-8: $XDG_STATE_HOME/saferchat, else
// ~/.local/state/saferchat (POSIX); %LOCALAPPDATA%\SaferChat (Windows). Empty when unknown.
[[nodiscard]] std::string state_dir();

// The separator state_dir() paths use ('/' or '\\').
[[nodiscard]] char path_separator() noexcept;

// Opens (creating the folders, private to the user) the log file at the UTF-8 `path` for
// appending, after moving a file above `rotate_above` bytes to `path`.1. A C runtime file
// descriptor for write(), or -1.
[[nodiscard]] int open_log_file(const std::string& path, std::size_t rotate_above) noexcept;

// The user's language as the operating system states it, in locale form ("nl_BE"), for when
// the page gives none: empty on POSIX (LC_ALL, LC_MESSAGES and LANG say it there), the user's
// UI language on Windows (LANG is not set there).
[[nodiscard]] std::string os_language();

[[nodiscard]] int process_id() noexcept;

// SCARD_CTL_CODE(function) from the platform's PC/SC headers: 0x42000000 + function with
// pcsc-lite, CTL_CODE(FILE_DEVICE_SMARTCARD, function, METHOD_BUFFERED, FILE_ANY_ACCESS) on
// Windows (PC/SC Part 10 §2.2 leaves the encoding to the platform).
[[nodiscard]] std::uint32_t scard_ctl_code(std::uint32_t function) noexcept;

// `seconds` as UTC calendar time (gmtime_r, gmtime_s).
[[nodiscard]] std::tm utc_time(std::time_t seconds) noexcept;

}  // namespace saferchat::platform
