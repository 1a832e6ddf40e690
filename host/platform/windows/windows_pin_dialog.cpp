// SPDX-License-Identifier: Apache-2.0
#include "platform/windows/windows_pin_dialog.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string_view>
#include <system_error>

#include "platform/platform.hpp"
#include "platform/windows/child_process.hpp"
#include "platform/windows/wide.hpp"
#include "transport/log.hpp"
#include "transport/pinentry_program.hpp"
#include "ui/assuan.hpp"
#include "ui/dialog_text.hpp"
#include "wire/error.hpp"

namespace saferchat {
namespace {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;
using Wait = platform::ChildProcess::Wait;

constexpr std::chrono::milliseconds exit_grace{500};
constexpr std::size_t max_pin_data = 4096;  // a PIN has at most 12 digits
constexpr std::size_t read_chunk = 4096;

struct Closed {};  // close() was called

// A steady-clock deadline as a GetTickCount64 one.
std::uint64_t tick_deadline(Deadline deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return GetTickCount64() + static_cast<std::uint64_t>(std::max<decltype(left)>(left, 0));
}

std::string join_reply(std::string_view command, const AssuanReply& reply) {
  return "pin dialog: " + std::string(command) + ": ERR " + std::to_string(reply.error_value) +
         (reply.text.empty() ? "" : " " + reply.text);
}

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

std::string utf8(const std::filesystem::path& path) {
  const std::u8string text = path.u8string();
  return {text.begin(), text.end()};
}

}  // namespace

// One dialog process, always ended by the destructor (the job kills it).
class WindowsPinDialog::Session {
 public:
  Session(const std::filesystem::path& program, const std::vector<std::wstring>& arguments,
          HANDLE wake, Deadline deadline)
      : child_(start(program, arguments)), wake_(wake), deadline_(deadline) {}

  [[nodiscard]] unsigned long pid() const noexcept { return child_.id(); }

  void expect_greeting() {
    const AssuanReply reply = read_final_reply("greeting", nullptr);
    if (reply.kind != AssuanReplyKind::ok) {
      throw Error(ErrorCode::pin_dialog_failed, join_reply("greeting", reply));
    }
  }

  AssuanReply transact(std::string_view verb, std::string_view argument = {},
                       SecureBytes* data = nullptr) {
    send(assuan_command(verb, argument));
    return read_final_reply(verb, data);
  }

  void require(std::string_view verb, std::string_view argument) {
    const AssuanReply reply = transact(verb, argument);
    if (reply.kind != AssuanReplyKind::ok) {
      throw Error(ErrorCode::pin_dialog_failed, join_reply(verb, reply));
    }
  }

  void send_timeout() {
    const auto left = std::chrono::ceil<std::chrono::seconds>(deadline_ - Clock::now());
    require("SETTIMEOUT", std::to_string(std::max<std::int64_t>(left.count(), 1)));
  }

  // BYE, then a short wait for the dialog to leave; the destructor ends it if it does not.
  void finish() noexcept {
    static constexpr std::string_view bye = "BYE\n";
    const std::uint64_t grace = GetTickCount64() + exit_grace.count();
    if (child_.write({reinterpret_cast<const std::uint8_t*>(bye.data()), bye.size()}, grace,
                     nullptr) == Wait::done) {
      static_cast<void>(child_.wait_exit(grace));
    }
  }

  [[nodiscard]] std::string how_it_ended() const {
    const auto code = child_.exit_code();
    return code ? "exit code " + std::to_string(*code) : "still running";
  }

 private:
  static platform::ChildProcess start(const std::filesystem::path& program,
                                      const std::vector<std::wstring>& arguments) {
    try {
      return {program, arguments};
    } catch (const std::system_error& e) {
      throw Error(ErrorCode::pin_dialog_failed,
                  "pin dialog: cannot start " + utf8(program) + ": " + e.what());
    }
  }

  void check(Wait wait, const char* doing) {
    switch (wait) {
      case Wait::done:
        return;
      case Wait::woken:
        throw Closed{};
      case Wait::timed_out:
        throw Error(ErrorCode::user_timeout, "pin dialog: no answer before the deadline");
      case Wait::end_of_file:
        fail_ended(doing);
    }
  }

  void send(const std::string& line) {
    check(child_.write({reinterpret_cast<const std::uint8_t*>(line.data()), line.size()},
                       tick_deadline(deadline_), wake_),
          "the dialog stopped reading");
  }

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
                          "pin dialog: " + std::string(command) + ": too much data");
            }
            data->insert(data->end(), reply.data.begin(), reply.data.end());
          }
          break;
        case AssuanReplyKind::inquire:
          throw Error(ErrorCode::pin_dialog_failed,
                      "pin dialog: " + std::string(command) + ": unexpected INQUIRE " + reply.text);
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
      std::size_t count = 0;
      const Wait wait = child_.read(chunk, count, tick_deadline(deadline_), wake_);
      if (wait == Wait::end_of_file) {
        fail_ended(reader_.has_partial_line() ? "the dialog's output ended in the middle of a line"
                                              : "the dialog's output ended");
      }
      check(wait, "reading the dialog's output failed");
      reader_.feed(std::span<const std::uint8_t>(chunk.data(), count));
      platform::wipe(chunk.data(), count);
    }
  }

  [[noreturn]] void fail_ended(const std::string& what) {
    static_cast<void>(child_.wait_exit(GetTickCount64() + exit_grace.count()));
    throw Error(ErrorCode::pin_dialog_failed, "pin dialog: " + what + " (" + how_it_ended() + ")");
  }

  platform::ChildProcess child_;
  HANDLE wake_;
  Deadline deadline_;
  AssuanLineReader reader_;
};

class WindowsPinDialog::OpenGuard {
 public:
  explicit OpenGuard(WindowsPinDialog& dialog) : dialog_(dialog) {
    const std::lock_guard lock(dialog_.mutex_);
    if (dialog_.open_) {
      throw Error(ErrorCode::internal, "pin dialog: a dialog is already open");
    }
    dialog_.open_ = true;
    ResetEvent(dialog_.wake_);  // forget a close() meant for an earlier dialog
  }
  OpenGuard(const OpenGuard&) = delete;
  OpenGuard& operator=(const OpenGuard&) = delete;
  OpenGuard(OpenGuard&&) = delete;
  OpenGuard& operator=(OpenGuard&&) = delete;
  ~OpenGuard() {
    const std::lock_guard lock(dialog_.mutex_);
    dialog_.open_ = false;
    ResetEvent(dialog_.wake_);
  }

 private:
  WindowsPinDialog& dialog_;
};

WindowsPinDialog::WindowsPinDialog(std::string program, std::filesystem::path host_dir,
                                   std::optional<std::uint64_t> parent_window, const Logger* log)
    : program_(std::move(program)),
      host_dir_(std::move(host_dir)),
      parent_window_(parent_window),
      log_(log),
      wake_(CreateEventW(nullptr, TRUE, FALSE, nullptr)) {
  if (wake_ == nullptr) {
    throw Error(ErrorCode::internal, "pin dialog: CreateEventW failed");
  }
}

WindowsPinDialog::~WindowsPinDialog() { CloseHandle(wake_); }

std::vector<std::wstring> WindowsPinDialog::arguments() const {
  if (!parent_window_) {
    return {};
  }
  return {L"--parent-wid", std::to_wstring(*parent_window_)};
}

std::filesystem::path WindowsPinDialog::resolve_program() const {
  const char* path_env = std::getenv("PATH");
  const PinentryChoice choice =
      choose_pinentry(program_, path_env == nullptr ? "" : path_env, host_dir_);
  if (!choice.path) {
    throw Error(ErrorCode::pin_dialog_failed, "pin dialog: " + choice.why);
  }
  return {std::u8string(choice.path->begin(), choice.path->end())};
}

void WindowsPinDialog::close() noexcept {
  const std::lock_guard lock(mutex_);
  if (open_) {
    SetEvent(wake_);
  }
}

SecureBytes WindowsPinDialog::ask_pin(const PinPrompt& prompt) {
  if (prompt.tries_left && *prompt.tries_left < 1) {
    throw Error(ErrorCode::internal, "pin dialog: asked for a PIN with no tries left");
  }
  const OpenGuard guard(*this);
  if (Clock::now() >= prompt.deadline) {
    throw Error(ErrorCode::user_timeout, "pin dialog: the deadline passed before the dialog");
  }
  const std::filesystem::path program = resolve_program();
  const PinDialogTexts texts = pin_dialog_texts(prompt.language, prompt.origin, prompt.tries_left);
  try {
    Session session(program, arguments(), wake_, prompt.deadline);
    if (log_ != nullptr) {
      log_->write(LogLevel::info, "pin dialog: " + utf8(program) + " pid " +
                                      std::to_string(session.pid()) + " asks for the PIN (" +
                                      std::string(language_code(prompt.language)) + ")");
    }
    session.expect_greeting();
    session.require("SETTITLE", texts.title);
    session.require("SETDESC", texts.description);
    session.require("SETPROMPT", texts.prompt);
    session.require("SETOK", texts.ok);
    session.require("SETCANCEL", texts.cancel);
    static_cast<void>(session.transact("OPTION", "default-tt-visi=" + texts.show_pin));
    static_cast<void>(session.transact("OPTION", "default-tt-hide=" + texts.hide_pin));
    std::string error = texts.error;
    for (int attempt = 1;; ++attempt) {
      if (!error.empty()) {
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
      error = invalid_format_text(prompt.language, prompt.tries_left);
    }
  } catch (const Closed&) {
    throw Error(ErrorCode::user_cancelled, "pin dialog: closed by the host");
  } catch (const Error& e) {
    if (log_ != nullptr) {
      log_->write(LogLevel::info, "pin dialog: " + std::string(code_name(e.code())) + ": " +
                                      std::string(e.detail()));
    }
    throw;
  }
}

void WindowsPinDialog::show_message(const DialogMessage& message, Deadline deadline) {
  const OpenGuard guard(*this);
  if (Clock::now() >= deadline) {
    throw Error(ErrorCode::user_timeout, "pin dialog: the deadline passed before the dialog");
  }
  const std::filesystem::path program = resolve_program();
  const MessageTexts texts = message_texts(message);
  try {
    Session session(program, arguments(), wake_, deadline);
    session.expect_greeting();
    session.require("SETTITLE", texts.title);
    session.require("SETDESC", texts.description);
    session.require("SETOK", texts.button);
    session.send_timeout();
    const AssuanReply reply = session.transact("CONFIRM", "--one-button");
    session.finish();
    if (reply.kind != AssuanReplyKind::ok) {
      throw_dialog_error("CONFIRM", reply);
    }
    throw Error(ErrorCode::user_cancelled, "pin dialog: CONFIRM: the child pressed the button");
  } catch (const Closed&) {
    return;
  } catch (const Error& e) {
    if (log_ != nullptr) {
      log_->write(LogLevel::info, "pin dialog: message: " + std::string(code_name(e.code())) +
                                      ": " + std::string(e.detail()));
    }
    throw;
  }
}

}  // namespace saferchat
