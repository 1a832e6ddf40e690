// SPDX-License-Identifier: Apache-2.0
#include "transport/pinentry_dialog.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include "platform/dialog_process.hpp"
#include "platform/platform.hpp"
#include "transport/log.hpp"
#include "transport/pinentry_program.hpp"
#include "ui/assuan.hpp"
#include "ui/dialog_text.hpp"
#include "wire/error.hpp"

namespace saferchat {
namespace {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;
using Wait = platform::DialogProcess::Wait;

// More PIN data than this over D lines is nonsense (a PIN has at most 12 digits).
constexpr std::size_t max_pin_data = 4096;
constexpr std::size_t read_chunk = 4096;

// The call was ended by close(): ask_pin turns this into user_cancelled, show_message returns.
struct Closed {};

// The environment as UTF-8 (SAFERCHAT_PINENTRY may be a path in a folder called Zoë on
// Windows): unset, or not valid text, is empty.
std::string env_or_empty(const char* name) {
  return platform::environment_variable(name).value_or(std::string());
}

std::string join_reply(std::string_view command, const AssuanReply& reply) {
  return "pinentry: " + std::string(command) + ": ERR " + std::to_string(reply.error_value) +
         (reply.text.empty() ? "" : " " + reply.text);
}

// What an ERR answer to GETPIN, CONFIRM or MESSAGE means.
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

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

// One dialog process (platform/dialog_process.hpp), started by the constructor, always
// stopped by the destructor. Every wait also watches the close() signal (throws Closed) and
// the deadline (throws Error(user_timeout)).
class PinentryDialog::Session {
 public:
  Session(const std::string& path, const std::vector<std::string>& arguments,
          const platform::WakeSignal& wake, Deadline deadline)
      : process_(start(path, arguments, wake)), deadline_(deadline) {}

  [[nodiscard]] std::int64_t pid() const noexcept { return process_.id(); }

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

  // The OPTIONs pinentry-curses needs to find a terminal and its character set (no terminal on
  // Windows or under a browser). A pinentry answers ERR to an option it does not know, which
  // is fine.
  void send_options() {
    if (const auto terminal = platform::own_terminal()) {
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
  // dialog gets all the time there is, and our own deadline stops it on time.
  void send_timeout() {
    const auto left = std::chrono::ceil<std::chrono::seconds>(deadline_ - Clock::now());
    require("SETTIMEOUT", std::to_string(std::max<std::int64_t>(left.count(), 1)));
  }

  // BYE, then a short wait for the dialog to leave; the destructor makes sure it does.
  void finish() noexcept {
    static constexpr std::string_view bye = "BYE\n";
    try {
      if (process_.write(bytes_of(bye), Clock::now() + platform::dialog_exit_grace) == Wait::done) {
        static_cast<void>(process_.wait_exit(platform::dialog_exit_grace));
      }
    } catch (const std::system_error&) {
      // poll failed: the destructor stops the process all the same
    }
  }

 private:
  static platform::DialogProcess start(const std::string& path,
                                       const std::vector<std::string>& arguments,
                                       const platform::WakeSignal& wake) {
    try {
      return {path, arguments, wake};
    } catch (const std::system_error& e) {
      throw Error(ErrorCode::pin_dialog_failed,
                  "pinentry: cannot start " + path + ": " + std::string(e.what()));
    }
  }

  // Throws for every outcome of a wait but done.
  void check(Wait wait, const char* ended) {
    switch (wait) {
      case Wait::done:
        return;
      case Wait::woken:
        throw Closed{};
      case Wait::timed_out:
        throw Error(ErrorCode::user_timeout, "pinentry: no answer before the deadline");
      case Wait::end_of_file:
        fail_ended(ended);
    }
  }

  void send(const std::string& line) {
    check(io([&] { return process_.write(bytes_of(line), deadline_); }),
          "pinentry stopped reading");
  }

  // A wait on the pipes; the platform's rare failures (poll) are pin_dialog_failed.
  template <class Call>
  static Wait io(Call call) {
    try {
      return call();
    } catch (const std::system_error& e) {
      throw Error(ErrorCode::pin_dialog_failed, std::string("pinentry: ") + e.what());
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

  // The next line, in a wiped buffer; what was read is wiped from the chunk at once.
  SecureBytes next_line() {
    SecureBytes chunk(read_chunk);
    for (;;) {
      if (auto line = reader_.next_line()) {
        return std::move(*line);
      }
      std::size_t count = 0;
      check(io([&] { return process_.read(chunk, count, deadline_); }),
            reader_.has_partial_line() ? "pinentry's output ended in the middle of a line"
                                       : "pinentry's output ended");
      reader_.feed(std::span<const std::uint8_t>(chunk.data(), count));
      platform::wipe(chunk.data(), count);
    }
  }

  [[noreturn]] void fail_ended(const char* what) {
    process_.stop();
    throw Error(ErrorCode::pin_dialog_failed,
                std::string(what) + " (" + process_.how_it_ended() + ")");
  }

  platform::DialogProcess process_;
  Deadline deadline_;
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
    dialog_.wake_->clear();  // forgets a close() meant for an earlier dialog
  }
  OpenGuard(const OpenGuard&) = delete;
  OpenGuard& operator=(const OpenGuard&) = delete;
  OpenGuard(OpenGuard&&) = delete;
  OpenGuard& operator=(OpenGuard&&) = delete;
  ~OpenGuard() {
    const std::lock_guard lock(dialog_.mutex_);
    dialog_.open_ = false;
    dialog_.wake_->clear();
  }

 private:
  PinentryDialog& dialog_;
};

std::vector<std::string> pinentry_arguments(std::optional<std::uint64_t> parent_window) {
  if (!parent_window) {
    return {};
  }
  return {"--parent-wid", std::to_string(*parent_window)};
}

PinentryDialog::PinentryDialog(std::string program, const Logger* log, PinentryPlace place)
    : program_(std::move(program)),
      log_(log),
      host_dir_(std::move(place.host_dir)),
      arguments_(pinentry_arguments(place.parent_window)) {
  if (program_.empty()) {
    program_ = env_or_empty("SAFERCHAT_PINENTRY");
  }
  try {
    wake_ = std::make_unique<platform::WakeSignal>();
  } catch (const std::system_error& e) {
    throw Error(ErrorCode::internal, std::string("pinentry: ") + e.what());
  }
}

PinentryDialog::~PinentryDialog() = default;

std::string PinentryDialog::resolve_program() const {
  const PinentryChoice choice = choose_pinentry(program_, env_or_empty("PATH"), host_dir_);
  if (!choice.path) {
    throw Error(ErrorCode::pin_dialog_failed, "pinentry: " + choice.why);
  }
  return *choice.path;
}

void PinentryDialog::close() noexcept {
  const std::lock_guard lock(mutex_);
  if (open_) {
    wake_->set();
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
  const std::string path = resolve_program();
  const PinDialogTexts texts =
      pin_dialog_texts(prompt.language, prompt.origin, prompt.tries_left, prompt.disclosure);
  try {
    Session session(path, arguments_, *wake_, prompt.deadline);
    if (log_ != nullptr) {
      log_->write(LogLevel::info, "pin dialog: " + path + " pid " + std::to_string(session.pid()) +
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
  const std::string path = resolve_program();
  const MessageTexts texts = message_texts(message);
  try {
    Session session(path, arguments_, *wake_, deadline);
    session.expect_greeting();
    session.send_options();
    session.require("SETTITLE", texts.title);
    session.require("SETDESC", texts.description);
    session.require("SETOK", texts.button);
    session.send_timeout();
    // MESSAGE: a text to read, with pinentry's OK button; CONFIRM --one-button: a wait, the
    // button labelled by SETOK.
    const char* const command = texts.to_read ? "MESSAGE" : "CONFIRM";
    const AssuanReply reply = session.transact(command, texts.to_read ? "" : "--one-button");
    session.finish();
    if (reply.kind != AssuanReplyKind::ok) {
      throw_dialog_error(command, reply);
    }
    // The only button is ours to stop with.
    throw Error(ErrorCode::user_cancelled,
                "pinentry: " + std::string(command) + ": the child pressed the button");
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
