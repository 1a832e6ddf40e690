// SPDX-License-Identifier: Apache-2.0
// The PIN dialog's process on Windows (platform/dialog_process.hpp), over ChildProcess
// (platform/windows/child_process.hpp: CreateProcessW with a handle list, a kill-on-close job,
// overlapped pipe ends).
// clang-format off
#include <windows.h>
// clang-format on

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "platform/dialog_process.hpp"
#include "platform/windows/child_process.hpp"
#include "platform/windows/wide.hpp"

namespace saferchat::platform {
namespace {

using Clock = std::chrono::steady_clock;

// A steady-clock deadline as a GetTickCount64 one.
std::uint64_t tick_deadline(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return GetTickCount64() + static_cast<std::uint64_t>(std::max<decltype(left)>(left, 0));
}

HANDLE event_of(const WakeSignal& wake) {
  return reinterpret_cast<HANDLE>(wake.native());  // NOLINT(performance-no-int-to-ptr): a HANDLE
}

DialogProcess::Wait wait_of(ChildProcess::Wait wait) {
  switch (wait) {
    case ChildProcess::Wait::done:
      return DialogProcess::Wait::done;
    case ChildProcess::Wait::end_of_file:
      return DialogProcess::Wait::end_of_file;
    case ChildProcess::Wait::timed_out:
      return DialogProcess::Wait::timed_out;
    case ChildProcess::Wait::woken:
      return DialogProcess::Wait::woken;
  }
  return DialogProcess::Wait::end_of_file;
}

std::vector<std::wstring> wide_arguments(const std::vector<std::string>& arguments) {
  std::vector<std::wstring> wide;
  wide.reserve(arguments.size());
  for (const std::string& argument : arguments) {
    wide.push_back(to_wide(argument));
  }
  return wide;
}

}  // namespace

WakeSignal::WakeSignal() {
  HANDLE event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  if (event == nullptr) {
    throw std::system_error(static_cast<int>(GetLastError()), std::system_category(),
                            "CreateEventW");
  }
  native_ = reinterpret_cast<std::intptr_t>(event);
}

WakeSignal::~WakeSignal() { CloseHandle(event_of(*this)); }

// Not const: they change the signal's state, which lives in the kernel, not in this object.
void WakeSignal::set() noexcept {  // NOLINT(readability-make-member-function-const)
  SetEvent(event_of(*this));
}

void WakeSignal::clear() noexcept {  // NOLINT(readability-make-member-function-const)
  ResetEvent(event_of(*this));
}

std::optional<std::string> own_terminal() {
  return std::nullopt;  // no pinentry-curses to serve: the dialog is always a window
}

struct DialogProcess::State {
  State(const std::string& program, const std::vector<std::string>& arguments, HANDLE wake_event)
      : child(std::filesystem::path(to_wide(program)), wide_arguments(arguments)),
        wake(wake_event) {}

  ChildProcess child;
  HANDLE wake;
};

DialogProcess::DialogProcess(const std::string& program, const std::vector<std::string>& arguments,
                             const WakeSignal& wake)
    : state_(std::make_unique<State>(program, arguments, event_of(wake))) {}

DialogProcess::~DialogProcess() { stop(); }

DialogProcess::Wait DialogProcess::write(std::span<const std::uint8_t> data, Deadline deadline) {
  return wait_of(state_->child.write(data, tick_deadline(deadline), state_->wake));
}

DialogProcess::Wait DialogProcess::read(std::span<std::uint8_t> data, std::size_t& count,
                                        Deadline deadline) {
  return wait_of(state_->child.read(data, count, tick_deadline(deadline), state_->wake));
}

bool DialogProcess::wait_exit(std::chrono::milliseconds grace) noexcept {
  return state_->child.wait_exit(GetTickCount64() + static_cast<std::uint64_t>(grace.count()));
}

void DialogProcess::stop() noexcept {
  if (wait_exit(std::chrono::milliseconds(0))) {
    return;
  }
  // Windows has no SIGTERM: end of input is the dialog's sign to close (it exits with 0).
  state_->child.close_input();
  if (!wait_exit(dialog_exit_grace)) {
    state_->child.kill();  // the whole job, and waits for it
  }
}

std::string DialogProcess::how_it_ended() const {
  const std::optional<unsigned long> code = state_->child.exit_code();
  return code ? "exit code " + std::to_string(*code) : "still running";
}

std::int64_t DialogProcess::id() const noexcept { return state_->child.id(); }

}  // namespace saferchat::platform
