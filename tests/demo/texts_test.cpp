// SPDX-License-Identifier: Apache-2.0
// The demo chat's words: every refusal and every page text exists in all four languages, with
// the same placeholders in each; every verifier category and every page API error code has
// its refusal (checked against the verifier library and the page API's own list).
#include "chat/texts.hpp"

#include <array>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "verify/reason.hpp"

namespace saferchat::demo {
namespace {

std::set<std::string> placeholders(std::string_view text) {
  std::set<std::string> found;
  const std::string copy(text);
  const std::regex pattern(R"(\{([a-z]+)\})");
  for (auto it = std::sregex_iterator(copy.begin(), copy.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    found.insert((*it)[1].str());
  }
  return found;
}

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(SAFERCHAT_SOURCE_DIR) + "/" + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every ERR_SAFERCHAT_… code named in a file.
std::set<std::string> error_codes_in(const std::string& text) {
  std::set<std::string> codes;
  const std::regex pattern("ERR_SAFERCHAT_[A-Z0-9_]+[A-Z0-9]");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    codes.insert(it->str());
  }
  return codes;
}

TEST(Texts, FourLanguagesInSwitcherOrder) {
  ASSERT_EQ(languages().size(), 4U);
  EXPECT_EQ(languages()[0], Language::nl);
  EXPECT_EQ(languages()[1], Language::fr);
  EXPECT_EQ(languages()[2], Language::de);
  EXPECT_EQ(languages()[3], Language::en);
}

TEST(Texts, EveryRefusalHasAnIdAndTextsInEveryLanguage) {
  EXPECT_EQ(all_refusals().size(), 25U);
  std::set<std::string_view> ids;
  for (std::size_t i = 0; i < all_refusals().size(); ++i) {
    const Refusal refusal = all_refusals()[i];
    EXPECT_EQ(static_cast<std::size_t>(refusal), i) << "rows in declaration order";
    const std::string_view id = refusal_id(refusal);
    EXPECT_TRUE(ids.insert(id).second) << id;
    EXPECT_EQ(refusal_from_id(id), refusal) << id;
    const auto english = placeholders(refusal_template(refusal, Language::en));
    for (const Language language : languages()) {
      const std::string_view text = refusal_template(refusal, language);
      EXPECT_GE(text.size(), 20U) << id << " " << language_code(language);
      EXPECT_EQ(text.find('<'), std::string_view::npos) << id;
      EXPECT_EQ(placeholders(text), english) << id << " " << language_code(language);
      EXPECT_FALSE(refusal_title(refusal, language).empty());
    }
  }
  EXPECT_EQ(refusal_from_id("no_such_refusal"), std::nullopt);
}

TEST(Texts, TranslationsDiffer) {
  // A row copied from English into another language would pass the checks above.
  for (const Refusal refusal : all_refusals()) {
    std::set<std::string_view> texts;
    for (const Language language : languages()) {
      texts.insert(refusal_template(refusal, language));
    }
    EXPECT_EQ(texts.size(), 4U) << refusal_id(refusal);
  }
}

TEST(Texts, AnAdultAtTheKidsRoomIsToldWhyInEveryLanguage) {
  const Room& kids = *find_room("kids");
  EXPECT_EQ(refusal_text(Refusal::too_old, Language::en, &kids),
            "This room is for children from 6 to 11. Your card says you are older, so you can't "
            "come in.");
  EXPECT_EQ(refusal_text(Refusal::too_old, Language::nl, &kids),
            "Deze kamer is voor kinderen van 6 tot 11 jaar. Je kaart zegt dat je ouder bent, dus "
            "je kunt niet binnen.");
  EXPECT_EQ(refusal_text(Refusal::too_old, Language::fr, &kids),
            "Ce salon est pour les enfants de 6 à 11 ans. Ta carte dit que tu es plus âgé, alors "
            "tu ne peux pas entrer.");
  EXPECT_EQ(refusal_text(Refusal::too_old, Language::de, &kids),
            "Dieser Raum ist für Kinder von 6 bis 11 Jahren. Deine Karte sagt, dass du älter "
            "bist. Darum kannst du nicht hinein.");
  EXPECT_EQ(refusal_title(Refusal::too_old, Language::en), "You can't come in");
  EXPECT_EQ(refusal_title(Refusal::cancelled, Language::en), "That didn't work");
  // Without a room the placeholders stay.
  EXPECT_NE(refusal_text(Refusal::too_young, Language::en, nullptr).find("{min}"),
            std::string::npos);
}

TEST(Texts, EveryVerifierCategoryHasItsRefusal) {
  std::set<std::string_view> categories;
  for (const verify::Reason reason : verify::all_reasons()) {
    categories.insert(verify::category_name(verify::reason_category(reason)));
  }
  EXPECT_EQ(categories.size(), 9U);
  for (const std::string_view category : categories) {
    const auto refusal = refusal_from_id(category);
    ASSERT_TRUE(refusal.has_value()) << category;
    EXPECT_EQ(refusal_for_category(category), *refusal) << category;
  }
  // Reasons the demo must word exactly.
  EXPECT_EQ(refusal_for_category(
                verify::category_name(verify::reason_category(verify::Reason::age_too_high))),
            Refusal::too_old);
  EXPECT_EQ(refusal_for_category(verify::category_name(
                verify::reason_category(verify::Reason::certificate_expired))),
            Refusal::card_expired);
  // A newer verifier's category, or a page API refusal's id sent as a category.
  EXPECT_EQ(refusal_for_category("from_the_future"), Refusal::software_problem);
  EXPECT_EQ(refusal_for_category("extension_missing"), Refusal::software_problem);
}

TEST(Texts, EveryPageApiErrorCodeHasItsRefusal) {
  std::set<std::string> listed;
  for (const PageApiErrorRefusal& entry : page_api_error_refusals()) {
    EXPECT_TRUE(listed.insert(std::string(entry.code)).second) << entry.code;
  }
  // The page API's own list and the host's error table (docs/protocol.md §5).
  std::set<std::string> known = error_codes_in(read_source("extension/page-api/saferchat.mjs"));
  const std::set<std::string> host = error_codes_in(read_source("docs/protocol.md"));
  ASSERT_GE(known.size(), 25U) << "extension/page-api/saferchat.mjs not read";
  ASSERT_GE(host.size(), 25U) << "docs/protocol.md not read";
  known.insert(host.begin(), host.end());
  for (const std::string& code : known) {
    EXPECT_TRUE(listed.contains(code)) << code << " has no refusal in demo/chat/texts.cpp";
  }
}

TEST(Texts, PageApiErrorsMapToWhatTheChildNeedsToHear) {
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_EXTENSION_MISSING"),
            Refusal::extension_missing);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_HOST_MISSING"), Refusal::host_missing);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_USER_CANCELLED"), Refusal::cancelled);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_PIN_BLOCKED"), Refusal::pin_blocked);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_CARD_REMOVED"), Refusal::card_removed);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_USER_TIMEOUT"), Refusal::timeout);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_TIMEOUT"), Refusal::timeout);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_NO_AUTH_CERTIFICATE"),
            Refusal::no_auth_certificate);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_NO_READER"), Refusal::no_reader);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_UNKNOWN_CARD"), Refusal::not_a_belgian_card);
  // Issue 14: a gesture, a site's turn, a card the page may not know about, the parents' list.
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED"),
            Refusal::press_again);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_PAGE_NOT_ACTIVE"), Refusal::press_again);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_RETRY_LATER"), Refusal::wait_a_moment);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_ANOTHER_SITE_ASKING"),
            Refusal::other_window_open);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_CARD_NOT_USABLE"), Refusal::card_not_usable);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_ORIGIN_NOT_ALLOWED"),
            Refusal::site_not_allowed);
  EXPECT_EQ(refusal_for_page_api_error("ERR_SAFERCHAT_SOMETHING_NEW"), Refusal::software_problem);
  EXPECT_EQ(refusal_for_page_api_error(""), Refusal::software_problem);
}

TEST(Texts, EveryPageTextInEveryLanguage) {
  std::set<std::string_view> keys;
  for (const UiText& row : ui_texts()) {
    EXPECT_TRUE(keys.insert(row.key).second) << row.key;
    const auto english = placeholders(row.en);
    for (const Language language : languages()) {
      const std::string_view text = ui_text(row.key, language);
      EXPECT_FALSE(text.empty()) << row.key << " " << language_code(language);
      EXPECT_EQ(text.find('<'), std::string_view::npos) << row.key;
      EXPECT_EQ(placeholders(text), english) << row.key << " " << language_code(language);
    }
  }
  EXPECT_EQ(ui_text("no_such_key", Language::en), "");
}

TEST(Texts, EveryChatErrorAndRoomHasAPageText) {
  for (const char* name : {"INVALID_FRAME", "EMPTY", "TOO_LONG", "INVALID_TEXT", "TOO_FAST"}) {
    EXPECT_FALSE(ui_text("chat_error_" + std::string(name), Language::nl).empty()) << name;
  }
  for (const Room& room : rooms()) {
    EXPECT_FALSE(ui_text("room_" + std::string(room.id), Language::de).empty()) << room.id;
  }
}

TEST(Placeholders, FilledWhenKnownKeptOtherwise) {
  const std::array<Placeholder, 2> values{{{"name", "Lotte"}, {"age", "9"}}};
  EXPECT_EQ(fill_placeholders("{name} ({age})", values), "Lotte (9)");
  EXPECT_EQ(fill_placeholders("{other} {name}", values), "{other} Lotte");
  EXPECT_EQ(fill_placeholders("no braces", values), "no braces");
  EXPECT_EQ(fill_placeholders("open { only", values), "open { only");
  EXPECT_EQ(fill_placeholders("{name", values), "{name");
  EXPECT_EQ(fill_placeholders("", values), "");
  // A value is never read as a template.
  const std::array<Placeholder, 1> tricky{{{"name", "{age}"}}};
  EXPECT_EQ(fill_placeholders("{name}", tricky), "{age}");
}

}  // namespace
}  // namespace saferchat::demo
