// SPDX-License-Identifier: Apache-2.0
// What the child reads in the PIN dialog and in the other messages, in Dutch, French, German
// and English: short sentences for a 9-year-old that say who asks, what the site learns, and
// that the PIN stays on this computer. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/language.hpp"

namespace saferchat {

// Who is asking, as the child should see it: the origin's host, with the port when it is not
// the scheme's default; never a scheme, path, query or user name.
// "https://chat.example" → "chat.example", "https://chat.example:8443" → "chat.example:8443",
// "http://[::1]:3000" → "[::1]:3000". Characters that cannot be in a host become '?'.
[[nodiscard]] std::string origin_for_display(std::string_view origin);

// The texts of one PIN request (pinentry's SETTITLE, SETDESC, SETPROMPT, SETOK, SETCANCEL,
// SETERROR).
struct PinDialogTexts {
  std::string title;
  std::string description;  // lines separated by '\n'
  std::string prompt;
  std::string ok;
  std::string cancel;
  std::string error;     // the red line: empty unless the last PIN was wrong
  std::string show_pin;  // tooltips of the button that shows or hides the digits
  std::string hide_pin;
};

// `tries_left`: set when the card rejected the last PIN (1 or more tries left).
[[nodiscard]] PinDialogTexts pin_dialog_texts(Language language, std::string_view origin,
                                              std::optional<int> tries_left);

// The red line after a wrong PIN: "Wrong PIN code. You can try 2 more times."; with one try
// left, a stronger warning that the card gets blocked.
[[nodiscard]] std::string wrong_pin_text(Language language, int tries_left);

// The red line when what was typed is not 4 to 12 digits (it never reaches the card, so no
// try is used); reminds of the tries left when the card had already rejected a PIN.
[[nodiscard]] std::string invalid_format_text(Language language, std::optional<int> tries_left);

enum class MessageKind : std::uint8_t {
  insert_card,    // no card in any reader yet: "Put your ID card in the card reader"
  pin_pad,        // the reader has its own keys: "Type your PIN on the card reader"
  several_cards,  // more than one card: keep only your own
  card_blocked,   // no PIN tries left: the PUK letter and the town hall
};

// A message shown until something happens (card inserted, PIN typed on the reader) or the
// child presses the button.
struct DialogMessage {
  MessageKind kind = MessageKind::insert_card;
  std::string origin;  // the requesting page's origin (who is asking)
  Language language = Language::en;
  std::optional<int> tries_left;  // pin_pad: set when the card rejected the last PIN
};

struct MessageTexts {
  std::string title;
  std::string description;  // lines separated by '\n'
  std::string button;       // the only button: "Stop", or "OK" for card_blocked
};

[[nodiscard]] MessageTexts message_texts(const DialogMessage& message);

}  // namespace saferchat
