// SPDX-License-Identifier: Apache-2.0
// A child program on Windows with its standard input and output on pipes of ours: how the host
// starts the PIN dialog (saferchat-pinentry.exe) where POSIX uses Boost.Process.
//   - CreateProcessW with an explicit list of the handles the child inherits
//     (PROC_THREAD_ATTRIBUTE_HANDLE_LIST): only its ends of the two pipes, never the browser's
//     pipes, the log or a PC/SC handle; its standard error is none.
//   - A job object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: the child dies when this object
//     goes or when the host dies (Windows closes the job handle then), so no dialog stays on
//     screen after the host.
//   - A wide-character command line quoted as CommandLineToArgvW and the C runtime read it.
// Our ends of the pipes are overlapped, so every read and write waits with a deadline and a
// wake event (close()).
#pragma once

// clang-format off
#include <windows.h>
// clang-format on

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace saferchat::platform {

// One argument as CommandLineToArgvW reads it back: as it is when it has no space, tab,
// newline or quote and is not empty; else in quotes, with backslashes doubled before a quote
// and at the end, and quotes escaped.
[[nodiscard]] std::wstring quote_argument(std::wstring_view argument);

// The whole command line: the program, then each argument, quoted as above.
[[nodiscard]] std::wstring command_line(const std::filesystem::path& program,
                                        std::span<const std::wstring> arguments);

class ChildProcess {
 public:
  // Starts `program` with `arguments`. Throws std::system_error (with the Win32 error) when a
  // pipe, the job or the process cannot be made.
  ChildProcess(const std::filesystem::path& program, std::span<const std::wstring> arguments);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&&) = delete;
  ChildProcess& operator=(ChildProcess&&) = delete;
  // Closes our pipe ends and the job: the child is killed if it still runs.
  ~ChildProcess();

  enum class Wait : std::uint8_t { done, end_of_file, timed_out, woken };

  // Reads what is there (at most data.size() bytes, at least 1) into `data`, waiting until
  // `deadline` (GetTickCount64 milliseconds) or until `wake` (an event, may be null) is set.
  // `count` gets the number of bytes on Wait::done. End of file: the child closed its output
  // (or exited).
  [[nodiscard]] Wait read(std::span<std::uint8_t> data, std::size_t& count, std::uint64_t deadline,
                          HANDLE wake);
  // Writes all of `data`, with the same waits. Wait::end_of_file: the child closed its input.
  [[nodiscard]] Wait write(std::span<const std::uint8_t> data, std::uint64_t deadline, HANDLE wake);

  // Closes our end of the child's standard input (it reads end of file).
  void close_input() noexcept;

  // Waits until the child exits or `deadline`; true when it has exited.
  [[nodiscard]] bool wait_exit(std::uint64_t deadline) const noexcept;
  // Ends it now (the whole job) and waits for it.
  void kill() noexcept;
  // Its exit code once it has exited.
  [[nodiscard]] std::optional<unsigned long> exit_code() const noexcept;

  [[nodiscard]] HANDLE process() const noexcept { return process_; }
  [[nodiscard]] unsigned long id() const noexcept { return id_; }

 private:
  Wait finish(HANDLE handle, OVERLAPPED& overlapped, DWORD& transferred, std::uint64_t deadline,
              HANDLE wake) noexcept;

  HANDLE job_ = nullptr;
  HANDLE process_ = nullptr;
  unsigned long id_ = 0;
  HANDLE to_child_ = nullptr;    // overlapped, write
  HANDLE from_child_ = nullptr;  // overlapped, read
  HANDLE event_ = nullptr;       // for the overlapped calls
};

}  // namespace saferchat::platform
