// SPDX-License-Identifier: Apache-2.0
// The PIN dialog's process on POSIX (platform/dialog_process.hpp): Boost.Process starts it, we
// wait for it ourselves (a pidfd and waitpid: Boost 1.74's waits are unreliable).
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>

#include "platform/dialog_process.hpp"

namespace saferchat::platform {
namespace {

namespace bp = boost::process;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

int milliseconds_until(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<decltype(left)>(left, 0, decltype(left){24} * 3600 * 1000));
}

// Between fork and exec, in the child (async-signal-safe calls only): nothing but stdin,
// stdout and stderr crosses exec (not the browser's pipes, the PC/SC socket or the log), the
// dialog starts with default signals, and it dies with the thread that started it, so no
// dialog stays on screen when the host is killed.
void prepare_child(pid_t parent) noexcept {
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    // Kernels before 5.11: mark them one by one (fcntl fails harmlessly on closed numbers).
    const long limit = ::sysconf(_SC_OPEN_MAX);
    for (int fd = 3; fd < (limit > 0 && limit < 65536 ? limit : 65536); ++fd) {
      static_cast<void>(::fcntl(fd, F_SETFD, FD_CLOEXEC));
    }
  }
  sigset_t none;
  ::sigemptyset(&none);
  static_cast<void>(::sigprocmask(SIG_SETMASK, &none, nullptr));
  static_cast<void>(::signal(SIGPIPE, SIG_DFL));
  static_cast<void>(::prctl(PR_SET_PDEATHSIG, SIGKILL));
  if (::getppid() != parent) {
    ::_exit(127);  // the parent died before prctl
  }
}

// write() that reports EPIPE instead of raising SIGPIPE, whatever the process's disposition:
// SIGPIPE is blocked in this thread for the call, and a SIGPIPE it raised is consumed.
ssize_t write_without_sigpipe(int fd, const void* data, std::size_t size) noexcept {
  sigset_t pipe_set;
  ::sigemptyset(&pipe_set);
  ::sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  ::sigemptyset(&pending);
  static_cast<void>(::sigpending(&pending));
  const bool was_pending = ::sigismember(&pending, SIGPIPE) == 1;
  sigset_t old_set;
  if (!was_pending) {
    static_cast<void>(::pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set));
  }
  const ssize_t written = ::write(fd, data, size);
  const int saved_errno = errno;
  if (!was_pending) {
    if (written < 0 && saved_errno == EPIPE) {
      const timespec zero{};
      static_cast<void>(::sigtimedwait(&pipe_set, nullptr, &zero));
    }
    static_cast<void>(::pthread_sigmask(SIG_SETMASK, &old_set, nullptr));
  }
  errno = saved_errno;
  return written;
}

}  // namespace

WakeSignal::WakeSignal() {
  native_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (native_ < 0) {
    fail("eventfd");
  }
}

WakeSignal::~WakeSignal() { ::close(static_cast<int>(native_)); }

// Not const: they change the signal's state, which lives in the kernel, not in this object.
void WakeSignal::set() noexcept {  // NOLINT(readability-make-member-function-const)
  // Cannot fail short of a counter overflow; waits see the eventfd readable.
  static_cast<void>(::eventfd_write(static_cast<int>(native_), 1));
}

void WakeSignal::clear() noexcept {  // NOLINT(readability-make-member-function-const)
  eventfd_t count = 0;
  static_cast<void>(::eventfd_read(static_cast<int>(native_), &count));  // EAGAIN when not set
}

std::optional<std::string> own_terminal() {
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    std::array<char, 256> name{};
    if (::isatty(fd) == 1 && ::ttyname_r(fd, name.data(), name.size()) == 0) {
      return std::string(name.data());
    }
  }
  return std::nullopt;
}

struct DialogProcess::State {
  enum class Ready : std::uint8_t { fd, exited, woken, timed_out };

  // Waits until `fd` is ready for `events`, the process has exited, the wake signal is set or
  // the deadline passes.
  Ready wait_for(int fd, short events, Deadline deadline) const {
    for (;;) {
      std::array<pollfd, 3> fds{{{fd, events, 0}, {wake_fd, POLLIN, 0}, {pidfd, POLLIN, 0}}};
      const int ready = ::poll(fds.data(), fds.size(), milliseconds_until(deadline));
      if (ready < 0) {
        if (errno == EINTR) {
          continue;
        }
        fail("poll");
      }
      if (fds[1].revents != 0) {
        return Ready::woken;
      }
      if (fds[0].revents != 0) {
        return Ready::fd;
      }
      if (fds[2].revents != 0) {
        return Ready::exited;
      }
      if (ready == 0 && Clock::now() >= deadline) {
        return Ready::timed_out;
      }
    }
  }

  // Reaps the process if it exits within `timeout` (nullopt: however long it takes).
  bool wait_exit(std::optional<milliseconds> timeout) noexcept {
    if (reaped) {
      return true;
    }
    const auto until = timeout ? Clock::now() + *timeout : Clock::time_point::max();
    for (;;) {
      const pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid || (done < 0 && errno != EINTR)) {
        reaped = true;  // or not our child any more (ECHILD): nothing left to reap
        return true;
      }
      if (timeout && Clock::now() >= until) {
        return false;
      }
      const int wait_ms = timeout ? std::min(milliseconds_until(until), 1000) : 1000;
      if (pidfd >= 0) {
        pollfd fd{pidfd, POLLIN, 0};
        static_cast<void>(::poll(&fd, 1, wait_ms));
      } else {
        std::this_thread::sleep_for(milliseconds(std::min(wait_ms, 10)));
      }
    }
  }

  int wake_fd = -1;
  pid_t pid = -1;
  int pidfd = -1;
  int to_child = -1;
  int from_child = -1;
  bool reaped = false;
  int status = 0;
};

DialogProcess::DialogProcess(const std::string& program, const std::vector<std::string>& arguments,
                             const WakeSignal& wake)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.wake_fd = static_cast<int>(wake.native());
  std::array<int, 2> to_child{-1, -1};
  std::array<int, 2> from_child{-1, -1};
  // Close-on-exec from the start, so that no other child started meanwhile inherits them; the
  // child's dup2 onto stdin and stdout clears the flag on its own copies.
  if (::pipe2(to_child.data(), O_CLOEXEC) != 0) {
    fail("pipe2");
  }
  bp::pipe input(to_child[0], to_child[1]);
  if (::pipe2(from_child.data(), O_CLOEXEC) != 0) {
    fail("pipe2");
  }
  bp::pipe output(from_child[0], from_child[1]);
  const pid_t parent = ::getpid();
  bp::child child(
      (bp::exe = program), (bp::args = arguments), (bp::std_in < input), (bp::std_out > output),
      (bp::std_err > bp::null),
      (bp::extend::on_exec_setup = [parent](auto& /*executor*/) { prepare_child(parent); }));
  s.pid = child.id();
  child.detach();                                                   // waited for by wait_exit()
  s.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, s.pid, 0));  // -1 before Linux 5.3
  // Keep only our ends: the child's copies must go, or its exit never shows as end of file.
  ::close(input.native_source());
  input.assign_source(-1);
  ::close(output.native_sink());
  output.assign_sink(-1);
  s.to_child = input.native_sink();
  input.assign_sink(-1);
  s.from_child = output.native_source();
  output.assign_source(-1);
  for (const int fd : {s.to_child, s.from_child}) {
    static_cast<void>(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK));
  }
}

DialogProcess::~DialogProcess() {
  stop();
  for (const int fd : {state_->to_child, state_->from_child, state_->pidfd}) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
}

DialogProcess::Wait DialogProcess::write(std::span<const std::uint8_t> data, Deadline deadline) {
  State& s = *state_;
  while (!data.empty()) {
    switch (s.wait_for(s.to_child, POLLOUT, deadline)) {
      case State::Ready::fd:
        break;
      case State::Ready::exited:
        return Wait::end_of_file;
      case State::Ready::woken:
        return Wait::woken;
      case State::Ready::timed_out:
        return Wait::timed_out;
    }
    const ssize_t written = write_without_sigpipe(s.to_child, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        continue;
      }
      return Wait::end_of_file;  // EPIPE: it stopped reading
    }
    data = data.subspan(static_cast<std::size_t>(written));
  }
  return Wait::done;
}

DialogProcess::Wait DialogProcess::read(std::span<std::uint8_t> data, std::size_t& count,
                                        Deadline deadline) {
  State& s = *state_;
  count = 0;
  for (;;) {
    const State::Ready ready = s.wait_for(s.from_child, POLLIN, deadline);
    if (ready == State::Ready::woken) {
      return Wait::woken;
    }
    if (ready == State::Ready::timed_out) {
      return Wait::timed_out;
    }
    const ssize_t got = ::read(s.from_child, data.data(), data.size());
    if (got > 0) {
      count = static_cast<std::size_t>(got);
      return Wait::done;
    }
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
      if (ready == State::Ready::exited) {
        // Exited, and nothing left to read: a child of its own may hold the pipe open.
        return Wait::end_of_file;
      }
      continue;
    }
    return Wait::end_of_file;  // end of file, or the pipe failed
  }
}

bool DialogProcess::wait_exit(std::chrono::milliseconds grace) noexcept {
  return state_->wait_exit(grace);
}

void DialogProcess::stop() noexcept {
  State& s = *state_;
  // Only this thread signals the pid, and only before reaping it, so it cannot have been
  // reused.
  if (s.reaped || s.pid <= 0 || s.wait_exit(milliseconds(0))) {
    return;
  }
  static_cast<void>(::kill(s.pid, SIGTERM));
  if (s.wait_exit(dialog_exit_grace)) {
    return;
  }
  static_cast<void>(::kill(s.pid, SIGKILL));
  static_cast<void>(s.wait_exit(std::nullopt));
}

std::string DialogProcess::how_it_ended() const {
  const State& s = *state_;
  if (!s.reaped) {
    return "still running";
  }
  if (WIFEXITED(s.status)) {
    return "exit status " + std::to_string(WEXITSTATUS(s.status));
  }
  return WIFSIGNALED(s.status) ? "signal " + std::to_string(WTERMSIG(s.status)) : "ended";
}

std::int64_t DialogProcess::id() const noexcept { return state_->pid; }

}  // namespace saferchat::platform
