// SPDX-License-Identifier: Apache-2.0
// The language the child is spoken to in: Belgium's three languages, and English. Pure: the
// caller passes the request's language and the locale settings.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace saferchat {

enum class Language : std::uint8_t { nl, fr, de, en };

// "nl", "fr", "de", "en".
[[nodiscard]] std::string_view language_code(Language language) noexcept;

// A primary language subtag, already lower-case ("nl" of "nl-BE"): the language, or nullopt
// for a language we have no texts in.
[[nodiscard]] std::optional<Language> language_from_subtag(std::string_view subtag) noexcept;

// A POSIX locale name, "language[_territory][.codeset][@modifier]" ("nl_BE.UTF-8",
// "fr_BE@euro", "de"): its language, or nullopt ("C", "POSIX", "es_ES", empty).
[[nodiscard]] std::optional<Language> language_from_locale(std::string_view locale) noexcept;

// The user's locale variables, as the environment has them (unset = empty).
struct LocaleSettings {
  std::string_view lc_all;
  std::string_view lc_messages;
  std::string_view lang;
};

// The request's language if we have texts in it; else the language of the locale that governs
// messages (POSIX precedence: the first non-empty of LC_ALL, LC_MESSAGES, LANG — so LC_ALL=C
// means English even with LANG=nl_BE.UTF-8); else English.
[[nodiscard]] Language choose_language(std::string_view request_subtag,
                                       const LocaleSettings& locale) noexcept;

}  // namespace saferchat
