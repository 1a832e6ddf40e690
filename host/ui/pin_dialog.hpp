// SPDX-License-Identifier: Apache-2.0
// The seam between the commands layer and whatever asks the child for the PIN: pinentry in the
// host (transport/pinentry_dialog.hpp), a fake in tests. Pure: an interface and value types.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "apdu/secure_bytes.hpp"
#include "ui/dialog_text.hpp"
#include "wire/language.hpp"

namespace saferchat {

// A BELPIC PIN is 4 to 12 digits.
inline constexpr std::size_t min_pin_length = 4;
inline constexpr std::size_t max_pin_length = 12;

// 4 to 12 ASCII digits, nothing else.
[[nodiscard]] bool is_valid_pin_format(std::span<const std::uint8_t> pin) noexcept;

struct PinPrompt {
  std::string origin;  // the requesting page's origin (check_origin passed): who is asking
  Language language = Language::en;
  std::optional<int> tries_left;  // set when the card rejected the last PIN: tries left (≥ 1)
  std::chrono::steady_clock::time_point deadline;
};

// One dialog at a time: ask_pin and show_message block their caller, and must not run
// concurrently on one PinDialog; close() may come from any thread.
class PinDialog {
 public:
  PinDialog() = default;
  PinDialog(const PinDialog&) = delete;
  PinDialog& operator=(const PinDialog&) = delete;
  PinDialog(PinDialog&&) = delete;
  PinDialog& operator=(PinDialog&&) = delete;
  virtual ~PinDialog() = default;

  // Asks for the PIN and returns what the child typed, in a wiped buffer, always 4 to 12
  // ASCII digits: anything else is asked again in the same dialog with an explanation (and
  // never reaches the card). Throws Error(user_cancelled) when the child cancels or close()
  // is called, Error(user_timeout) when `deadline` passes (also when it has passed already),
  // Error(pin_dialog_failed) when the dialog program is missing, crashes or speaks nonsense.
  [[nodiscard]] virtual SecureBytes ask_pin(const PinPrompt& prompt) = 0;

  // Shows `message` with one button until close() is called (then returns normally), the
  // child presses the button or closes the window (Error(user_cancelled); for card_blocked
  // that means "read"), or `deadline` passes (Error(user_timeout)). Throws
  // Error(pin_dialog_failed) as ask_pin does.
  virtual void show_message(const DialogMessage& message,
                            std::chrono::steady_clock::time_point deadline) = 0;

  // Thread-safe, never blocks for long: ends the dialog that is open now (the card was
  // removed or inserted, the browser went away). ask_pin then throws Error(user_cancelled);
  // show_message returns normally. With no dialog open, it does nothing.
  virtual void close() noexcept = 0;
};

}  // namespace saferchat
