// SPDX-License-Identifier: Apache-2.0
#include "chat/http_rules.hpp"

#include <gtest/gtest.h>

namespace saferchat::demo {
namespace {

using namespace std::chrono_literals;

TEST(Cookies, FindsByExactName) {
  const std::string_view header = "a=1; sc_member=abc-DEF_9; sc_join=xyz";
  EXPECT_EQ(find_cookie(header, "sc_member"), "abc-DEF_9");
  EXPECT_EQ(find_cookie(header, "sc_join"), "xyz");
  EXPECT_EQ(find_cookie(header, "a"), "1");
  EXPECT_EQ(find_cookie(header, "member"), std::nullopt);
  EXPECT_EQ(find_cookie(header, "sc"), std::nullopt);
  EXPECT_EQ(find_cookie("", "a"), std::nullopt);
  EXPECT_EQ(find_cookie("a=", "a"), "");
  EXPECT_EQ(find_cookie("novalue; b=2", "b"), "2");
  EXPECT_EQ(find_cookie(";;  b=2 ;", "b"), "2");
}

TEST(Cookies, SetCookieIsHttpOnlyStrictAndSecureOnHttps) {
  EXPECT_EQ(set_cookie("sc_member", "tok", 7200s, true),
            "sc_member=tok; Path=/; Max-Age=7200; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(set_cookie("sc_join", "", 0s, false),
            "sc_join=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}

TEST(AcceptLanguage, BestWeightThenOrder) {
  EXPECT_EQ(language_from_accept_language("fr-BE,fr;q=0.9,en;q=0.8"), Language::fr);
  EXPECT_EQ(language_from_accept_language("es-ES, de;q=0.5, nl;q=0.7"), Language::nl);
  EXPECT_EQ(language_from_accept_language("en;q=0.2, DE"), Language::de);
  EXPECT_EQ(language_from_accept_language("nl, fr"), Language::nl);
  EXPECT_EQ(language_from_accept_language("nl;q=0, fr;q=0.001"), Language::fr);
  EXPECT_EQ(language_from_accept_language("es, it"), Language::en);
  EXPECT_EQ(language_from_accept_language(""), Language::en);
  EXPECT_EQ(language_from_accept_language("*"), Language::en);
  EXPECT_EQ(language_from_accept_language("de;q=1.000, nl;q=1"), Language::de);
}

TEST(LanguageTag, PrimarySubtagOnly) {
  EXPECT_EQ(language_from_tag("nl"), Language::nl);
  EXPECT_EQ(language_from_tag("fr-BE"), Language::fr);
  EXPECT_EQ(language_from_tag("DE-be"), Language::de);
  EXPECT_EQ(language_from_tag("en-GB"), Language::en);
  EXPECT_EQ(language_from_tag("es"), std::nullopt);
  EXPECT_EQ(language_from_tag(""), std::nullopt);
}

TEST(WebSocketOrigin, SchemeMapped) {
  EXPECT_EQ(websocket_origin("https://localhost:8443"), "wss://localhost:8443");
  EXPECT_EQ(websocket_origin("http://localhost:8080"), "ws://localhost:8080");
  EXPECT_EQ(websocket_origin("https://chat.example"), "wss://chat.example");
}

}  // namespace
}  // namespace saferchat::demo
