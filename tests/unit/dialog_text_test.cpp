// SPDX-License-Identifier: Apache-2.0
#include "ui/dialog_text.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/expected_dialog_text.hpp"
#include "ui/assuan.hpp"
#include "ui/pin_dialog.hpp"

namespace saferchat {
namespace {

constexpr std::array<Language, 4> languages{Language::nl, Language::fr, Language::de, Language::en};
constexpr std::array<MessageKind, 5> kinds{MessageKind::insert_card, MessageKind::pin_pad,
                                           MessageKind::several_cards, MessageKind::card_blocked,
                                           MessageKind::card_not_usable};

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
      {Language::nl,
       {"je naam", "je geboortedatum", "je rijksregisternummer", "identiteitskaart", "pincode",
        "deze computer"}},
      {Language::fr,
       {"ton nom", "ta date de naissance", "ton numéro de registre national", "carte d'identité",
        "code PIN", "cet ordinateur"}},
      {Language::de,
       {"deinen Namen", "dein Geburtsdatum", "deine Nationalregisternummer", "Personalausweis",
        "PIN-Code", "diesem Computer"}},
      {Language::en,
       {"your name", "your birth date", "your national register number", "ID card", "PIN code",
        "this computer"}},
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
            "It will get what your ID card says: your name, your birth date and your national "
            "register number.\n"
            "\n"
            "Is that OK? Then type the PIN code of your ID card.\n"
            "Your PIN code stays on this computer. The website never sees it.");
  EXPECT_EQ(texts.prompt, "PIN code:");
  EXPECT_EQ(texts.ok, "OK");
  EXPECT_EQ(texts.cancel, "Stop");
  EXPECT_EQ(texts.error, "Wrong PIN code. You can try 2 more times.");
}

TEST(DialogText, EnglishSealedPinDialogWordForWord) {
  const PinDialogTexts texts =
      pin_dialog_texts(Language::en, "https://chat.example", std::nullopt, disclosure_for(true));
  EXPECT_EQ(texts.description,
            "The website chat.example wants to know if you are a child.\n"
            "Only the website's checking service can open what your card sends. The chat learns "
            "at most your first name and your age.\n"
            "\n"
            "Is that OK? Then type the PIN code of your ID card.\n"
            "Your PIN code stays on this computer. The website never sees it.");
}

// The words come from the Disclosure value: exactly its claims are named, sealed or not.
TEST(DialogText, DisclosureNamesExactlyItsClaims) {
  EXPECT_EQ(disclosure_for(false).claims,
            (std::vector<Claim>{Claim::name, Claim::birth_date, Claim::national_number}));
  EXPECT_FALSE(disclosure_for(false).sealed);
  EXPECT_EQ(disclosure_for(true).claims, (std::vector<Claim>{Claim::first_name, Claim::age}));
  EXPECT_TRUE(disclosure_for(true).sealed);
  EXPECT_EQ(Disclosure{}.claims, disclosure_for(false).claims);  // the default claims the most
  constexpr std::array<Claim, 5> every{Claim::name, Claim::first_name, Claim::birth_date,
                                       Claim::age, Claim::national_number};
  for (const auto& expected : testing::expected_claim_words) {
    SCOPED_TRACE(std::string(language_code(expected.language)));
    for (const bool sealed : {false, true}) {
      const Disclosure disclosure = disclosure_for(sealed);
      const std::string description =
          pin_dialog_texts(expected.language, "https://chat.example", std::nullopt, disclosure)
              .description;
      const std::string pad = message_texts({.kind = MessageKind::pin_pad,
                                             .origin = "https://chat.example",
                                             .language = expected.language,
                                             .tries_left = std::nullopt,
                                             .disclosure = disclosure})
                                  .description;
      for (const Claim claim : every) {
        const std::string_view words = expected.claims.at(static_cast<std::size_t>(claim));
        EXPECT_EQ(claim_words(expected.language, claim), words);
        const bool claimed = std::find(disclosure.claims.begin(), disclosure.claims.end(), claim) !=
                             disclosure.claims.end();
        EXPECT_EQ(contains(description, words), claimed) << words << " in " << description;
        EXPECT_EQ(contains(pad, words), claimed) << words << " in " << pad;
      }
      EXPECT_EQ(contains(description, expected.sealed_only), sealed) << description;
    }
  }
}

// French puts a no-break space (U+00A0) before ? ! : and ;, never a plain space or none.
TEST(DialogText, FrenchPunctuationHasNoBreakSpaces) {
  std::vector<std::string> texts;
  for (const bool sealed : {false, true}) {
    const PinDialogTexts pin =
        pin_dialog_texts(Language::fr, "https://a.chat.example", 1, disclosure_for(sealed));
    texts.insert(texts.end(), {pin.description, pin.prompt, pin.error});
  }
  texts.push_back(invalid_format_text(Language::fr, 1));
  for (const MessageKind kind : kinds) {
    for (const CardProblem problem :
         {CardProblem::no_auth_certificate, CardProblem::unknown_card, CardProblem::card_busy}) {
      texts.push_back(message_texts({.kind = kind,
                                     .origin = "https://a.chat.example",
                                     .language = Language::fr,
                                     .tries_left = 1,
                                     .problem = problem})
                          .description);
    }
  }
  const std::string nbsp = "\u00a0";
  for (const std::string& text : texts) {
    for (std::size_t at = 0; at < text.size(); ++at) {
      if (std::string_view("?!:;").find(text[at]) == std::string_view::npos) {
        continue;
      }
      EXPECT_TRUE(at >= nbsp.size() && text.compare(at - nbsp.size(), nbsp.size(), nbsp) == 0)
          << "no no-break space before '" << text[at] << "' at " << at << " in " << text;
    }
  }
  // A number stays with its unit.
  EXPECT_TRUE(contains(message_texts({.kind = MessageKind::card_not_usable,
                                      .origin = "https://chat.example",
                                      .language = Language::fr,
                                      .tries_left = std::nullopt,
                                      .problem = CardProblem::no_auth_certificate})
                           .description,
                       "6\u00a0ans"));
}

TEST(SiteForDisplay, RegistrableDomainProminentFullHostBeside) {
  const SiteForDisplay attacker = site_for_display(
      "https://kinderchat.be.login-secure-session-0123456789abcdef.attacker.example");
  EXPECT_EQ(attacker.site, "attacker.example");
  EXPECT_EQ(attacker.full, "kinderchat.be.login-secure-session-0123456789abcdef.attacker.example");
  const auto site = [](std::string_view origin) { return site_for_display(origin).site; };
  const auto full = [](std::string_view origin) { return site_for_display(origin).full; };
  EXPECT_EQ(site("https://www.bbc.co.uk"), "bbc.co.uk");
  EXPECT_EQ(site("https://kinderchat.be"), "kinderchat.be");
  EXPECT_EQ(full("https://kinderchat.be"), "kinderchat.be");
  EXPECT_EQ(site("https://chat.kinderchat.be:8443"), "kinderchat.be");
  EXPECT_EQ(full("https://chat.kinderchat.be:8443"), "chat.kinderchat.be:8443");
  EXPECT_EQ(site("https://someone.github.io"), "someone.github.io");
  // A host that is a public suffix itself, IP addresses and localhost: as they are.
  EXPECT_EQ(site("https://github.io"), "github.io");
  EXPECT_EQ(site("https://co.uk"), "co.uk");
  EXPECT_EQ(site("https://192.168.1.20:8443"), "192.168.1.20:8443");
  EXPECT_EQ(site("https://10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(site("http://[::1]:3000"), "[::1]:3000");
  EXPECT_EQ(site("https://[2001:db8::1]"), "[2001:db8::1]");
  EXPECT_EQ(site("http://localhost:3000"), "localhost:3000");
  EXPECT_EQ(site("https://xn--caf-dma.example"), "xn--caf-dma.example");
  // Whatever arrives (the host checked the origin before): never more than the host shows.
  EXPECT_EQ(site("https://"), "");
  EXPECT_EQ(site("https://.:8443"), ".:8443");
  EXPECT_EQ(site("https://evil@a.b.kinderchat.be/x?y"), "kinderchat.be");
  EXPECT_EQ(full("https://evil@a.b.kinderchat.be/x?y"), "a.b.kinderchat.be");

  // The dialog: the registrable domain in the sentence, the whole host on the next line.
  const std::string long_host =
      pin_dialog_texts(
          Language::en,
          "https://kinderchat.be.login-secure-session-0123456789abcdef.attacker.example",
          std::nullopt)
          .description;
  EXPECT_EQ(
      long_host.rfind(
          "The website attacker.example wants to know if you are a child.\n"
          "Full address: kinderchat.be.login-secure-session-0123456789abcdef.attacker.example\n"
          "It will get",
          0),
      0U)
      << long_host;
  const std::string plain = pin_dialog_texts(Language::en, "https://kinderchat.be", {}).description;
  EXPECT_FALSE(contains(plain, "Full address")) << plain;
  for (const Language language : languages) {
    const std::string who = message_texts({.kind = MessageKind::insert_card,
                                           .origin = "https://login.kinderchat.be.attacker.example",
                                           .language = language,
                                           .tries_left = std::nullopt})
                                .description;
    EXPECT_TRUE(contains(who, " attacker.example ")) << who;
    EXPECT_TRUE(contains(who, "login.kinderchat.be.attacker.example")) << who;
  }
}

TEST(DialogText, CardNotUsableSaysWhyAndWhatToDo) {
  const auto text = [](Language language, CardProblem problem) {
    return message_texts({.kind = MessageKind::card_not_usable,
                          .origin = "https://chat.example",
                          .language = language,
                          .tries_left = std::nullopt,
                          .problem = problem});
  };
  const MessageTexts young = text(Language::en, CardProblem::no_auth_certificate);
  EXPECT_EQ(young.description,
            "The website chat.example wants to know if you are a child.\n\n"
            "This card cannot be used to log in on websites. Cards of children under 6 cannot "
            "do that yet. Ask a grown-up for help.");
  EXPECT_EQ(young.button, "OK");
  EXPECT_TRUE(young.to_read);
  EXPECT_EQ(text(Language::en, CardProblem::unknown_card).description,
            "The website chat.example wants to know if you are a child.\n\n"
            "This card is not a Belgian ID card or Kids-ID. Put your own ID card in the card "
            "reader, then try again. Ask a grown-up if it does not work.");
  EXPECT_EQ(text(Language::en, CardProblem::card_busy).description,
            "The website chat.example wants to know if you are a child.\n\n"
            "Another program on this computer is using your card right now. Ask a grown-up to "
            "close that program, then try again.");
  EXPECT_TRUE(contains(text(Language::nl, CardProblem::no_auth_certificate).description,
                       "jonger dan 6 jaar"));
  EXPECT_TRUE(contains(text(Language::fr, CardProblem::unknown_card).description,
                       "carte d'identité belge"));
  EXPECT_TRUE(
      contains(text(Language::de, CardProblem::card_busy).description, "Ein anderes Programm"));
  // Every problem reads differently in every language; waits are not "to read".
  for (const Language language : languages) {
    EXPECT_NE(text(language, CardProblem::no_auth_certificate).description,
              text(language, CardProblem::unknown_card).description);
    EXPECT_NE(text(language, CardProblem::unknown_card).description,
              text(language, CardProblem::card_busy).description);
  }
  EXPECT_FALSE(message_texts({.kind = MessageKind::insert_card,
                              .origin = "https://chat.example",
                              .language = Language::en,
                              .tries_left = std::nullopt})
                   .to_read);
}

TEST(DialogText, CardErrorsToldInTheDialog) {
  EXPECT_EQ(card_problem_of(ErrorCode::no_auth_certificate), CardProblem::no_auth_certificate);
  EXPECT_EQ(card_problem_of(ErrorCode::unknown_card), CardProblem::unknown_card);
  EXPECT_EQ(card_problem_of(ErrorCode::card_busy), CardProblem::card_busy);
  for (const ErrorCode code : all_error_codes()) {
    const bool told =
        std::find(card_errors_told_in_dialog().begin(), card_errors_told_in_dialog().end(), code) !=
        card_errors_told_in_dialog().end();
    EXPECT_EQ(card_problem_of(code).has_value(), told) << code_name(code);
  }
  EXPECT_EQ(card_errors_told_in_dialog().size(), 3U);
}

// The extension gives the page one code for exactly the errors the host tells the child about
// (extension/common.js CARD_ERRORS_BEFORE_DIALOG, docs/protocol.md §8.5 rule 7).
TEST(DialogText, TheExtensionCollapsesExactlyTheErrorsToldInTheDialog) {
  std::stringstream text;
  text << std::ifstream(std::string(SAFERCHAT_SOURCE_DIR) + "/extension/common.js").rdbuf();
  const std::string source = text.str();
  const std::size_t start = source.find("const CARD_ERRORS_BEFORE_DIALOG = [");
  ASSERT_NE(start, std::string::npos);
  const std::size_t end = source.find("];", start);
  ASSERT_NE(end, std::string::npos);
  const std::string list = source.substr(start, end - start);
  std::vector<std::string> collapsed;
  for (std::size_t at = list.find('\''); at != std::string::npos;) {
    const std::size_t close = list.find('\'', at + 1);
    collapsed.emplace_back(list.substr(at + 1, close - at - 1));
    at = list.find('\'', close + 1);
  }
  std::vector<std::string> told;
  for (const ErrorCode code : card_errors_told_in_dialog()) {
    told.emplace_back(code_name(code));
  }
  EXPECT_EQ(collapsed, told);
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
            "It will get what your ID card says: your name, your birth date and your national "
            "register number.\n\n"
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
