// SPDX-License-Identifier: Apache-2.0
#include "transport/pinentry_dialog.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>

#include "transport/log.hpp"
#include "transport/pinentry_program.hpp"
#include "ui/assuan.hpp"
#include "ui/dialog_text.hpp"
#include "wire/error.hpp"

namespace saferchat {
namespace {

namespace bp = boost::process;
using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;
using std::chrono::milliseconds;

// How long pinentry gets to leave after BYE, and again after SIGTERM, before SIGKILL.
constexpr milliseconds exit_grace{500};
// More PIN data than this over D lines is nonsense (a PIN has at most 12 digits).
constexpr std::size_t max_pin_data = 4096;
constexpr std::size_t read_chunk = 4096;

// The call was ended by close(): ask_pin turns this into user_cancelled, show_message returns.
struct Closed {};

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// The first terminal among our standard descriptors (a developer's shell; never the case
// under a browser), for pinentry-curses.
std::optional<std::string> own_terminal() {
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    std::array<char, 256> name{};
    if (::isatty(fd) == 1 && ::ttyname_r(fd, name.data(), name.size()) == 0) {
      return std::string(name.data());
    }
  }
  return std::nullopt;
}

// Between fork and exec, in the child (async-signal-safe calls only): nothing but stdin,
// stdout and stderr crosses exec (not the browser's pipes, the PC/SC socket or the log),
// pinentry starts with default signals, and it dies with the thread that started it, so no
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

int milliseconds_until(Deadline deadline) {
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<decltype(left)>(left, 0, decltype(left){24} * 3600 * 1000));
}

std::string join_reply(std::string_view command, const AssuanReply& reply) {
  return "pinentry: " + std::string(command) + ": ERR " + std::to_string(reply.error_value) +
         (reply.text.empty() ? "" : " " + reply.text);
}

// What an ERR answer to GETPIN or CONFIRM means.
[[noreturn]] void throw_dialog_error(std::string_view command, const AssuanReply& reply) {
  switch (gpg_error_code(reply.error_value)) {
    case gpg_err_canceled:
    case gpg_err_fully_canceled:
    case gpg_err_not_confirmed:
      throw Error(ErrorCode::user_cancelled, join_reply(command, reply));
    case gpg_err_timeout:
      throw Error(ErrorCode::user_timeout, join_reply(command, reply));
    default:
      throw Error(ErrorCode::pin_dialog_failed, join_reply(command, reply));
  }
}

}  // namespace

LocaleSettings locale_settings_from_environment() noexcept {
  const auto get = [](const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string_view() : std::string_view(value);
  };
  return {.lc_all = get("LC_ALL"), .lc_messages = get("LC_MESSAGES"), .lang = get("LANG")};
}

// One pinentry process: spawned by the constructor, always stopped and reaped by the
// destructor. Every wait also watches the close() eventfd (throws Closed) and the deadline
// (throws Error(user_timeout)).
class PinentryDialog::Session {
 public:
  Session(const std::string& path, int wake_fd, Deadline deadline)
      : wake_fd_(wake_fd), deadline_(deadline) {
    std::array<int, 2> to_child{-1, -1};
    std::array<int, 2> from_child{-1, -1};
    // Close-on-exec from the start, so that no other child started meanwhile inherits them;
    // the child's dup2 onto stdin and stdout clears the flag on its own copies.
    if (::pipe2(to_child.data(), O_CLOEXEC) != 0) {
      throw Error(ErrorCode::pin_dialog_failed,
                  std::string("pinentry: pipe2: ") + ::strerror(errno));
    }
    bp::pipe input(to_child[0], to_child[1]);
    if (::pipe2(from_child.data(), O_CLOEXEC) != 0) {
      throw Error(ErrorCode::pin_dialog_failed,
                  std::string("pinentry: pipe2: ") + ::strerror(errno));
    }
    bp::pipe output(from_child[0], from_child[1]);
    const pid_t parent = ::getpid();
    try {
      bp::child child(
          (bp::exe = path), (bp::std_in < input), (bp::std_out > output), (bp::std_err > bp::null),
          (bp::extend::on_exec_setup = [parent](auto& /*executor*/) { prepare_child(parent); }));
      pid_ = child.id();
      // We wait for it ourselves (pidfd + waitpid): Boost 1.74's waits are unreliable.
      child.detach();
    } catch (const std::system_error& e) {
      throw Error(ErrorCode::pin_dialog_failed,
                  "pinentry: cannot start " + path + ": " + std::string(e.what()));
    }
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));  // -1 before Linux 5.3
    // Keep only our ends: the child's copies must go, or its exit never shows as EOF.
    ::close(input.native_source());
    input.assign_source(-1);
    ::close(output.native_sink());
    output.assign_sink(-1);
    to_child_ = input.native_sink();
    input.assign_sink(-1);
    from_child_ = output.native_source();
    output.assign_source(-1);
    for (const int fd : {to_child_, from_child_}) {
      static_cast<void>(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK));
    }
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&&) = delete;
  Session& operator=(Session&&) = delete;
  ~Session() {
    stop();
    for (const int fd : {to_child_, from_child_, pidfd_}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  // The greeting: `OK Pleased to meet you`.
  void expect_greeting() {
    const AssuanReply reply = read_final_reply("greeting", nullptr);
    if (reply.kind != AssuanReplyKind::ok) {
      throw Error(ErrorCode::pin_dialog_failed, join_reply("greeting", reply));
    }
  }

  // Sends one command and returns its final reply (OK or ERR). D lines go to `data`, or are
  // dropped when `data` is null.
  AssuanReply transact(std::string_view verb, std::string_view argument = {},
                       SecureBytes* data = nullptr) {
    send(assuan_command(verb, argument));
    return read_final_reply(verb, data);
  }

  // A command that must succeed (SETDESC and the like): ERR means pin_dialog_failed.
  void require(std::string_view verb, std::string_view argument) {
    const AssuanReply reply = transact(verb, argument);
    if (reply.kind != AssuanReplyKind::ok) {
      throw Error(ErrorCode::pin_dialog_failed, join_reply(verb, reply));
    }
  }

  // The OPTIONs pinentry-curses needs to find a terminal and its character set. pinentry
  // answers ERR to an option it does not know, which is fine.
  void send_options() {
    if (const auto terminal = own_terminal()) {
      static_cast<void>(transact("OPTION", "ttyname=" + *terminal));
      if (const std::string term = env_or_empty("TERM"); !term.empty()) {
        static_cast<void>(transact("OPTION", "ttytype=" + term));
      }
    }
    for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
      if (const std::string value = env_or_empty(name); !value.empty()) {
        static_cast<void>(transact("OPTION", "lc-ctype=" + value));
        break;
      }
    }
  }

  // SETTIMEOUT with the seconds left, rounded up (at least 1: 0 would mean "no timeout"): the
  // child gets all the time there is, and our own deadline stops pinentry on time.
  void send_timeout() {
    const auto left = std::chrono::ceil<std::chrono::seconds>(deadline_ - Clock::now());
    require("SETTIMEOUT", std::to_string(std::max<std::int64_t>(left.count(), 1)));
  }

  // BYE, then a short wait for pinentry to leave; stop() makes sure it does.
  void finish() noexcept {
    if (reaped_ || to_child_ < 0) {
      return;
    }
    static constexpr std::string_view bye = "BYE\n";
    static_cast<void>(write_without_sigpipe(to_child_, bye.data(), bye.size()));
    static_cast<void>(wait_exit(exit_grace));
  }

  // SIGTERM, SIGKILL after the grace time, then reap. Only this thread signals the pid, and
  // only before reaping it, so the pid cannot have been reused.
  void stop() noexcept {
    if (reaped_ || pid_ <= 0) {
      return;
    }
    if (wait_exit(milliseconds(0))) {
      return;
    }
    static_cast<void>(::kill(pid_, SIGTERM));
    if (wait_exit(exit_grace)) {
      return;
    }
    static_cast<void>(::kill(pid_, SIGKILL));
    static_cast<void>(wait_exit(std::nullopt));
  }

  // How the process ended, once reaped ("exit status 2", "signal 9").
  [[nodiscard]] std::string how_it_ended() const {
    if (!reaped_) {
      return "still running";
    }
    if (WIFEXITED(status_)) {
      return "exit status " + std::to_string(WEXITSTATUS(status_));
    }
    return WIFSIGNALED(status_) ? "signal " + std::to_string(WTERMSIG(status_)) : "ended";
  }

 private:
  enum class Ready : std::uint8_t { fd, exited };

  // Waits until `fd` is ready for `events` or the process has exited. Throws Closed or
  // Error(user_timeout).
  Ready wait_for(int fd, short events) {
    for (;;) {
      std::array<pollfd, 3> fds{{{fd, events, 0}, {wake_fd_, POLLIN, 0}, {pidfd_, POLLIN, 0}}};
      const int timeout = milliseconds_until(deadline_);
      const int ready = ::poll(fds.data(), fds.size(), timeout);
      if (ready < 0) {
        if (errno == EINTR) {
          continue;
        }
        throw Error(ErrorCode::pin_dialog_failed,
                    std::string("pinentry: poll: ") + ::strerror(errno));
      }
      if (fds[1].revents != 0) {
        throw Closed{};
      }
      if (fds[0].revents != 0) {
        return Ready::fd;
      }
      if (fds[2].revents != 0) {
        return Ready::exited;
      }
      if (ready == 0 && Clock::now() >= deadline_) {
        throw Error(ErrorCode::user_timeout, "pinentry: no answer before the deadline");
      }
    }
  }

  void send(const std::string& line) {
    std::size_t done = 0;
    while (done < line.size()) {
      if (wait_for(to_child_, POLLOUT) == Ready::exited) {
        fail_ended("pinentry exited while we were writing");
      }
      const ssize_t written =
          write_without_sigpipe(to_child_, line.data() + done, line.size() - done);
      if (written < 0) {
        if (errno == EINTR || errno == EAGAIN) {
          continue;
        }
        fail_ended(std::string("pinentry stopped reading (") + ::strerror(errno) + ")");
      }
      done += static_cast<std::size_t>(written);
    }
  }

  // Reads lines up to the OK or ERR that ends the current command.
  AssuanReply read_final_reply(std::string_view command, SecureBytes* data) {
    for (;;) {
      AssuanReply reply = parse_assuan_reply(next_line());
      switch (reply.kind) {
        case AssuanReplyKind::ok:
        case AssuanReplyKind::error:
          return reply;
        case AssuanReplyKind::data:
          if (data != nullptr) {
            if (data->size() + reply.data.size() > max_pin_data) {
              throw Error(ErrorCode::pin_dialog_failed,
                          "pinentry: " + std::string(command) + ": too much data");
            }
            data->insert(data->end(), reply.data.begin(), reply.data.end());
          }
          break;
        case AssuanReplyKind::inquire:
          throw Error(ErrorCode::pin_dialog_failed,
                      "pinentry: " + std::string(command) + ": unexpected INQUIRE " + reply.text);
        case AssuanReplyKind::status:
        case AssuanReplyKind::comment:
          break;
      }
    }
  }

  SecureBytes next_line() {
    SecureBytes chunk(read_chunk);
    for (;;) {
      if (auto line = reader_.next_line()) {
        return std::move(*line);
      }
      const Ready ready = wait_for(from_child_, POLLIN);
      const ssize_t count = ::read(from_child_, chunk.data(), chunk.size());
      if (count > 0) {
        const auto size = static_cast<std::size_t>(count);
        reader_.feed(std::span<const std::uint8_t>(chunk.data(), size));
        ::explicit_bzero(chunk.data(), size);
        continue;
      }
      if (count < 0 && (errno == EINTR || errno == EAGAIN)) {
        if (ready == Ready::exited) {
          // Exited, and nothing left to read: a child of its own may hold the pipe open.
          fail_ended("pinentry exited");
        }
        continue;
      }
      if (count < 0) {
        fail_ended(std::string("reading pinentry's output failed (") + ::strerror(errno) + ")");
      }
      fail_ended(reader_.has_partial_line() ? "pinentry's output ended in the middle of a line"
                                            : "pinentry's output ended");
    }
  }

  [[noreturn]] void fail_ended(const std::string& what) {
    stop();
    throw Error(ErrorCode::pin_dialog_failed, what + " (" + how_it_ended() + ")");
  }

  // Reaps the process if it exits within `timeout` (nullopt: however long it takes).
  bool wait_exit(std::optional<milliseconds> timeout) noexcept {
    if (reaped_) {
      return true;
    }
    const auto until = timeout ? Clock::now() + *timeout : Deadline::max();
    for (;;) {
      const pid_t done = ::waitpid(pid_, &status_, WNOHANG);
      if (done == pid_ || (done < 0 && errno != EINTR)) {
        reaped_ = true;  // or not our child any more (ECHILD): nothing left to reap
        return true;
      }
      if (timeout && Clock::now() >= until) {
        return false;
      }
      const int wait_ms = timeout ? std::min(milliseconds_until(until), 1000) : 1000;
      if (pidfd_ >= 0) {
        pollfd fd{pidfd_, POLLIN, 0};
        static_cast<void>(::poll(&fd, 1, wait_ms));
      } else {
        std::this_thread::sleep_for(milliseconds(std::min(wait_ms, 10)));
      }
    }
  }

  int wake_fd_;
  Deadline deadline_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  AssuanLineReader reader_;
};

class PinentryDialog::OpenGuard {
 public:
  explicit OpenGuard(PinentryDialog& dialog) : dialog_(dialog) {
    const std::lock_guard lock(dialog_.mutex_);
    if (dialog_.open_) {
      throw Error(ErrorCode::internal, "pinentry: a dialog is already open");
    }
    dialog_.open_ = true;
    drain();
  }
  OpenGuard(const OpenGuard&) = delete;
  OpenGuard& operator=(const OpenGuard&) = delete;
  OpenGuard(OpenGuard&&) = delete;
  OpenGuard& operator=(OpenGuard&&) = delete;
  ~OpenGuard() {
    const std::lock_guard lock(dialog_.mutex_);
    dialog_.open_ = false;
    drain();
  }

 private:
  // Forgets a close() meant for an earlier dialog.
  void drain() const noexcept {
    eventfd_t count = 0;
    static_cast<void>(::eventfd_read(dialog_.wake_fd_, &count));  // EAGAIN when not set
  }

  PinentryDialog& dialog_;
};

PinentryDialog::PinentryDialog(std::string program, const Logger* log)
    : program_(std::move(program)), log_(log) {
  if (program_.empty()) {
    program_ = env_or_empty("SAFERCHAT_PINENTRY");
  }
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    throw Error(ErrorCode::internal, std::string("pinentry: eventfd: ") + ::strerror(errno));
  }
}

PinentryDialog::~PinentryDialog() { ::close(wake_fd_); }

std::optional<std::string> PinentryDialog::resolve_program() const {
  const PinentryChoice choice = choose_pinentry(program_, env_or_empty("PATH"));
  if (!choice.path) {
    throw Error(ErrorCode::pin_dialog_failed, "pinentry: " + choice.why);
  }
  return choice.path;
}

void PinentryDialog::close() noexcept {
  const std::lock_guard lock(mutex_);
  if (open_) {
    // Cannot fail short of a counter overflow; the open call sees the eventfd readable.
    static_cast<void>(::eventfd_write(wake_fd_, 1));
  }
}

SecureBytes PinentryDialog::ask_pin(const PinPrompt& prompt) {
  if (prompt.tries_left && *prompt.tries_left < 1) {
    throw Error(ErrorCode::internal, "pinentry: asked for a PIN with no tries left");
  }
  const OpenGuard guard(*this);
  if (Clock::now() >= prompt.deadline) {
    throw Error(ErrorCode::user_timeout, "pinentry: the deadline passed before the dialog");
  }
  const std::optional<std::string> path = resolve_program();
  const PinDialogTexts texts = pin_dialog_texts(prompt.language, prompt.origin, prompt.tries_left);
  try {
    Session session(*path, wake_fd_, prompt.deadline);
    if (log_ != nullptr) {
      log_->write(LogLevel::info, "pin dialog: " + *path + " pid " + std::to_string(session.pid()) +
                                      " asks for the PIN (" +
                                      std::string(language_code(prompt.language)) + ")");
    }
    session.expect_greeting();
    session.send_options();
    session.require("SETTITLE", texts.title);
    session.require("SETDESC", texts.description);
    session.require("SETPROMPT", texts.prompt);
    session.require("SETOK", texts.ok);
    session.require("SETCANCEL", texts.cancel);
    // The tooltips of the show-digits button, in the child's language (older pinentry
    // versions answer ERR to these options: fine).
    static_cast<void>(session.transact("OPTION", "default-tt-visi=" + texts.show_pin));
    static_cast<void>(session.transact("OPTION", "default-tt-hide=" + texts.hide_pin));
    std::string error = texts.error;
    for (int attempt = 1;; ++attempt) {
      if (!error.empty()) {
        // pinentry forgets the error line after each GETPIN.
        session.require("SETERROR", error);
      }
      session.send_timeout();
      SecureBytes pin;
      const AssuanReply reply = session.transact("GETPIN", {}, &pin);
      if (reply.kind != AssuanReplyKind::ok) {
        session.finish();
        throw_dialog_error("GETPIN", reply);
      }
      if (is_valid_pin_format(pin)) {
        session.finish();
        if (log_ != nullptr) {
          log_->write(LogLevel::info,
                      "pin dialog: PIN typed (attempt " + std::to_string(attempt) + ")");
        }
        return pin;
      }
      // Not 4 to 12 digits: ask again in the same dialog; the card never sees it.
      error = invalid_format_text(prompt.language, prompt.tries_left);
    }
  } catch (const Closed&) {
    throw Error(ErrorCode::user_cancelled, "pinentry: closed by the host");
  } catch (const Error& e) {
    if (log_ != nullptr) {
      log_->write(LogLevel::info, "pin dialog: " + std::string(code_name(e.code())) + ": " +
                                      std::string(e.detail()));
    }
    throw;
  }
}

void PinentryDialog::show_message(const DialogMessage& message, Deadline deadline) {
  const OpenGuard guard(*this);
  if (Clock::now() >= deadline) {
    throw Error(ErrorCode::user_timeout, "pinentry: the deadline passed before the dialog");
  }
  const std::optional<std::string> path = resolve_program();
  const MessageTexts texts = message_texts(message);
  try {
    Session session(*path, wake_fd_, deadline);
    session.expect_greeting();
    session.send_options();
    session.require("SETTITLE", texts.title);
    session.require("SETDESC", texts.description);
    session.require("SETOK", texts.button);
    session.send_timeout();
    const AssuanReply reply = session.transact("CONFIRM", "--one-button");
    session.finish();
    if (reply.kind != AssuanReplyKind::ok) {
      throw_dialog_error("CONFIRM", reply);
    }
    // The only button is ours to stop with.
    throw Error(ErrorCode::user_cancelled, "pinentry: CONFIRM: the child pressed the button");
  } catch (const Closed&) {
    return;  // what close() is for: the awaited event happened
  } catch (const Error& e) {
    if (log_ != nullptr) {
      log_->write(LogLevel::info, "pin dialog: message: " + std::string(code_name(e.code())) +
                                      ": " + std::string(e.detail()));
    }
    throw;
  }
}

}  // namespace saferchat
