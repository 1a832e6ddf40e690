// SPDX-License-Identifier: Apache-2.0
// The PIN dialog on Windows: saferchat-pinentry.exe (a Win32 program speaking the same Assuan
// subset as GnuPG's pinentry), started per call with platform/windows/child_process.hpp and
// spoken to as transport/pinentry_dialog.hpp speaks to pinentry on POSIX: the same commands,
// texts and error mapping. The browser's window (Chrome's --parent-window) goes to the dialog
// as `--parent-wid <decimal>`, so that it can stand in front of the browser.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ui/pin_dialog.hpp"

namespace saferchat {

class Logger;

class WindowsPinDialog final : public PinDialog {
 public:
  // `program`: SAFERCHAT_PINENTRY's value (empty: saferchat-pinentry.exe in `host_dir`, the
  // folder of saferchat-host.exe; transport/pinentry_program.hpp). `parent_window`: the
  // browser's window handle, when it gave one. `log` (optional, must outlive the dialog) gets
  // one line per dialog and its outcome; never a PIN.
  WindowsPinDialog(std::string program, std::filesystem::path host_dir,
                   std::optional<std::uint64_t> parent_window, const Logger* log);
  WindowsPinDialog(const WindowsPinDialog&) = delete;
  WindowsPinDialog& operator=(const WindowsPinDialog&) = delete;
  WindowsPinDialog(WindowsPinDialog&&) = delete;
  WindowsPinDialog& operator=(WindowsPinDialog&&) = delete;
  ~WindowsPinDialog() override;

  [[nodiscard]] SecureBytes ask_pin(const PinPrompt& prompt) override;
  void show_message(const DialogMessage& message,
                    std::chrono::steady_clock::time_point deadline) override;
  // Sets the wake event: the open call stops the dialog (the whole job) and returns.
  void close() noexcept override;

  // The dialog's command line after the program: `--parent-wid <decimal>` when there is a
  // parent window, else nothing.
  [[nodiscard]] std::vector<std::wstring> arguments() const;

 private:
  class Session;
  class OpenGuard;
  [[nodiscard]] std::filesystem::path resolve_program() const;

  std::string program_;
  std::filesystem::path host_dir_;
  std::optional<std::uint64_t> parent_window_;
  const Logger* log_;
  void* wake_ = nullptr;  // manual-reset event: close() sets it
  std::mutex mutex_;
  bool open_ = false;  // guarded by mutex_
};

}  // namespace saferchat
