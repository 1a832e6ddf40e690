// SPDX-License-Identifier: Apache-2.0
// The server side of the Assuan subset that GnuPG's pinentry speaks and that the host's
// PinentryDialog uses (ui/assuan.hpp is the client side and its codec): one command line in,
// the reply lines out, or a request to show a dialog whose outcome later gives the reply.
// Pure: no I/O, no Win32, so that it can be tested on its own.
//
// Error values are gpg-error values with pinentry's source (5 << 24 | code), with pinentry's
// texts, so that the host reads them as it reads pinentry's: Cancel 83886179, timeout
// 83886142.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "apdu/secure_bytes.hpp"

namespace saferchat::pinentry {

enum class DialogKind : std::uint8_t {
  get_pin,             // GETPIN: the PIN field, OK and Cancel
  confirm,             // CONFIRM: OK and Cancel
  confirm_one_button,  // CONFIRM --one-button: only the OK button
  message,             // MESSAGE: only the OK button
};

// What the dialog shows, UTF-8, as the client sent it (escapes decoded).
struct DialogRequest {
  DialogKind kind = DialogKind::get_pin;
  std::string title;
  std::string description;  // lines separated by '\n'
  std::string prompt;
  std::string ok;  // button texts: '_' marks the access key, "__" is a '_' (pinentry's way)
  std::string cancel;
  std::string error;             // the red line (SETERROR), empty when none
  std::string show_pin;          // OPTION default-tt-visi: the show-the-PIN check box's label
  std::string hide_pin;          // OPTION default-tt-hide
  unsigned timeout_seconds = 0;  // SETTIMEOUT; 0: none
};

enum class DialogOutcome : std::uint8_t { ok, cancelled, timed_out };

// gpg-error codes (libgpg-error's err-codes.h) and pinentry's source.
inline constexpr std::uint32_t gpg_source_pinentry = 5;
inline constexpr std::uint32_t gpg_code_not_implemented = 69;
inline constexpr std::uint32_t gpg_code_timeout = 62;
inline constexpr std::uint32_t gpg_code_canceled = 99;
inline constexpr std::uint32_t gpg_code_not_confirmed = 114;
inline constexpr std::uint32_t gpg_code_unknown_option = 174;
inline constexpr std::uint32_t gpg_code_unknown_command = 275;
inline constexpr std::uint32_t gpg_code_line_too_long = 277;
inline constexpr std::uint32_t gpg_code_parameter = 280;

// "ERR <value> <text> <Pinentry>\n".
[[nodiscard]] std::string error_line(std::uint32_t code);

class AssuanServer {
 public:
  struct Step {
    std::string reply;                    // lines to write now (may be empty)
    std::optional<DialogRequest> dialog;  // show this; finish_dialog() gives its reply
    bool bye = false;                     // write `reply`, then end
  };

  // "OK Pleased to meet you\n".
  [[nodiscard]] static std::string greeting();

  // One line as read, without its LF (a CR before it is dropped). `too_long`: the line
  // passed assuan_max_line and was cut (its reply is the error).
  [[nodiscard]] Step handle(std::string_view line, bool too_long = false);

  // The reply to the command that asked for the dialog. `pin`: what the child typed (GETPIN
  // and OK only). The reply may hold the PIN: it is a wiped buffer.
  [[nodiscard]] SecureBytes finish_dialog(DialogOutcome outcome, std::span<const std::uint8_t> pin);

  // The owner window the client gave with OPTION parent-wid (0: none).
  [[nodiscard]] std::uint64_t parent_window() const noexcept { return parent_window_; }

 private:
  Step handle_option(std::string_view argument);
  Step handle_getinfo(std::string_view argument) const;
  void reset() noexcept;

  DialogRequest texts_;
  std::optional<DialogKind> open_;  // the dialog asked for and not yet finished
  std::uint64_t parent_window_ = 0;
};

// Decimal text to a window handle's value; nullopt when not a plain decimal number.
[[nodiscard]] std::optional<std::uint64_t> parse_window_handle(std::string_view text) noexcept;

}  // namespace saferchat::pinentry
