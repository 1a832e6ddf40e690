// SPDX-License-Identifier: Apache-2.0
// The one error type of the host: a stable code the browser may see, and a detailed message
// that only the log sees. docs/protocol.md §5 lists every code; codes are never renamed.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace saferchat {

enum class ErrorCode : std::uint8_t {
  // Framing (docs/protocol.md §2).
  empty_message,
  message_too_large,
  message_truncated,
  // Request decoding (§3).
  invalid_utf8,
  invalid_json,
  not_an_object,
  missing_command,
  unknown_command,
  invalid_argument,
  invalid_origin,
  invalid_challenge,
  // Host state (§5).
  caller_not_allowed,
  command_not_available,
  response_too_large,
  internal,
  host_busy,
  request_cancelled,
  // Card reader and card (§5).
  pcsc_unavailable,
  no_reader,
  no_card,
  card_removed,
  card_reset,
  card_busy,
  card_communication,
  unknown_card,
  card_error,
  no_auth_certificate,
  pin_invalid_format,
  pin_wrong,
  pin_blocked,
  // The child and the PIN dialog (§5).
  user_cancelled,
  user_timeout,
  pin_dialog_failed,
};

// "ERR_SAFERCHAT_…": the wire name of a code.
[[nodiscard]] std::string_view code_name(ErrorCode code) noexcept;

// One fixed English sentence per code, safe to show anywhere (never carries request data).
[[nodiscard]] std::string_view public_message(ErrorCode code) noexcept;

// Every code, in declaration order (for documentation checks and tests).
[[nodiscard]] std::span<const ErrorCode> all_error_codes() noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& detail) : std::runtime_error(detail), code_(code) {}
  // For pin_wrong: the card's remaining PIN tries, which callers show to the child.
  Error(ErrorCode code, const std::string& detail, int tries_left)
      : std::runtime_error(detail), code_(code), tries_left_(tries_left) {}

  [[nodiscard]] ErrorCode code() const noexcept { return code_; }
  [[nodiscard]] std::optional<int> tries_left() const noexcept { return tries_left_; }
  // For the log only: may name offsets, sizes and field names, never secrets.
  [[nodiscard]] std::string_view detail() const noexcept { return what(); }

 private:
  ErrorCode code_;
  std::optional<int> tries_left_;
};

}  // namespace saferchat
