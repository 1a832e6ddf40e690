// SPDX-License-Identifier: Apache-2.0
// What the child reads in the PIN dialog and in the other messages, in Dutch, French, German
// and English: short sentences for a 9-year-old that say who asks, what the site learns, and
// that the PIN stays on this computer. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wire/error.hpp"
#include "wire/language.hpp"

namespace saferchat {

// Who is asking, as the child should see it: the origin's host, with the port when it is not
// the scheme's default; never a scheme, path, query or user name.
// "https://chat.example" → "chat.example", "https://chat.example:8443" → "chat.example:8443",
// "http://[::1]:3000" → "[::1]:3000". Characters that cannot be in a host become '?'.
[[nodiscard]] std::string origin_for_display(std::string_view origin);

// Who asks, as the child should see it: the origin's registrable domain (public suffix list,
// ui/public_suffix.hpp) to show prominently, and the whole host (with a port other than the
// default) beside it. IP addresses, "localhost" and a host that is itself a public suffix show
// as they are (site == full).
struct SiteForDisplay {
  std::string site;  // "attacker.example"
  std::string full;  // "kinderchat.be.login-secure-session-0123456789abcdef.attacker.example"
};
[[nodiscard]] SiteForDisplay site_for_display(std::string_view origin);

// One thing about the child that a site can learn from a login.
enum class Claim : std::uint8_t {
  name,             // first names and surname (the certificate's subject)
  first_name,       // the first name only
  birth_date,       // encoded in the national register number (YYMMDD…)
  age,              // in years
  national_number,  // the 11-digit national register number (rijksregisternummer)
};

// What the site can learn from the token this login returns, as the dialog tells it: the
// dialog's words are made from this value, and tests compare it with the token.
// - unsealed (docs/protocol.md §4.3): the page, its scripts and whatever carries the token
//   receive the card's authentication certificate: the name, the birth date and the national
//   register number;
// - sealed (§4.4): only the site's checking service (the verifier) opens the token, and for a
//   sealed token it tells the chat at most the first name and the age.
struct Disclosure {
  bool sealed = false;
  std::vector<Claim> claims{Claim::name, Claim::birth_date, Claim::national_number};
};
[[nodiscard]] Disclosure disclosure_for(bool sealed);

// The words that name `claim` in `language`'s dialog text ("your national register number").
[[nodiscard]] std::string_view claim_words(Language language, Claim claim);

// The sentences that tell the child what the site learns, made from `disclosure`.
[[nodiscard]] std::string disclosure_text(Language language, const Disclosure& disclosure);

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
                                              std::optional<int> tries_left,
                                              const Disclosure& disclosure = {});

// The red line after a wrong PIN: "Wrong PIN code. You can try 2 more times."; with one try
// left, a stronger warning that the card gets blocked.
[[nodiscard]] std::string wrong_pin_text(Language language, int tries_left);

// The red line when what was typed is not 4 to 12 digits (it never reaches the card, so no
// try is used); reminds of the tries left when the card had already rejected a PIN.
[[nodiscard]] std::string invalid_format_text(Language language, std::optional<int> tries_left);

enum class MessageKind : std::uint8_t {
  insert_card,      // no card in any reader yet: "Put your ID card in the card reader"
  pin_pad,          // the reader has its own keys: "Type your PIN on the card reader"
  several_cards,    // more than one card: keep only your own
  card_blocked,     // no PIN tries left: the PUK letter and the town hall
  card_not_usable,  // the login cannot reach the PIN: why, and what to do (CardProblem)
};

// Why a card cannot log in, found before the PIN dialog (docs/protocol.md §3.4 step 2). The
// child is told which in the dialog; the page gets one code for all (ERR_SAFERCHAT_CARD_NOT_USABLE
// from the extension, extension/common.js CARD_ERRORS_BEFORE_DIALOG).
enum class CardProblem : std::uint8_t {
  no_auth_certificate,  // a Kids-ID of a child under 6: no authentication certificate
  unknown_card,         // not a Belgian eID or Kids-ID
  card_busy,            // another program holds the card
};

// The card errors that are told to the child in a message (their CardProblem), else nullopt.
[[nodiscard]] std::optional<CardProblem> card_problem_of(ErrorCode code) noexcept;
// Those codes, in CardProblem order.
[[nodiscard]] std::span<const ErrorCode> card_errors_told_in_dialog() noexcept;

// A message shown until something happens (card inserted, PIN typed on the reader) or the
// child presses the button.
struct DialogMessage {
  MessageKind kind = MessageKind::insert_card;
  std::string origin;  // the requesting page's origin (who is asking)
  Language language = Language::en;
  std::optional<int> tries_left;  // pin_pad: set when the card rejected the last PIN
  Disclosure disclosure{};        // pin_pad: what the site learns
  CardProblem problem = CardProblem::no_auth_certificate;  // card_not_usable: why
};

struct MessageTexts {
  std::string title;
  std::string description;  // lines separated by '\n'
  std::string button;       // the only button: "Stop", or "OK" for card_blocked, card_not_usable
  // A message to read and close (pinentry's MESSAGE) rather than a wait the child may stop
  // (CONFIRM --one-button).
  bool to_read = false;
};

[[nodiscard]] MessageTexts message_texts(const DialogMessage& message);

}  // namespace saferchat
