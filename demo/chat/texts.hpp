// SPDX-License-Identifier: Apache-2.0
// Everything the demo chat says to a child, in Dutch, French, German and English: why they
// cannot come in (a refusal, for every verifier category and every failure of the page API),
// and the page's own words. Sentences are written for a 9-year-old: what happened, in their
// terms, and what to do next. Pure; the page gets them all from GET /api/config.
//
// Placeholders: {min} and {max} (the room's ages), {name} (a member's first name).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "chat/room.hpp"
#include "wire/language.hpp"

namespace saferchat::demo {

using saferchat::Language;

// Every language the page offers, in the switcher's order.
[[nodiscard]] std::span<const Language> languages() noexcept;

// Why someone cannot come in (or could not get as far as asking).
enum class Refusal : std::uint8_t {
  // The verifier's categories (saferchatd's "category", docs/verifier.md).
  try_again,
  too_young,
  too_old,
  age_unknown,
  card_expired,
  card_revoked,
  not_a_belgian_card,
  card_problem,
  software_problem,
  // What the page API (extension and host) or the chat itself reports before a verdict.
  extension_missing,
  host_missing,
  cancelled,
  wrong_pin,
  pin_blocked,
  card_removed,
  timeout,
  no_reader,
  no_card,
  no_auth_certificate,
  service_unavailable,
  // Only when the child acts, and which sites may ask (docs/protocol.md §8.4, §8.5).
  press_again,
  wait_a_moment,
  other_window_open,
  card_not_usable,
  site_not_allowed,
};

// Every refusal, in declaration order (for tables and tests).
[[nodiscard]] std::span<const Refusal> all_refusals() noexcept;

// "too_old", … (the enumerator's name; the verifier's category name for the first nine).
[[nodiscard]] std::string_view refusal_id(Refusal refusal) noexcept;
[[nodiscard]] std::optional<Refusal> refusal_from_id(std::string_view id) noexcept;

// Whether the card itself said no (age, validity, not a Belgian card): the page titles these
// "You can't come in"; the others "That didn't work", with the way to try again.
[[nodiscard]] bool is_final_refusal(Refusal refusal) noexcept;

// The sentence's template, with its placeholders.
[[nodiscard]] std::string_view refusal_template(Refusal refusal, Language language) noexcept;
[[nodiscard]] std::string_view refusal_title(Refusal refusal, Language language) noexcept;

// The sentence for this room ({min}, {max} filled in; without a room they stay as written).
[[nodiscard]] std::string refusal_text(Refusal refusal, Language language, const Room* room);

// The refusal for a verifier verdict: by category; a category this demo does not know (a newer
// verifier) is a software_problem.
[[nodiscard]] Refusal refusal_for_category(std::string_view category) noexcept;

// The refusal for an error code of the page API (the extension's own codes and the host's,
// docs/protocol.md §5 and §8.4); an unknown code is a software_problem.
[[nodiscard]] Refusal refusal_for_page_api_error(std::string_view code) noexcept;

// The page API codes refusal_for_page_api_error knows (the page gets this table too).
struct PageApiErrorRefusal {
  std::string_view code;
  Refusal refusal;
};
[[nodiscard]] std::span<const PageApiErrorRefusal> page_api_error_refusals() noexcept;

// The page's own words, by key ("join", "send", "chat_error_TOO_FAST", …).
struct UiText {
  std::string_view key;
  std::string_view nl;
  std::string_view fr;
  std::string_view de;
  std::string_view en;
};
[[nodiscard]] std::span<const UiText> ui_texts() noexcept;
[[nodiscard]] std::string_view ui_text(std::string_view key, Language language) noexcept;

// Fills {name}-style placeholders: each {key} found in `values` is replaced, others are kept.
struct Placeholder {
  std::string_view key;
  std::string value;
};
[[nodiscard]] std::string fill_placeholders(std::string_view text,
                                            std::span<const Placeholder> values);

}  // namespace saferchat::demo
