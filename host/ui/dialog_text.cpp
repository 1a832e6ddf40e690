// SPDX-License-Identifier: Apache-2.0
#include "ui/dialog_text.hpp"

#include <array>

#include "ui/public_suffix.hpp"

namespace saferchat {
namespace {

// One language's sentences. "{host}" is who asks, "{n}" a number of tries, "{list}" what the
// site learns.
struct Phrases {
  std::string_view title;
  std::string_view who;        // the site wants to know if you are a child
  std::string_view full_host;  // the whole host name, beside the registrable domain
  std::string_view unsealed;   // the page receives {list}, read from the card
  std::string_view sealed;     // only the checking service opens it; the chat learns {list}
  std::array<std::string_view, 5> claims;  // by Claim
  std::string_view and_;                   // joins the last two claims
  std::string_view no_certificate;         // CardProblem::no_auth_certificate
  std::string_view unknown_card;           // CardProblem::unknown_card
  std::string_view card_busy;              // CardProblem::card_busy
  std::string_view type_pin;               // consent, then the PIN
  std::string_view pin_stays;              // the PIN stays here
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
        .full_host = "Volledig adres: {host}",
        .unsealed = "Hij krijgt dan wat op je identiteitskaart staat: {list}.",
        .sealed = "Alleen de controledienst van de website kan openen wat je kaart stuurt. De "
                  "chat komt hoogstens {list} te weten.",
        .claims = {"je naam", "je voornaam", "je geboortedatum", "je leeftijd",
                   "je rijksregisternummer"},
        .and_ = "en",
        .no_certificate = "Met deze kaart kan je niet inloggen op websites. Kaarten van "
                          "kinderen jonger dan 6 jaar kunnen dat nog niet. Vraag hulp aan een "
                          "volwassene.",
        .unknown_card = "Deze kaart is geen Belgische identiteitskaart of Kids-ID. Steek je "
                        "eigen identiteitskaart in de kaartlezer en probeer het opnieuw. Vraag "
                        "hulp aan een volwassene als het niet lukt.",
        .card_busy = "Een ander programma op deze computer gebruikt je kaart nu. Vraag een "
                     "volwassene om dat programma te sluiten en probeer het dan opnieuw.",
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
        .full_host = "Adresse complète\u00a0: {host}",
        .unsealed = "Il recevra ce qui est écrit sur ta carte d'identité\u00a0: {list}.",
        .sealed = "Seul le service de contrôle du site peut ouvrir ce que ta carte envoie. Le "
                  "chat apprend au plus {list}.",
        .claims = {"ton nom", "ton prénom", "ta date de naissance", "ton âge",
                   "ton numéro de registre national"},
        .and_ = "et",
        .no_certificate = "Cette carte ne permet pas de se connecter à des sites. Les cartes "
                          "des enfants de moins de 6\u00a0ans ne le peuvent pas encore. "
                          "Demande de l'aide à un adulte.",
        .unknown_card = "Cette carte n'est pas une carte d'identité belge ni une Kids-ID. Mets "
                        "ta propre carte d'identité dans le lecteur de carte, puis réessaie. "
                        "Demande de l'aide à un adulte si ça ne marche pas.",
        .card_busy = "Un autre programme de cet ordinateur utilise ta carte en ce moment. "
                     "Demande à un adulte de fermer ce programme, puis réessaie.",
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
        .full_host = "Vollständige Adresse: {host}",
        .unsealed = "Sie bekommt dann, was auf deinem Personalausweis steht: {list}.",
        .sealed = "Nur der Prüfdienst der Webseite kann öffnen, was deine Karte schickt. Der "
                  "Chat erfährt höchstens {list}.",
        .claims = {"deinen Namen", "deinen Vornamen", "dein Geburtsdatum", "dein Alter",
                   "deine Nationalregisternummer"},
        .and_ = "und",
        .no_certificate = "Mit dieser Karte kannst du dich nicht auf Webseiten anmelden. "
                          "Karten von Kindern unter 6 Jahren können das noch nicht. Frag einen "
                          "Erwachsenen um Hilfe.",
        .unknown_card = "Diese Karte ist kein belgischer Personalausweis und keine Kids-ID. "
                        "Steck deinen eigenen Personalausweis in den Kartenleser und versuch es "
                        "noch einmal. Frag einen Erwachsenen, wenn es nicht klappt.",
        .card_busy = "Ein anderes Programm auf diesem Computer benutzt gerade deine Karte. Frag "
                     "einen Erwachsenen, das Programm zu schließen, und versuch es dann noch "
                     "einmal.",
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
        .full_host = "Full address: {host}",
        .unsealed = "It will get what your ID card says: {list}.",
        .sealed = "Only the website's checking service can open what your card sends. The chat "
                  "learns at most {list}.",
        .claims = {"your name", "your first name", "your birth date", "your age",
                   "your national register number"},
        .and_ = "and",
        .no_certificate = "This card cannot be used to log in on websites. Cards of children "
                          "under 6 cannot do that yet. Ask a grown-up for help.",
        .unknown_card = "This card is not a Belgian ID card or Kids-ID. Put your own ID card "
                        "in the card reader, then try again. Ask a grown-up if it does not "
                        "work.",
        .card_busy = "Another program on this computer is using your card right now. Ask a "
                     "grown-up to close that program, then try again.",
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

// Who asks: the registrable domain in the sentence, the whole host on the next line when it
// says more.
std::string who_text(const Phrases& words, std::string_view origin) {
  const SiteForDisplay site = site_for_display(origin);
  std::string text = fill(words.who, "{host}", site.site);
  if (site.full != site.site) {
    text += "\n" + fill(words.full_host, "{host}", site.full);
  }
  return text;
}

// "a", "a and b", "a, b and c".
std::string joined(const Phrases& words, const std::vector<Claim>& claims) {
  std::string text;
  for (std::size_t i = 0; i < claims.size(); ++i) {
    if (i > 0) {
      text += i + 1 == claims.size() ? " " + std::string(words.and_) + " " : ", ";
    }
    text += words.claims.at(static_cast<std::size_t>(claims[i]));
  }
  return text;
}

constexpr std::array<ErrorCode, 3> told_in_dialog{ErrorCode::no_auth_certificate,
                                                  ErrorCode::unknown_card, ErrorCode::card_busy};

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

SiteForDisplay site_for_display(std::string_view origin) {
  SiteForDisplay shown;
  shown.full = origin_for_display(origin);
  // The host without the port ("[::1]" keeps its brackets).
  std::string_view host = shown.full;
  if (const std::size_t colon = host.rfind(':');
      colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
    host = host.substr(0, colon);
  }
  const bool ip_address = host.empty() || host.front() == '[' ||
                          host.find_first_not_of("0123456789.") == std::string_view::npos;
  const std::string_view domain = ip_address ? std::string_view{} : registrable_domain(host);
  shown.site = domain.empty() ? shown.full : std::string(domain);
  return shown;
}

Disclosure disclosure_for(bool sealed) {
  if (sealed) {
    // The verifier opens a sealed token and answers the chat with at most these
    // (docs/verifier.md): never the full name, birth date or national number.
    return {.sealed = true, .claims = {Claim::first_name, Claim::age}};
  }
  // The certificate's subject: GN, SN and serialNumber = the national number, whose first six
  // digits are the birth date (docs/protocol.md §4.3).
  return {.sealed = false, .claims = {Claim::name, Claim::birth_date, Claim::national_number}};
}

std::string_view claim_words(Language language, Claim claim) {
  return phrases_of(language).claims.at(static_cast<std::size_t>(claim));
}

std::string disclosure_text(Language language, const Disclosure& disclosure) {
  const Phrases& words = phrases_of(language);
  return fill(disclosure.sealed ? words.sealed : words.unsealed, "{list}",
              joined(words, disclosure.claims));
}

std::optional<CardProblem> card_problem_of(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::no_auth_certificate:
      return CardProblem::no_auth_certificate;
    case ErrorCode::unknown_card:
      return CardProblem::unknown_card;
    case ErrorCode::card_busy:
      return CardProblem::card_busy;
    default:
      return std::nullopt;
  }
}

std::span<const ErrorCode> card_errors_told_in_dialog() noexcept { return told_in_dialog; }

PinDialogTexts pin_dialog_texts(Language language, std::string_view origin,
                                std::optional<int> tries_left, const Disclosure& disclosure) {
  const Phrases& words = phrases_of(language);
  PinDialogTexts texts;
  texts.title = words.title;
  texts.description = who_text(words, origin) + "\n" + disclosure_text(language, disclosure) +
                      "\n\n" + std::string(words.type_pin) + "\n" + std::string(words.pin_stays);
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
  const std::string who = who_text(words, message.origin);
  MessageTexts texts;
  texts.title = words.title;
  texts.button = words.stop;
  switch (message.kind) {
    case MessageKind::insert_card:
      texts.description = who + "\n\n" + std::string(words.insert_card);
      break;
    case MessageKind::pin_pad:
      texts.description = who + "\n" + disclosure_text(message.language, message.disclosure) +
                          "\n\n" + std::string(words.pin_pad);
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
    case MessageKind::card_not_usable: {
      const std::array<std::string_view, 3> why{words.no_certificate, words.unknown_card,
                                                words.card_busy};
      texts.description =
          who + "\n\n" + std::string(why.at(static_cast<std::size_t>(message.problem)));
      texts.button = words.close;
      texts.to_read = true;
      break;
    }
  }
  return texts;
}

}  // namespace saferchat
