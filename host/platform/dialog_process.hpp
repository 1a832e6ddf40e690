// SPDX-License-Identifier: Apache-2.0
// The PIN dialog's process, the one part of the dialog that differs per OS: starting the
// program with its standard input and output on pipes of ours, waiting on those pipes with a
// deadline and a wake signal, and making sure the process is gone. What is said over the pipes
// (pinentry's Assuan conversation) is transport/pinentry_dialog.cpp, the same on every OS.
//   POSIX (platform/posix/dialog_process_posix.cpp): Boost.Process; nothing but stdin, stdout
//     and stderr crosses exec; the child dies with the thread that started it
//     (PR_SET_PDEATHSIG); poll() on the pipes, the wake eventfd and a pidfd; stopped with
//     SIGTERM, then SIGKILL, and reaped.
//   Windows (platform/windows/dialog_process_windows.cpp, over windows/child_process.hpp):
//     CreateProcessW with an explicit handle list, a kill-on-close job object, overlapped pipe
//     ends waited on with the wake event.
// Nothing here knows Assuan, texts or PINs; bytes read are the caller's to wipe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace saferchat::platform {

// Wakes a DialogProcess wait from another thread: an eventfd (POSIX), a manual-reset event
// (Windows). Once set, every wait on it returns Wait::woken until clear().
class WakeSignal {
 public:
  // Throws std::system_error when the OS has none to give.
  WakeSignal();
  WakeSignal(const WakeSignal&) = delete;
  WakeSignal& operator=(const WakeSignal&) = delete;
  WakeSignal(WakeSignal&&) = delete;
  WakeSignal& operator=(WakeSignal&&) = delete;
  ~WakeSignal();

  // Any thread; never blocks.
  void set() noexcept;
  // Forgets a set().
  void clear() noexcept;

  // The eventfd or the event HANDLE, for the platform's DialogProcess.
  [[nodiscard]] std::intptr_t native() const noexcept { return native_; }

 private:
  std::intptr_t native_ = -1;
};

class DialogProcess {
 public:
  using Deadline = std::chrono::steady_clock::time_point;
  enum class Wait : std::uint8_t {
    done,         // the bytes moved
    end_of_file,  // the child closed that pipe, exited, or the pipe failed
    timed_out,    // the deadline passed
    woken,        // the WakeSignal is set
  };

  // Starts `program` (a path, UTF-8) with `arguments` (UTF-8). `wake` must outlive this
  // object. Throws std::system_error when a pipe or the process cannot be made.
  DialogProcess(const std::string& program, const std::vector<std::string>& arguments,
                const WakeSignal& wake);
  DialogProcess(const DialogProcess&) = delete;
  DialogProcess& operator=(const DialogProcess&) = delete;
  DialogProcess(DialogProcess&&) = delete;
  DialogProcess& operator=(DialogProcess&&) = delete;
  // stop(): the process never outlives this object.
  ~DialogProcess();

  // Writes all of `data` to the child's standard input.
  [[nodiscard]] Wait write(std::span<const std::uint8_t> data, Deadline deadline);
  // Reads what is there (at least 1 byte, at most data.size()) from the child's standard
  // output; `count` gets the number of bytes on Wait::done.
  [[nodiscard]] Wait read(std::span<std::uint8_t> data, std::size_t& count, Deadline deadline);

  // Waits up to `grace` for the child to leave on its own; true when it has (and is reaped).
  bool wait_exit(std::chrono::milliseconds grace) noexcept;
  // Ends the child if it still runs (POSIX: SIGTERM, SIGKILL after a grace time; Windows: the
  // grace time, then the whole job) and waits until it is gone.
  void stop() noexcept;
  // How it ended, once it has ("exit status 2", "signal 9"; Windows: "exit code 2"), else
  // "still running".
  [[nodiscard]] std::string how_it_ended() const;

  [[nodiscard]] std::int64_t id() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The terminal our standard streams are on (a developer's shell; never under a browser), for
// pinentry-curses' OPTION ttyname. nullopt when there is none, and always on Windows.
[[nodiscard]] std::optional<std::string> own_terminal();

// How long a dialog gets to leave after BYE, and again after SIGTERM, before it is killed.
inline constexpr std::chrono::milliseconds dialog_exit_grace{500};

}  // namespace saferchat::platform
