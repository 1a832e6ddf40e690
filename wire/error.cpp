// SPDX-License-Identifier: Apache-2.0
#include "wire/error.hpp"

#include <array>

namespace saferchat {
namespace {

struct CodeText {
  ErrorCode code;
  std::string_view name;
  std::string_view message;
};

constexpr std::array<CodeText, 33> code_texts{{
    {ErrorCode::empty_message, "ERR_SAFERCHAT_EMPTY_MESSAGE", "The message has length zero."},
    {ErrorCode::message_too_large, "ERR_SAFERCHAT_MESSAGE_TOO_LARGE",
     "The message is larger than the host accepts."},
    {ErrorCode::message_truncated, "ERR_SAFERCHAT_MESSAGE_TRUNCATED",
     "The input ended inside a message."},
    {ErrorCode::invalid_utf8, "ERR_SAFERCHAT_INVALID_UTF8", "The message is not valid UTF-8."},
    {ErrorCode::invalid_json, "ERR_SAFERCHAT_INVALID_JSON", "The message is not valid JSON."},
    {ErrorCode::not_an_object, "ERR_SAFERCHAT_NOT_AN_OBJECT", "The message is not a JSON object."},
    {ErrorCode::missing_command, "ERR_SAFERCHAT_MISSING_COMMAND",
     "The message has no string \"command\"."},
    {ErrorCode::unknown_command, "ERR_SAFERCHAT_UNKNOWN_COMMAND", "The command is not known."},
    {ErrorCode::invalid_argument, "ERR_SAFERCHAT_INVALID_ARGUMENT",
     "An argument is missing, of the wrong type or out of range."},
    {ErrorCode::invalid_origin, "ERR_SAFERCHAT_INVALID_ORIGIN",
     "The origin is not an https origin the host accepts."},
    {ErrorCode::invalid_challenge, "ERR_SAFERCHAT_INVALID_CHALLENGE",
     "The challenge nonce is not 44 to 128 base64 characters."},
    {ErrorCode::caller_not_allowed, "ERR_SAFERCHAT_CALLER_NOT_ALLOWED",
     "The host was not started by an allowed extension."},
    {ErrorCode::command_not_available, "ERR_SAFERCHAT_COMMAND_NOT_AVAILABLE",
     "This host version does not implement the command yet."},
    {ErrorCode::response_too_large, "ERR_SAFERCHAT_RESPONSE_TOO_LARGE",
     "The reply would be larger than a browser accepts."},
    {ErrorCode::internal, "ERR_SAFERCHAT_INTERNAL", "The host failed unexpectedly."},
    {ErrorCode::host_busy, "ERR_SAFERCHAT_HOST_BUSY",
     "Another request was using the card until this request's timeout."},
    {ErrorCode::request_cancelled, "ERR_SAFERCHAT_REQUEST_CANCELLED",
     "The request was cancelled by the browser."},
    {ErrorCode::pcsc_unavailable, "ERR_SAFERCHAT_PCSC_UNAVAILABLE",
     "The smart card service (PC/SC) is not running."},
    {ErrorCode::no_reader, "ERR_SAFERCHAT_NO_READER", "No card reader is connected."},
    {ErrorCode::no_card, "ERR_SAFERCHAT_NO_CARD", "No card is in the reader."},
    {ErrorCode::card_removed, "ERR_SAFERCHAT_CARD_REMOVED", "The card was removed."},
    {ErrorCode::card_reset, "ERR_SAFERCHAT_CARD_RESET",
     "Another program reset the card; try again."},
    {ErrorCode::card_busy, "ERR_SAFERCHAT_CARD_BUSY", "Another program is using the card."},
    {ErrorCode::card_communication, "ERR_SAFERCHAT_CARD_COMMUNICATION",
     "Communication with the card failed."},
    {ErrorCode::unknown_card, "ERR_SAFERCHAT_UNKNOWN_CARD",
     "The card is not a Belgian eID or Kids-ID card."},
    {ErrorCode::card_error, "ERR_SAFERCHAT_CARD_ERROR", "The card refused a command unexpectedly."},
    {ErrorCode::no_auth_certificate, "ERR_SAFERCHAT_NO_AUTH_CERTIFICATE",
     "The card has no authentication certificate (Kids-ID of a child under 6?)."},
    {ErrorCode::pin_invalid_format, "ERR_SAFERCHAT_PIN_INVALID_FORMAT",
     "A PIN has 4 to 12 digits."},
    {ErrorCode::pin_wrong, "ERR_SAFERCHAT_PIN_WRONG", "The PIN is wrong."},
    {ErrorCode::pin_blocked, "ERR_SAFERCHAT_PIN_BLOCKED",
     "The PIN is blocked after too many wrong tries."},
    {ErrorCode::user_cancelled, "ERR_SAFERCHAT_USER_CANCELLED", "The user cancelled."},
    {ErrorCode::user_timeout, "ERR_SAFERCHAT_USER_TIMEOUT", "The user did not answer in time."},
    {ErrorCode::pin_dialog_failed, "ERR_SAFERCHAT_PIN_DIALOG_FAILED",
     "The PIN dialog could not be shown or stopped working. On Linux it needs a graphical "
     "pinentry: install the package pinentry-gnome3 (or pinentry-qt, pinentry-gtk2)."},
}};

constexpr bool table_in_enum_order() {
  for (std::size_t i = 0; i < code_texts.size(); ++i) {
    if (static_cast<std::size_t>(code_texts.at(i).code) != i) {
      return false;
    }
  }
  return static_cast<std::size_t>(ErrorCode::pin_dialog_failed) + 1 == code_texts.size();
}
static_assert(table_in_enum_order(), "code_texts must list every ErrorCode in enum order");

constexpr std::array<ErrorCode, code_texts.size()> make_all_codes() {
  std::array<ErrorCode, code_texts.size()> codes{};
  for (std::size_t i = 0; i < codes.size(); ++i) {
    codes.at(i) = code_texts.at(i).code;
  }
  return codes;
}
constexpr auto all_codes = make_all_codes();

}  // namespace

std::string_view code_name(ErrorCode code) noexcept {
  return code_texts.at(static_cast<std::size_t>(code)).name;
}

std::string_view public_message(ErrorCode code) noexcept {
  return code_texts.at(static_cast<std::size_t>(code)).message;
}

std::span<const ErrorCode> all_error_codes() noexcept { return all_codes; }

}  // namespace saferchat
