// SPDX-License-Identifier: Apache-2.0
// The PIN dialog through pinentry, GnuPG's PIN programs (pinentry-gnome3, -gtk2, -qt, -curses),
// spoken to over their stdin and stdout in Assuan (ui/assuan.hpp). One pinentry process per
// call, never outliving it. The texts come from ui/dialog_text.hpp; no key info is sent
// (SETKEYINFO), so no pinentry offers to store the PIN in a password manager.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "ui/pin_dialog.hpp"
#include "wire/language.hpp"

namespace saferchat {

class Logger;

// The locale variables of this process's environment (LC_ALL, LC_MESSAGES, LANG), for
// choose_language(). The views point into the environment: use them before any setenv().
[[nodiscard]] LocaleSettings locale_settings_from_environment() noexcept;

class PinentryDialog final : public PinDialog {
 public:
  // `program`: a path, or a name looked up on PATH when the call comes. Empty: the
  // SAFERCHAT_PINENTRY environment variable, else the first graphical pinentry on PATH when the
  // call comes (transport/pinentry_program.hpp). `log` (optional, must outlive
  // the dialog) gets one line per dialog and its outcome; never a PIN.
  explicit PinentryDialog(std::string program = {}, const Logger* log = nullptr);
  PinentryDialog(const PinentryDialog&) = delete;
  PinentryDialog& operator=(const PinentryDialog&) = delete;
  PinentryDialog(PinentryDialog&&) = delete;
  PinentryDialog& operator=(PinentryDialog&&) = delete;
  ~PinentryDialog() override;

  // Sends SETTITLE, SETDESC, SETPROMPT, SETOK, SETCANCEL, SETERROR (after a wrong PIN),
  // SETTIMEOUT (the whole seconds left) and GETPIN; enforces the deadline itself as well.
  // pinentry's cancel (ERR 83886179) → user_cancelled, its timeout (ERR 83886142) →
  // user_timeout, any other error, end of output, a crash or a malformed line →
  // pin_dialog_failed.
  [[nodiscard]] SecureBytes ask_pin(const PinPrompt& prompt) override;

  // `CONFIRM --one-button` with the button labelled by SETOK: pinentry has no dialog with
  // only a Cancel button, so the one button is ours ("Stop"), and pressing it cancels.
  void show_message(const DialogMessage& message,
                    std::chrono::steady_clock::time_point deadline) override;

  // Wakes the blocked call, which then stops pinentry (SIGTERM, SIGKILL after a grace time)
  // and reaps it before returning: signals come only from the thread that reaps, so a pid
  // is never signalled after it could have been reused.
  void close() noexcept override;

  // The program as configured (a name or a path); empty: chosen from PATH at each call.
  [[nodiscard]] const std::string& program() const noexcept { return program_; }

 private:
  class Session;
  // Marks a dialog open (throws Error(internal) when one already is); the destructor of the
  // returned guard marks it closed.
  class OpenGuard;

  // The program to start for this call; Error(pin_dialog_failed) naming what to install
  // when there is none.
  [[nodiscard]] std::optional<std::string> resolve_program() const;

  std::string program_;
  const Logger* log_;
  int wake_fd_ = -1;  // eventfd: close() writes, the open call polls it
  std::mutex mutex_;
  bool open_ = false;  // guarded by mutex_
};

}  // namespace saferchat
