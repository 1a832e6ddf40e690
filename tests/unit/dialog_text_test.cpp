// SPDX-License-Identifier: Apache-2.0
#include "ui/dialog_text.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/expected_dialog_text.hpp"
#include "ui/assuan.hpp"
#include "ui/pin_dialog.hpp"

namespace saferchat {
namespace {

constexpr std::array<Language, 4> languages{Language::nl, Language::fr, Language::de, Language::en};
constexpr std::array<MessageKind, 4> kinds{MessageKind::insert_card, MessageKind::pin_pad,
                                           MessageKind::several_cards, MessageKind::card_blocked};

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

TEST(OriginForDisplay, HostAndNonDefaultPortOnly) {
  EXPECT_EQ(origin_for_display("https://chat.example"), "chat.example");
  EXPECT_EQ(origin_for_display("https://chat.example:8443"), "chat.example:8443");
  EXPECT_EQ(origin_for_display("https://chat.example:443"), "chat.example");
  EXPECT_EQ(origin_for_display("http://localhost:80"), "localhost");
  EXPECT_EQ(origin_for_display("http://localhost:3000"), "localhost:3000");
  EXPECT_EQ(origin_for_display("http://[::1]:3000"), "[::1]:3000");
  EXPECT_EQ(origin_for_display("http://[::1]"), "[::1]");
  EXPECT_EQ(origin_for_display("https://127.0.0.1:8443"), "127.0.0.1:8443");
  // Never a path, query, fragment or user name, whatever arrives.
  EXPECT_EQ(origin_for_display("https://chat.example/rooms/kids?x=1#top"), "chat.example");
  EXPECT_EQ(origin_for_display("https://evil@chat.example:8443/x"), "chat.example:8443");
  EXPECT_EQ(origin_for_display("https://chat.example%0Afake"), "chat.example?0Afake");
  EXPECT_EQ(origin_for_display("https://xn--caf-dma.example"), "xn--caf-dma.example");
}

TEST(DialogText, EveryLanguageHasEveryText) {
  for (const Language language : languages) {
    SCOPED_TRACE(std::string(language_code(language)));
    const PinDialogTexts texts = pin_dialog_texts(language, "https://chat.example", std::nullopt);
    for (const std::string& text : {texts.title, texts.description, texts.prompt, texts.ok,
                                    texts.cancel, texts.show_pin, texts.hide_pin}) {
      EXPECT_FALSE(text.empty());
      EXPECT_FALSE(contains(text, "{"));  // no placeholder left
    }
    EXPECT_EQ(texts.error, "");
    for (const int tries : {1, 2, 3}) {
      EXPECT_FALSE(wrong_pin_text(language, tries).empty());
      EXPECT_FALSE(contains(wrong_pin_text(language, tries), "{"));
    }
    EXPECT_FALSE(invalid_format_text(language, std::nullopt).empty());
    for (const MessageKind kind : kinds) {
      const MessageTexts message = message_texts({.kind = kind,
                                                  .origin = "https://chat.example",
                                                  .language = language,
                                                  .tries_left = std::nullopt});
      EXPECT_FALSE(message.title.empty());
      EXPECT_FALSE(message.description.empty());
      EXPECT_FALSE(message.button.empty());
      EXPECT_FALSE(contains(message.description, "{"));
    }
  }
}

TEST(DialogText, LanguagesDiffer) {
  std::vector<std::string> descriptions;
  for (const Language language : languages) {
    descriptions.push_back(pin_dialog_texts(language, "https://a.example", {}).description);
  }
  for (std::size_t i = 0; i < descriptions.size(); ++i) {
    for (std::size_t j = i + 1; j < descriptions.size(); ++j) {
      EXPECT_NE(descriptions[i], descriptions[j]);
    }
  }
}

TEST(DialogText, DescriptionSaysWhoAsksWhatItLearnsAndThatThePinStays) {
  struct Words {
    Language language;
    std::vector<std::string_view> must_say;
  };
  const std::vector<Words> table{
      {Language::nl, {"naam", "leeftijd", "identiteitskaart", "pincode", "deze computer"}},
      {Language::fr, {"nom", "âge", "carte d'identité", "code PIN", "cet ordinateur"}},
      {Language::de, {"Namen", "Alter", "Personalausweis", "PIN-Code", "diesem Computer"}},
      {Language::en, {"name", "age", "ID card", "PIN code", "this computer"}},
  };
  for (const auto& [language, must_say] : table) {
    const std::string description =
        pin_dialog_texts(language, "https://chat.example:8443", std::nullopt).description;
    EXPECT_TRUE(contains(description, "chat.example:8443")) << description;
    EXPECT_FALSE(contains(description, "https")) << description;
    for (const std::string_view word : must_say) {
      EXPECT_TRUE(contains(description, word)) << word << " in " << description;
    }
  }
}

TEST(DialogText, EnglishPinDialogWordForWord) {
  const PinDialogTexts texts = pin_dialog_texts(Language::en, "https://chat.example", 2);
  EXPECT_EQ(texts.title, "Safer Chat");
  EXPECT_EQ(texts.description,
            "The website chat.example wants to know if you are a child.\n"
            "It will see your name and your age, read from your ID card.\n"
            "\n"
            "Is that OK? Then type the PIN code of your ID card.\n"
            "Your PIN code stays on this computer. The website never sees it.");
  EXPECT_EQ(texts.prompt, "PIN code:");
  EXPECT_EQ(texts.ok, "OK");
  EXPECT_EQ(texts.cancel, "Stop");
  EXPECT_EQ(texts.error, "Wrong PIN code. You can try 2 more times.");
}

TEST(DialogText, TriesLeftWording) {
  for (const auto& expected : testing::expected_tries_texts) {
    SCOPED_TRACE(std::string(language_code(expected.language)));
    EXPECT_EQ(wrong_pin_text(expected.language, 2), expected.two_left);
    EXPECT_EQ(wrong_pin_text(expected.language, 1), expected.one_left);
    EXPECT_EQ(pin_dialog_texts(expected.language, "https://chat.example", 1).error,
              expected.one_left);
  }
  EXPECT_EQ(wrong_pin_text(Language::nl, 3), "Verkeerde pincode. Je mag nog 3 keer proberen.");
}

TEST(DialogText, InvalidFormatRemindsOfTriesLeft) {
  EXPECT_EQ(invalid_format_text(Language::en, std::nullopt),
            "A PIN code has 4 to 12 digits, and nothing else. Try again: this one did not "
            "count.");
  EXPECT_EQ(invalid_format_text(Language::en, 1),
            "A PIN code has 4 to 12 digits, and nothing else. Try again: this one did not "
            "count. Careful! You can try only 1 more time. If it is wrong again, your card "
            "gets blocked.");
  EXPECT_EQ(invalid_format_text(Language::nl, 2),
            "Een pincode heeft 4 tot 12 cijfers, en verder niets. Probeer het opnieuw: dit "
            "telde niet mee. Je mag nog 2 keer proberen.");
}

TEST(DialogText, MessagesInBelgianWords) {
  const auto insert = [](Language language) {
    return message_texts({.kind = MessageKind::insert_card,
                          .origin = "https://chat.example",
                          .language = language,
                          .tries_left = std::nullopt})
        .description;
  };
  EXPECT_EQ(insert(Language::en),
            "The website chat.example wants to know if you are a child.\n\n"
            "Put your ID card in the card reader.");
  EXPECT_TRUE(contains(insert(Language::nl), "Steek je identiteitskaart in de kaartlezer."));
  EXPECT_TRUE(contains(insert(Language::fr), "Mets ta carte d'identité dans le lecteur de carte."));
  EXPECT_TRUE(contains(insert(Language::de), "Steck deinen Personalausweis in den Kartenleser."));
  for (const Language language : languages) {
    EXPECT_TRUE(contains(insert(language), "chat.example"));
  }
}

TEST(DialogText, PinPadAndBlockedAndSeveralCards) {
  const MessageTexts pad = message_texts({.kind = MessageKind::pin_pad,
                                          .origin = "https://chat.example",
                                          .language = Language::en,
                                          .tries_left = 1});
  EXPECT_EQ(pad.description,
            "The website chat.example wants to know if you are a child.\n"
            "It will see your name and your age, read from your ID card.\n\n"
            "Is that OK? Then type your PIN code on the card reader. The website never sees "
            "it.\n\n"
            "Wrong PIN code. Careful! You can try only 1 more time. If it is wrong again, your "
            "card gets blocked.");
  EXPECT_EQ(pad.button, "Stop");

  const MessageTexts blocked = message_texts({.kind = MessageKind::card_blocked,
                                              .origin = "https://chat.example",
                                              .language = Language::en,
                                              .tries_left = std::nullopt});
  EXPECT_EQ(blocked.description,
            "Your card's PIN is blocked. Ask a parent: with the PUK code from the letter you "
            "got with your card, the town hall can unblock it.");
  EXPECT_EQ(blocked.button, "OK");
  EXPECT_TRUE(contains(message_texts({.kind = MessageKind::card_blocked,
                                      .origin = "https://chat.example",
                                      .language = Language::nl,
                                      .tries_left = std::nullopt})
                           .description,
                       "PUK-code"));

  const MessageTexts several = message_texts({.kind = MessageKind::several_cards,
                                              .origin = "https://chat.example",
                                              .language = Language::en,
                                              .tries_left = std::nullopt});
  EXPECT_TRUE(contains(several.description, "more than one ID card"));
}

TEST(DialogText, LongestOriginStillFitsAnAssuanLine) {
  const std::string origin = "https://" + std::string(240, 'a') + ".example:65535";
  for (const Language language : languages) {
    const PinDialogTexts texts = pin_dialog_texts(language, origin, 1);
    EXPECT_NO_THROW(static_cast<void>(assuan_command("SETDESC", texts.description)));
    EXPECT_NO_THROW(static_cast<void>(assuan_command("SETERROR", texts.error)));
    EXPECT_NO_THROW(
        static_cast<void>(assuan_command("SETERROR", invalid_format_text(language, 1))));
    for (const MessageKind kind : kinds) {
      EXPECT_NO_THROW(static_cast<void>(assuan_command(
          "SETDESC",
          message_texts({.kind = kind, .origin = origin, .language = language, .tries_left = 1})
              .description)));
    }
  }
}

TEST(PinFormat, FourToTwelveAsciiDigits) {
  const auto ok = [](std::string_view pin) {
    return is_valid_pin_format({reinterpret_cast<const std::uint8_t*>(pin.data()), pin.size()});
  };
  EXPECT_TRUE(ok("1234"));
  EXPECT_TRUE(ok("123456789012"));
  EXPECT_FALSE(ok("123"));
  EXPECT_FALSE(ok("1234567890123"));
  EXPECT_FALSE(ok(""));
  EXPECT_FALSE(ok("12a4"));
  EXPECT_FALSE(ok("12 34"));
  EXPECT_FALSE(ok("１２３４"));  // full-width digits are not ASCII
}

}  // namespace
}  // namespace saferchat
