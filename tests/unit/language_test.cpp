// SPDX-License-Identifier: Apache-2.0
#include "wire/language.hpp"

#include <gtest/gtest.h>

namespace saferchat {
namespace {

TEST(Language, FromSubtag) {
  EXPECT_EQ(language_from_subtag("nl"), Language::nl);
  EXPECT_EQ(language_from_subtag("fr"), Language::fr);
  EXPECT_EQ(language_from_subtag("de"), Language::de);
  EXPECT_EQ(language_from_subtag("en"), Language::en);
  EXPECT_EQ(language_from_subtag("es"), std::nullopt);
  EXPECT_EQ(language_from_subtag("nl-BE"), std::nullopt);  // only the primary subtag
  EXPECT_EQ(language_from_subtag(""), std::nullopt);
}

TEST(Language, FromLocaleName) {
  EXPECT_EQ(language_from_locale("nl_BE.UTF-8"), Language::nl);
  EXPECT_EQ(language_from_locale("fr_BE@euro"), Language::fr);
  EXPECT_EQ(language_from_locale("de_BE.UTF-8@euro"), Language::de);
  EXPECT_EQ(language_from_locale("de"), Language::de);
  EXPECT_EQ(language_from_locale("en_GB.UTF-8"), Language::en);
  EXPECT_EQ(language_from_locale("C.UTF-8"), std::nullopt);
  EXPECT_EQ(language_from_locale("C"), std::nullopt);
  EXPECT_EQ(language_from_locale("POSIX"), std::nullopt);
  EXPECT_EQ(language_from_locale("es_ES.UTF-8"), std::nullopt);
  EXPECT_EQ(language_from_locale(""), std::nullopt);
}

TEST(Language, RequestFirstThenLocaleThenEnglish) {
  const LocaleSettings dutch{.lc_all = "", .lc_messages = "", .lang = "nl_BE.UTF-8"};
  EXPECT_EQ(choose_language("fr", dutch), Language::fr);
  EXPECT_EQ(choose_language("", dutch), Language::nl);
  EXPECT_EQ(choose_language("es", dutch), Language::nl);  // no Spanish texts: the locale
  EXPECT_EQ(choose_language("", LocaleSettings{}), Language::en);
  EXPECT_EQ(choose_language("es", LocaleSettings{}), Language::en);
}

TEST(Language, LocaleVariablesInPosixOrder) {
  EXPECT_EQ(choose_language(
                "", {.lc_all = "de_BE.UTF-8", .lc_messages = "fr_BE.UTF-8", .lang = "nl_BE.UTF-8"}),
            Language::de);
  EXPECT_EQ(
      choose_language("", {.lc_all = "", .lc_messages = "fr_BE.UTF-8", .lang = "nl_BE.UTF-8"}),
      Language::fr);
  // LC_ALL=C governs everything: English, even with a Dutch LANG.
  EXPECT_EQ(choose_language("", {.lc_all = "C", .lc_messages = "", .lang = "nl_BE.UTF-8"}),
            Language::en);
}

TEST(Language, Codes) {
  EXPECT_EQ(language_code(Language::nl), "nl");
  EXPECT_EQ(language_code(Language::fr), "fr");
  EXPECT_EQ(language_code(Language::de), "de");
  EXPECT_EQ(language_code(Language::en), "en");
}

}  // namespace
}  // namespace saferchat
