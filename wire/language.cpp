// SPDX-License-Identifier: Apache-2.0
#include "wire/language.hpp"

#include <array>
#include <utility>

namespace saferchat {
namespace {

constexpr std::array<std::pair<std::string_view, Language>, 4> codes{{
    {"nl", Language::nl},
    {"fr", Language::fr},
    {"de", Language::de},
    {"en", Language::en},
}};

}  // namespace

std::string_view language_code(Language language) noexcept {
  for (const auto& [code, value] : codes) {
    if (value == language) {
      return code;
    }
  }
  return "en";
}

std::optional<Language> language_from_subtag(std::string_view subtag) noexcept {
  for (const auto& [code, value] : codes) {
    if (code == subtag) {
      return value;
    }
  }
  return std::nullopt;
}

std::optional<Language> language_from_locale(std::string_view locale) noexcept {
  // The language part ends at the territory, codeset or modifier.
  const std::size_t end = locale.find_first_of("_.@");
  return language_from_subtag(locale.substr(0, end));
}

Language choose_language(std::string_view request_subtag, const LocaleSettings& locale) noexcept {
  if (const auto requested = language_from_subtag(request_subtag)) {
    return *requested;
  }
  for (const std::string_view setting : {locale.lc_all, locale.lc_messages, locale.lang}) {
    if (!setting.empty()) {
      return language_from_locale(setting).value_or(Language::en);
    }
  }
  return Language::en;
}

}  // namespace saferchat
