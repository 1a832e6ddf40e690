// SPDX-License-Identifier: Apache-2.0
#include "ui/dialog_text.hpp"

#include <array>

namespace saferchat {
namespace {

// One language's sentences. "{host}" is who asks, "{n}" a number of tries.
struct Phrases {
  std::string_view title;
  std::string_view who;        // the site wants to know if you are a child
  std::string_view what;       // what it learns, and from where
  std::string_view type_pin;   // consent, then the PIN
  std::string_view pin_stays;  // the PIN stays here
  std::string_view prompt;
  std::string_view ok;
  std::string_view stop;
  std::string_view wrong_pin;
  std::string_view tries_many;  // {n} ≥ 2
  std::string_view tries_one;   // the stronger warning
  std::string_view bad_format;
  std::string_view insert_card;
  std::string_view pin_pad;
  std::string_view several_cards;
  std::string_view blocked;
  std::string_view close;  // the button under the blocked message
  std::string_view show_pin;
  std::string_view hide_pin;
};

// French puts a no-break space (U+00A0) before ? ! and :, so that they never start a line.
constexpr std::array<Phrases, 4> phrases{{
    // Language::nl — Flemish usage: identiteitskaart, kaartlezer, pincode, gemeentehuis.
    {
        .title = "Safer Chat",
        .who = "De website {host} wil weten of je een kind bent.",
        .what = "Hij ziet dan je naam en je leeftijd. Die leest hij van je identiteitskaart.",
        .type_pin = "Vind je dat goed? Typ dan de pincode van je identiteitskaart.",
        .pin_stays = "Je pincode blijft op deze computer. De website ziet hem nooit.",
        .prompt = "Pincode:",
        .ok = "OK",
        .stop = "Stoppen",
        .wrong_pin = "Verkeerde pincode.",
        .tries_many = "Je mag nog {n} keer proberen.",
        .tries_one = "Opgelet! Je mag nog maar 1 keer proberen. Is het weer fout, dan wordt "
                     "je kaart geblokkeerd.",
        .bad_format = "Een pincode heeft 4 tot 12 cijfers, en verder niets. Probeer het "
                      "opnieuw: dit telde niet mee.",
        .insert_card = "Steek je identiteitskaart in de kaartlezer.",
        .pin_pad = "Vind je dat goed? Typ dan je pincode op de kaartlezer. De website ziet "
                   "hem nooit.",
        .several_cards = "Er zit meer dan één identiteitskaart in de kaartlezers. Haal de "
                         "kaarten eruit die niet van jou zijn. Laat alleen je eigen kaart zitten.",
        .blocked = "De pincode van je kaart is geblokkeerd. Vraag hulp aan je ouders: met de "
                   "PUK-code uit de brief die je bij je kaart kreeg, kan het gemeentehuis je "
                   "pincode deblokkeren.",
        .close = "OK",
        .show_pin = "Toon de pincode",
        .hide_pin = "Verberg de pincode",
    },
    // Language::fr — Belgian usage: carte d'identité, lecteur de carte, la commune.
    {
        .title = "Safer Chat",
        .who = "Le site {host} veut savoir si tu es un enfant.",
        .what = "Il verra ton nom et ton âge, lus sur ta carte d'identité.",
        .type_pin = "Tu es d'accord\u00a0? Alors tape le code PIN de ta carte d'identité.",
        .pin_stays = "Ton code PIN reste sur cet ordinateur. Le site ne le voit jamais.",
        .prompt = "Code PIN\u00a0:",
        .ok = "OK",
        .stop = "Arrêter",
        .wrong_pin = "Code PIN incorrect.",
        .tries_many = "Tu peux encore essayer {n} fois.",
        .tries_one = "Attention\u00a0! Tu ne peux plus essayer qu'une seule fois. Si c'est "
                     "encore faux, ta carte sera bloquée.",
        .bad_format = "Un code PIN a de 4 à 12 chiffres, et rien d'autre. Réessaie\u00a0: cet "
                      "essai ne compte pas.",
        .insert_card = "Mets ta carte d'identité dans le lecteur de carte.",
        .pin_pad = "Tu es d'accord\u00a0? Alors tape ton code PIN sur le lecteur de carte. Le "
                   "site ne le voit jamais.",
        .several_cards = "Il y a plus d'une carte d'identité dans les lecteurs de carte. "
                         "Retire les cartes qui ne sont pas à toi. Laisse seulement ta carte.",
        .blocked = "Le code PIN de ta carte est bloqué. Demande de l'aide à tes "
                   "parents\u00a0: avec le code PUK de la lettre reçue avec ta carte, la "
                   "commune peut le débloquer.",
        .close = "OK",
        .show_pin = "Afficher le code PIN",
        .hide_pin = "Masquer le code PIN",
    },
    // Language::de — Belgian usage: Personalausweis, Kartenleser, Gemeindeverwaltung.
    {
        .title = "Safer Chat",
        .who = "Die Webseite {host} möchte wissen, ob du ein Kind bist.",
        .what = "Sie sieht dann deinen Namen und dein Alter. Die liest sie von deinem "
                "Personalausweis.",
        .type_pin = "Bist du einverstanden? Dann tippe den PIN-Code von deinem "
                    "Personalausweis ein.",
        .pin_stays = "Dein PIN-Code bleibt auf diesem Computer. Die Webseite sieht ihn nie.",
        .prompt = "PIN-Code:",
        .ok = "OK",
        .stop = "Abbrechen",
        .wrong_pin = "Falscher PIN-Code.",
        .tries_many = "Du kannst es noch {n}-mal versuchen.",
        .tries_one = "Vorsicht! Du kannst es nur noch einmal versuchen. Ist er wieder falsch, "
                     "wird deine Karte gesperrt.",
        .bad_format = "Ein PIN-Code hat 4 bis 12 Ziffern und sonst nichts. Versuch es noch "
                      "einmal: Das hat nicht gezählt.",
        .insert_card = "Steck deinen Personalausweis in den Kartenleser.",
        .pin_pad = "Bist du einverstanden? Dann tippe deinen PIN-Code am Kartenleser ein. Die "
                   "Webseite sieht ihn nie.",
        .several_cards = "In den Kartenlesern steckt mehr als ein Personalausweis. Nimm die "
                         "Karten heraus, die nicht dir gehören. Lass nur deine eigene Karte "
                         "drin.",
        .blocked = "Der PIN-Code deiner Karte ist gesperrt. Frag deine Eltern: Mit dem "
                   "PUK-Code aus dem Brief, den du mit deiner Karte bekommen hast, kann die "
                   "Gemeindeverwaltung ihn entsperren.",
        .close = "OK",
        .show_pin = "PIN-Code anzeigen",
        .hide_pin = "PIN-Code verbergen",
    },
    // Language::en
    {
        .title = "Safer Chat",
        .who = "The website {host} wants to know if you are a child.",
        .what = "It will see your name and your age, read from your ID card.",
        .type_pin = "Is that OK? Then type the PIN code of your ID card.",
        .pin_stays = "Your PIN code stays on this computer. The website never sees it.",
        .prompt = "PIN code:",
        .ok = "OK",
        .stop = "Stop",
        .wrong_pin = "Wrong PIN code.",
        .tries_many = "You can try {n} more times.",
        .tries_one = "Careful! You can try only 1 more time. If it is wrong again, your card "
                     "gets blocked.",
        .bad_format = "A PIN code has 4 to 12 digits, and nothing else. Try again: this one "
                      "did not count.",
        .insert_card = "Put your ID card in the card reader.",
        .pin_pad = "Is that OK? Then type your PIN code on the card reader. The website never "
                   "sees it.",
        .several_cards = "There is more than one ID card in the card readers. Take out the "
                         "cards that are not yours. Leave only your own card in.",
        .blocked = "Your card's PIN is blocked. Ask a parent: with the PUK code from the letter "
                   "you got with your card, the town hall can unblock it.",
        .close = "OK",
        .show_pin = "Show the PIN code",
        .hide_pin = "Hide the PIN code",
    },
}};

const Phrases& phrases_of(Language language) noexcept {
  return phrases.at(static_cast<std::size_t>(language));
}

// `text` with every `placeholder` replaced by `value`.
std::string fill(std::string_view text, std::string_view placeholder, std::string_view value) {
  std::string out;
  for (std::size_t at = 0;;) {
    const std::size_t found = text.find(placeholder, at);
    out += text.substr(at, found - at);
    if (found == std::string_view::npos) {
      return out;
    }
    out += value;
    at = found + placeholder.size();
  }
}

std::string tries_text(const Phrases& words, int tries_left) {
  return tries_left == 1 ? std::string(words.tries_one)
                         : fill(words.tries_many, "{n}", std::to_string(tries_left));
}

bool host_character(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == ':' || c == '[' || c == ']';
}

}  // namespace

std::string origin_for_display(std::string_view origin) {
  std::string_view scheme;
  if (const std::size_t colon = origin.find("://"); colon != std::string_view::npos) {
    scheme = origin.substr(0, colon);
    origin.remove_prefix(colon + 3);
  }
  origin = origin.substr(0, origin.find_first_of("/?#"));
  if (const std::size_t at = origin.rfind('@'); at != std::string_view::npos) {
    origin.remove_prefix(at + 1);
  }
  // The port follows the last ':' that is not inside an IPv6 literal's brackets.
  const std::size_t colon = origin.rfind(':');
  if (colon != std::string_view::npos && origin.find(']', colon) == std::string_view::npos) {
    const std::string_view port = origin.substr(colon + 1);
    if ((scheme == "https" && port == "443") || (scheme == "http" && port == "80") ||
        port.empty()) {
      origin = origin.substr(0, colon);
    }
  }
  std::string out(origin);
  for (char& c : out) {
    if (!host_character(c)) {
      c = '?';
    }
  }
  return out;
}

PinDialogTexts pin_dialog_texts(Language language, std::string_view origin,
                                std::optional<int> tries_left) {
  const Phrases& words = phrases_of(language);
  PinDialogTexts texts;
  texts.title = words.title;
  texts.description = fill(words.who, "{host}", origin_for_display(origin)) + "\n" +
                      std::string(words.what) + "\n\n" + std::string(words.type_pin) + "\n" +
                      std::string(words.pin_stays);
  texts.prompt = words.prompt;
  texts.ok = words.ok;
  texts.cancel = words.stop;
  texts.show_pin = words.show_pin;
  texts.hide_pin = words.hide_pin;
  if (tries_left) {
    texts.error = wrong_pin_text(language, *tries_left);
  }
  return texts;
}

std::string wrong_pin_text(Language language, int tries_left) {
  const Phrases& words = phrases_of(language);
  return std::string(words.wrong_pin) + " " + tries_text(words, tries_left);
}

std::string invalid_format_text(Language language, std::optional<int> tries_left) {
  const Phrases& words = phrases_of(language);
  std::string text(words.bad_format);
  if (tries_left) {
    text += " " + tries_text(words, *tries_left);
  }
  return text;
}

MessageTexts message_texts(const DialogMessage& message) {
  const Phrases& words = phrases_of(message.language);
  const std::string who = fill(words.who, "{host}", origin_for_display(message.origin));
  MessageTexts texts;
  texts.title = words.title;
  texts.button = words.stop;
  switch (message.kind) {
    case MessageKind::insert_card:
      texts.description = who + "\n\n" + std::string(words.insert_card);
      break;
    case MessageKind::pin_pad:
      texts.description =
          who + "\n" + std::string(words.what) + "\n\n" + std::string(words.pin_pad);
      if (message.tries_left) {
        texts.description += "\n\n" + wrong_pin_text(message.language, *message.tries_left);
      }
      break;
    case MessageKind::several_cards:
      texts.description = who + "\n\n" + std::string(words.several_cards);
      break;
    case MessageKind::card_blocked:
      texts.description = std::string(words.blocked);
      texts.button = words.close;
      break;
  }
  return texts;
}

}  // namespace saferchat
