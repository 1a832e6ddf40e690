// SPDX-License-Identifier: Apache-2.0
// The PIN dialog through a pinentry: GnuPG's PIN programs (pinentry-gnome3, -gtk2, -qt,
// -curses) on POSIX, saferchat-pinentry.exe (platform/windows/pinentry/) on Windows, spoken to
// over their stdin and stdout in Assuan (ui/assuan.hpp). The conversation is this file's, the
// same on every OS; only starting the process and waiting on its pipes is the platform's
// (platform/dialog_process.hpp). One process per call, never outliving it. The texts come from
// ui/dialog_text.hpp; no key info is sent (SETKEYINFO), so no pinentry offers to store the PIN
// in a password manager.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ui/pin_dialog.hpp"
#include "wire/language.hpp"

namespace saferchat::platform {
class WakeSignal;
}

namespace saferchat {

class Logger;

// Where the dialog program is and whose window it belongs to.
struct PinentryPlace {
  // The folder of the host's program: on Windows, saferchat-pinentry.exe is looked for there
  // when SAFERCHAT_PINENTRY is not set (transport/pinentry_program.hpp). Unused on POSIX.
  std::filesystem::path host_dir;
  // The browser's window (Chrome's and Edge's --parent-window on Windows): the dialog's owner,
  // passed as `--parent-wid <decimal>`.
  std::optional<std::uint64_t> parent_window;
};

// The dialog program's command line after the program: `--parent-wid <decimal>` when there is
// a parent window (GnuPG's pinentry and saferchat-pinentry.exe both take it), else nothing.
[[nodiscard]] std::vector<std::string> pinentry_arguments(
    std::optional<std::uint64_t> parent_window);

class PinentryDialog final : public PinDialog {
 public:
  // `program`: a path, or a name looked up on PATH when the call comes. Empty: the
  // SAFERCHAT_PINENTRY environment variable, else (when the call comes) the first graphical
  // pinentry on PATH on POSIX, saferchat-pinentry.exe in `place.host_dir` on Windows
  // (transport/pinentry_program.hpp). `log` (optional, must outlive the dialog) gets one line
  // per dialog and its outcome; never a PIN.
  explicit PinentryDialog(std::string program = {}, const Logger* log = nullptr,
                          PinentryPlace place = {});
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

  // Wakes the blocked call, which then stops the dialog (platform/dialog_process.hpp: SIGTERM,
  // SIGKILL after a grace time; on Windows end of input, then the job) and waits for it before
  // returning.
  void close() noexcept override;

  // The program as configured (a name or a path); empty: chosen at each call.
  [[nodiscard]] const std::string& program() const noexcept { return program_; }
  // The command line the dialog gets after the program (pinentry_arguments()).
  [[nodiscard]] const std::vector<std::string>& arguments() const noexcept { return arguments_; }

 private:
  class Session;
  // Marks a dialog open (throws Error(internal) when one already is); the destructor of the
  // returned guard marks it closed.
  class OpenGuard;

  // The program to start for this call; Error(pin_dialog_failed) naming what to install
  // when there is none.
  [[nodiscard]] std::string resolve_program() const;

  std::string program_;
  const Logger* log_;
  std::filesystem::path host_dir_;
  std::vector<std::string> arguments_;
  std::unique_ptr<platform::WakeSignal> wake_;  // close() sets it, the open call waits on it
  std::mutex mutex_;
  bool open_ = false;  // guarded by mutex_
};

}  // namespace saferchat
