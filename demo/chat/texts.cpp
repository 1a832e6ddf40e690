// SPDX-License-Identifier: Apache-2.0
#include "chat/texts.hpp"

#include <array>

namespace saferchat::demo {
namespace {

constexpr std::array<Language, 4> page_languages{Language::nl, Language::fr, Language::de,
                                                 Language::en};

struct RefusalRow {
  Refusal refusal;
  std::string_view id;
  bool final;
  std::string_view nl;
  std::string_view fr;
  std::string_view de;
  std::string_view en;
};

// One row per Refusal, in declaration order (tests check both).
constexpr std::array<RefusalRow, 25> refusal_rows{{
    {Refusal::try_again, "try_again", false, "Er ging onderweg iets mis. Probeer het nog eens.",
     "Quelque chose n'a pas marché en route. Réessaie.",
     "Unterwegs ist etwas schiefgegangen. Versuche es bitte noch einmal.",
     "Something went wrong on the way. Please try again."},
    {Refusal::too_young, "too_young", true,
     "Deze kamer is voor kinderen van {min} tot {max} jaar. Je kaart zegt dat je jonger bent, "
     "dus je kunt nog niet binnen.",
     "Ce salon est pour les enfants de {min} à {max} ans. Ta carte dit que tu es plus jeune, "
     "alors tu ne peux pas encore entrer.",
     "Dieser Raum ist für Kinder von {min} bis {max} Jahren. Deine Karte sagt, dass du jünger "
     "bist. Darum kannst du noch nicht hinein.",
     "This room is for children from {min} to {max}. Your card says you are younger, so you "
     "can't come in yet."},
    {Refusal::too_old, "too_old", true,
     "Deze kamer is voor kinderen van {min} tot {max} jaar. Je kaart zegt dat je ouder bent, "
     "dus je kunt niet binnen.",
     "Ce salon est pour les enfants de {min} à {max} ans. Ta carte dit que tu es plus âgé, "
     "alors tu ne peux pas entrer.",
     "Dieser Raum ist für Kinder von {min} bis {max} Jahren. Deine Karte sagt, dass du älter "
     "bist. Darum kannst du nicht hinein.",
     "This room is for children from {min} to {max}. Your card says you are older, so you "
     "can't come in."},
    {Refusal::age_unknown, "age_unknown", true,
     "Op je kaart staat je verjaardag niet helemaal, dus we weten niet hoe oud je bent. "
     "Daarom kun je niet binnen.",
     "Ta carte ne dit pas ta date de naissance complète, alors on ne sait pas quel âge tu as. "
     "C'est pour ça que tu ne peux pas entrer.",
     "Auf deiner Karte steht dein Geburtstag nicht ganz, deshalb wissen wir nicht, wie alt du "
     "bist. Darum kannst du nicht hinein.",
     "Your card does not show your whole birthday, so we can't tell how old you are. That's "
     "why you can't come in."},
    {Refusal::card_expired, "card_expired", true,
     "Je kaart is verlopen: ze is niet meer geldig. Vraag een volwassene om je te helpen een "
     "nieuwe kaart te krijgen.",
     "Ta carte n'est plus valable. Demande à un adulte de t'aider à avoir une nouvelle carte.",
     "Deine Karte ist abgelaufen: Sie gilt nicht mehr. Bitte einen Erwachsenen, dir bei einer "
     "neuen Karte zu helfen.",
     "Your card has expired: it can't be used any more. Ask a grown-up to help you get a new "
     "card."},
    {Refusal::card_revoked, "card_revoked", true,
     "Je kaart werd uitgeschakeld (misschien was ze verloren of werd ze vervangen). Vraag een "
     "volwassene om hulp.",
     "Ta carte a été désactivée (peut-être qu'elle a été perdue ou remplacée). Demande de "
     "l'aide à un adulte.",
     "Deine Karte wurde gesperrt (vielleicht war sie verloren oder wurde ersetzt). Bitte einen "
     "Erwachsenen um Hilfe.",
     "Your card has been switched off (maybe it was lost or replaced). Ask a grown-up for "
     "help."},
    {Refusal::not_a_belgian_card, "not_a_belgian_card", true,
     "We konden deze kaart niet nakijken. Gebruik je eigen Belgische identiteitskaart (Kids-ID "
     "of eID).",
     "Nous n'avons pas pu vérifier cette carte. Utilise ta propre carte d'identité belge "
     "(Kids-ID ou eID).",
     "Wir konnten diese Karte nicht prüfen. Benutze deinen eigenen belgischen Ausweis (Kids-ID "
     "oder eID).",
     "We could not check this card. Use your own Belgian ID card (Kids-ID or eID)."},
    {Refusal::card_problem, "card_problem", false,
     "Er is iets mis met je kaart of de kaartlezer. Haal je kaart eruit, steek ze er weer in en "
     "probeer opnieuw.",
     "Il y a un problème avec ta carte ou le lecteur de carte. Retire ta carte, remets-la et "
     "réessaie.",
     "Mit deiner Karte oder dem Kartenleser stimmt etwas nicht. Nimm die Karte heraus, steck "
     "sie wieder hinein und versuche es noch einmal.",
     "Something is wrong with your card or the card reader. Take your card out, put it back in "
     "and try again."},
    {Refusal::software_problem, "software_problem", false,
     "Er is iets niet goed ingesteld op deze computer of bij de chat. Vraag een volwassene om "
     "hulp.",
     "Quelque chose n'est pas bien réglé sur cet ordinateur ou sur le chat. Demande de l'aide à "
     "un adulte.",
     "Auf diesem Computer oder beim Chat ist etwas nicht richtig eingestellt. Bitte einen "
     "Erwachsenen um Hilfe.",
     "Something is not set up right on this computer or on the chat. Ask a grown-up for "
     "help."},
    {Refusal::extension_missing, "extension_missing", false,
     "Safer Chat zit nog niet in deze browser. Vraag een volwassene om de Safer Chat-extensie "
     "toe te voegen.",
     "Safer Chat n'est pas encore dans ce navigateur. Demande à un adulte d'ajouter "
     "l'extension Safer Chat.",
     "Safer Chat ist noch nicht in diesem Browser. Bitte einen Erwachsenen, die "
     "Safer-Chat-Erweiterung hinzuzufügen.",
     "Safer Chat is not in this browser yet. Ask a grown-up to add the Safer Chat extension."},
    {Refusal::host_missing, "host_missing", false,
     "Het Safer Chat-programma dat je kaart leest, staat niet op deze computer. Vraag een "
     "volwassene om het te installeren.",
     "Le programme Safer Chat qui lit ta carte n'est pas sur cet ordinateur. Demande à un "
     "adulte de l'installer.",
     "Das Safer-Chat-Programm, das deine Karte liest, ist nicht auf diesem Computer. Bitte "
     "einen Erwachsenen, es zu installieren.",
     "The Safer Chat program that reads your card is not on this computer. Ask a grown-up to "
     "install it."},
    {Refusal::cancelled, "cancelled", false,
     "Je bent gestopt voor je je pincode typte. Dat is oké! Druk op de knop als je het opnieuw "
     "wilt proberen.",
     "Tu as arrêté avant de taper ton code PIN. Ce n'est pas grave ! Appuie sur le bouton "
     "quand tu veux réessayer.",
     "Du hast aufgehört, bevor du deine PIN eingegeben hast. Das ist nicht schlimm! Drück auf "
     "den Knopf, wenn du es noch einmal versuchen willst.",
     "You stopped before typing your PIN code. That's okay! Press the button when you want to "
     "try again."},
    {Refusal::wrong_pin, "wrong_pin", false,
     "De pincode was fout. Probeer opnieuw en let goed op: na 3 foute pogingen wordt je kaart "
     "geblokkeerd.",
     "Le code PIN était faux. Réessaie en faisant bien attention : après 3 erreurs, ta carte "
     "est bloquée.",
     "Die PIN war falsch. Versuche es noch einmal und pass gut auf: Nach 3 falschen Versuchen "
     "wird deine Karte gesperrt.",
     "The PIN code was wrong. Try again carefully: after 3 wrong tries your card gets "
     "locked."},
    {Refusal::pin_blocked, "pin_blocked", true,
     "Je kaart is geblokkeerd, want de pincode was 3 keer fout. Een volwassene kan ze "
     "deblokkeren in het gemeentehuis met de PUK-code uit de brief van je kaart.",
     "Ta carte est bloquée, car le code PIN a été faux 3 fois. Un adulte peut la débloquer à "
     "la maison communale avec le code PUK de la lettre de ta carte.",
     "Deine Karte ist gesperrt, weil die PIN 3-mal falsch war. Ein Erwachsener kann sie im "
     "Gemeindehaus mit dem PUK-Code aus dem Brief zu deiner Karte entsperren.",
     "Your card is locked because the PIN code was wrong 3 times. A grown-up can unlock it at "
     "the town hall with the PUK code from your card's letter."},
    {Refusal::card_removed, "card_removed", false,
     "Je kaart werd uit de lezer gehaald. Steek ze er weer in en probeer opnieuw.",
     "Ta carte a été retirée du lecteur. Remets-la et réessaie.",
     "Deine Karte wurde aus dem Leser genommen. Steck sie wieder hinein und versuche es noch "
     "einmal.",
     "Your card was taken out of the reader. Put it back in and try again."},
    {Refusal::timeout, "timeout", false,
     "Dat duurde te lang. Druk op de knop om het opnieuw te proberen.",
     "Ça a pris trop de temps. Appuie sur le bouton pour réessayer.",
     "Das hat zu lange gedauert. Drück auf den Knopf, um es noch einmal zu versuchen.",
     "That took too long. Press the button to try again."},
    {Refusal::no_reader, "no_reader", false,
     "Er is geen kaartlezer gevonden. Sluit de kaartlezer aan en probeer opnieuw.",
     "Aucun lecteur de carte n'a été trouvé. Branche le lecteur de carte et réessaie.",
     "Es wurde kein Kartenleser gefunden. Steck den Kartenleser an und versuche es noch "
     "einmal.",
     "No card reader was found. Plug in the card reader and try again."},
    {Refusal::no_card, "no_card", false,
     "Er zit geen kaart in de lezer. Steek je identiteitskaart erin en probeer opnieuw.",
     "Il n'y a pas de carte dans le lecteur. Mets ta carte d'identité dedans et réessaie.",
     "Im Leser steckt keine Karte. Steck deinen Ausweis hinein und versuche es noch einmal.",
     "There is no card in the reader. Put your ID card in and try again."},
    {Refusal::no_auth_certificate, "no_auth_certificate", true,
     "Met je kaart kun je nog niet inloggen: kinderen krijgen een pincode voor hun kaart vanaf "
     "6 jaar.",
     "Ta carte ne peut pas encore servir à te connecter : les enfants reçoivent un code PIN "
     "pour leur carte à partir de 6 ans.",
     "Mit deiner Karte kannst du dich noch nicht anmelden: Kinder bekommen eine PIN für ihre "
     "Karte ab 6 Jahren.",
     "Your card can't be used to log in yet: children get a PIN code for their card from the "
     "age of 6."},
    {Refusal::service_unavailable, "service_unavailable", false,
     "De chat kan nu geen kaarten nakijken. Probeer het over een tijdje opnieuw.",
     "Le chat ne peut pas vérifier les cartes pour le moment. Réessaie un peu plus tard.",
     "Der Chat kann gerade keine Karten prüfen. Versuche es bitte etwas später noch einmal.",
     "The chat can't check cards right now. Please try again in a little while."},
    {Refusal::press_again, "press_again", false,
     "Safer Chat kijkt je kaart pas na als jij zelf op de knop drukt. Druk nog eens op de knop.",
     "Safer Chat ne lit ta carte que si tu appuies toi-même sur le bouton. Appuie encore une "
     "fois sur le bouton.",
     "Safer Chat liest deine Karte nur, wenn du selbst auf den Knopf drückst. Drück noch einmal "
     "auf den Knopf.",
     "Safer Chat only reads your card when you press the button yourself. Press the button "
     "again."},
    {Refusal::wait_a_moment, "wait_a_moment", false,
     "Je drukte net op Stoppen. Wacht even en druk dan opnieuw op de knop als je toch binnen "
     "wilt.",
     "Tu viens d'appuyer sur Arrêter. Attends un peu, puis appuie à nouveau sur le bouton si tu "
     "veux quand même entrer.",
     "Du hast gerade auf Stopp gedrückt. Warte kurz und drück dann noch einmal auf den Knopf, "
     "wenn du doch hinein willst.",
     "You just pressed Stop. Wait a little, then press the button again if you still want to "
     "come in."},
    {Refusal::other_window_open, "other_window_open", false,
     "Er staat al een Safer Chat-venster open voor een andere website. Maak dat eerst af of "
     "sluit het, en druk dan opnieuw op de knop.",
     "Une fenêtre Safer Chat est déjà ouverte pour un autre site. Termine-la ou ferme-la "
     "d'abord, puis appuie à nouveau sur le bouton.",
     "Ein Safer-Chat-Fenster für eine andere Website ist schon offen. Mach es zuerst fertig "
     "oder schließ es, dann drück noch einmal auf den Knopf.",
     "A Safer Chat window for another website is already open. Finish it or close it first, "
     "then press the button again."},
    {Refusal::card_not_usable, "card_not_usable", false,
     "Met deze kaart kun je hier niet inloggen. Het Safer Chat-venster zei je waarom. Vraag "
     "een volwassene om hulp.",
     "Cette carte ne permet pas de te connecter ici. La fenêtre Safer Chat t'a dit pourquoi. "
     "Demande de l'aide à un adulte.",
     "Mit dieser Karte kannst du dich hier nicht anmelden. Das Safer-Chat-Fenster hat dir "
     "gesagt, warum. Bitte einen Erwachsenen um Hilfe.",
     "This card can't be used to log in here. The Safer Chat window told you why. Ask a "
     "grown-up for help."},
    {Refusal::site_not_allowed, "site_not_allowed", false,
     "Je ouders of je school hebben deze chat niet toegelaten op deze computer. Vraag het aan "
     "een volwassene.",
     "Tes parents ou ton école n'ont pas autorisé ce chat sur cet ordinateur. Demande à un "
     "adulte.",
     "Deine Eltern oder deine Schule haben diesen Chat auf diesem Computer nicht erlaubt. Frag "
     "einen Erwachsenen.",
     "Your parents or your school have not allowed this chat on this computer. Ask a "
     "grown-up."},
}};

constexpr std::array<Refusal, refusal_rows.size()> refusal_list = [] {
  std::array<Refusal, refusal_rows.size()> list{};
  for (std::size_t i = 0; i < refusal_rows.size(); ++i) {
    list.at(i) = refusal_rows.at(i).refusal;
  }
  return list;
}();

const RefusalRow& row_of(Refusal refusal) noexcept {
  for (const RefusalRow& row : refusal_rows) {
    if (row.refusal == refusal) {
      return row;
    }
  }
  return refusal_rows.front();  // unreachable: every enumerator has a row (tested)
}

std::string_view in_language(Language language, std::string_view nl, std::string_view fr,
                             std::string_view de, std::string_view en) noexcept {
  switch (language) {
    case Language::nl:
      return nl;
    case Language::fr:
      return fr;
    case Language::de:
      return de;
    case Language::en:
      return en;
  }
  return en;
}

// docs/protocol.md §5 (host) and §8 (extension): every code a page may get from the page API.
constexpr std::array<PageApiErrorRefusal, 48> page_api_errors{{
    {"ERR_SAFERCHAT_EXTENSION_MISSING", Refusal::extension_missing},
    {"ERR_SAFERCHAT_EXTENSION_FAILED", Refusal::software_problem},
    {"ERR_SAFERCHAT_HOST_MISSING", Refusal::host_missing},
    {"ERR_SAFERCHAT_HOST_FAILED", Refusal::software_problem},
    {"ERR_SAFERCHAT_HOST_INCOMPATIBLE", Refusal::software_problem},
    {"ERR_SAFERCHAT_TIMEOUT", Refusal::timeout},
    {"ERR_SAFERCHAT_INSECURE_CONTEXT", Refusal::software_problem},
    {"ERR_SAFERCHAT_REQUEST_PENDING", Refusal::try_again},
    {"ERR_SAFERCHAT_EMPTY_MESSAGE", Refusal::software_problem},
    {"ERR_SAFERCHAT_MESSAGE_TOO_LARGE", Refusal::software_problem},
    {"ERR_SAFERCHAT_MESSAGE_TRUNCATED", Refusal::software_problem},
    {"ERR_SAFERCHAT_INVALID_UTF8", Refusal::software_problem},
    {"ERR_SAFERCHAT_INVALID_JSON", Refusal::software_problem},
    {"ERR_SAFERCHAT_NOT_AN_OBJECT", Refusal::software_problem},
    {"ERR_SAFERCHAT_MISSING_COMMAND", Refusal::software_problem},
    {"ERR_SAFERCHAT_UNKNOWN_COMMAND", Refusal::software_problem},
    {"ERR_SAFERCHAT_INVALID_ARGUMENT", Refusal::software_problem},
    {"ERR_SAFERCHAT_INVALID_ORIGIN", Refusal::software_problem},
    {"ERR_SAFERCHAT_INVALID_CHALLENGE", Refusal::software_problem},
    {"ERR_SAFERCHAT_CALLER_NOT_ALLOWED", Refusal::software_problem},
    {"ERR_SAFERCHAT_COMMAND_NOT_AVAILABLE", Refusal::software_problem},
    {"ERR_SAFERCHAT_RESPONSE_TOO_LARGE", Refusal::software_problem},
    {"ERR_SAFERCHAT_INTERNAL", Refusal::software_problem},
    {"ERR_SAFERCHAT_PCSC_UNAVAILABLE", Refusal::software_problem},
    {"ERR_SAFERCHAT_NO_READER", Refusal::no_reader},
    {"ERR_SAFERCHAT_NO_CARD", Refusal::no_card},
    {"ERR_SAFERCHAT_CARD_REMOVED", Refusal::card_removed},
    {"ERR_SAFERCHAT_CARD_RESET", Refusal::try_again},
    {"ERR_SAFERCHAT_CARD_BUSY", Refusal::card_problem},
    {"ERR_SAFERCHAT_CARD_COMMUNICATION", Refusal::card_problem},
    {"ERR_SAFERCHAT_UNKNOWN_CARD", Refusal::not_a_belgian_card},
    {"ERR_SAFERCHAT_CARD_ERROR", Refusal::card_problem},
    {"ERR_SAFERCHAT_NO_AUTH_CERTIFICATE", Refusal::no_auth_certificate},
    {"ERR_SAFERCHAT_PIN_INVALID_FORMAT", Refusal::wrong_pin},
    {"ERR_SAFERCHAT_PIN_WRONG", Refusal::wrong_pin},
    {"ERR_SAFERCHAT_PIN_BLOCKED", Refusal::pin_blocked},
    {"ERR_SAFERCHAT_USER_CANCELLED", Refusal::cancelled},
    {"ERR_SAFERCHAT_USER_TIMEOUT", Refusal::timeout},
    {"ERR_SAFERCHAT_PIN_DIALOG_FAILED", Refusal::software_problem},
    {"ERR_SAFERCHAT_HOST_BUSY", Refusal::try_again},
    {"ERR_SAFERCHAT_REQUEST_CANCELLED", Refusal::try_again},
    {"ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED", Refusal::press_again},
    {"ERR_SAFERCHAT_PAGE_NOT_ACTIVE", Refusal::press_again},
    {"ERR_SAFERCHAT_RETRY_LATER", Refusal::wait_a_moment},
    {"ERR_SAFERCHAT_ANOTHER_SITE_ASKING", Refusal::other_window_open},
    {"ERR_SAFERCHAT_CARD_NOT_USABLE", Refusal::card_not_usable},
    {"ERR_SAFERCHAT_ORIGIN_NOT_ALLOWED", Refusal::site_not_allowed},
    // Only a page that puts the join in a frame gets it: the site's fault, not the child's.
    {"ERR_SAFERCHAT_FRAME_NOT_SUPPORTED", Refusal::software_problem},
}};
// Any code not listed (a newer extension or host): software_problem.

// The page's words. Keys are used by demo/web/app.js; chat_error_<CODE> by chat_message.hpp.
constexpr std::array<UiText, 33> ui_rows{{
    {"page_title", "Safer Chat: demo", "Safer Chat : démo", "Safer Chat: Demo", "Safer Chat: demo"},
    {"intro", "Chatkamers alleen voor kinderen. Je komt binnen met je eigen identiteitskaart.",
     "Des salons de chat rien que pour les enfants. Tu entres avec ta propre carte d'identité.",
     "Chaträume nur für Kinder. Du kommst mit deinem eigenen Ausweis hinein.",
     "Chat rooms just for children. You come in with your own ID card."},
    {"test_notice", "Demo met TESTkaarten: verzonnen mensen, geen echte chat.",
     "Démo avec des cartes de TEST : des personnes inventées, pas un vrai chat.",
     "Demo mit TEST-Karten: erfundene Personen, kein echter Chat.",
     "Demo with TEST cards: made-up people, not a real chat."},
    {"language", "Taal", "Langue", "Sprache", "Language"},
    {"choose_room", "Kies een kamer", "Choisis un salon", "Wähle einen Raum", "Choose a room"},
    {"room_kids", "Kinderen", "Enfants", "Kinder", "Kids"},
    {"room_teens", "Tieners", "Ados", "Teenager", "Teens"},
    {"room_everyone", "Iedereen", "Tout le monde", "Alle", "Everyone"},
    {"room_ages", "{min} tot {max} jaar", "{min} à {max} ans", "{min} bis {max} Jahre",
     "{min} to {max} years"},
    {"join", "Binnenkomen met mijn identiteitskaart", "Entrer avec ma carte d'identité",
     "Mit meinem Ausweis hineingehen", "Come in with my ID card"},
    {"join_help", "Steek je identiteitskaart in de kaartlezer. Een venster vraagt dan je pincode.",
     "Mets ta carte d'identité dans le lecteur. Une fenêtre te demandera ton code PIN.",
     "Steck deinen Ausweis in den Kartenleser. Ein Fenster fragt dann nach deiner PIN.",
     "Put your ID card in the card reader. A window will ask for your PIN code."},
    {"waiting_pin", "Kijk naar het venster dat openging en typ daar je pincode.",
     "Regarde la fenêtre qui s'est ouverte et tape ton code PIN dedans.",
     "Schau in das Fenster, das aufgegangen ist, und gib dort deine PIN ein.",
     "Look at the window that opened and type your PIN code there."},
    {"checking", "We kijken je kaart na…", "Nous vérifions ta carte…", "Wir prüfen deine Karte…",
     "Checking your card…"},
    {"refused_title", "Je kunt niet binnen", "Tu ne peux pas entrer", "Du kannst nicht hinein",
     "You can't come in"},
    {"problem_title", "Dat lukte niet", "Ça n'a pas marché", "Das hat nicht geklappt",
     "That didn't work"},
    {"try_again", "Opnieuw proberen", "Réessayer", "Noch einmal versuchen", "Try again"},
    {"other_room", "Een andere kamer kiezen", "Choisir un autre salon", "Einen anderen Raum wählen",
     "Choose another room"},
    {"welcome", "Welkom, {name}!", "Bienvenue, {name} !", "Willkommen, {name}!",
     "Welcome, {name}!"},
    {"members", "Wie is er", "Qui est là", "Wer ist da", "Who is here"},
    {"you", "jij", "toi", "du", "you"},
    {"age", "{age} jaar", "{age} ans", "{age} Jahre", "{age} years"},
    {"message_placeholder", "Schrijf een bericht…", "Écris un message…", "Schreib eine Nachricht…",
     "Write a message…"},
    {"send", "Versturen", "Envoyer", "Senden", "Send"},
    {"leave", "De kamer verlaten", "Quitter le salon", "Raum verlassen", "Leave the room"},
    {"joined", "{name} kwam binnen", "{name} est entré(e)", "{name} ist hereingekommen",
     "{name} came in"},
    {"left", "{name} is weg", "{name} est parti(e)", "{name} ist gegangen", "{name} left"},
    {"connection_lost",
     "De verbinding met de chat is weg. Laad de pagina opnieuw om terug binnen te komen.",
     "La connexion au chat est perdue. Recharge la page pour revenir.",
     "Die Verbindung zum Chat ist weg. Lade die Seite neu, um wieder hineinzukommen.",
     "The connection to the chat was lost. Reload the page to come back in."},
    {"chat_error_INVALID_FRAME", "Dat bericht kon niet verstuurd worden.",
     "Ce message n'a pas pu être envoyé.", "Diese Nachricht konnte nicht gesendet werden.",
     "That message could not be sent."},
    {"chat_error_EMPTY", "Je bericht is leeg.", "Ton message est vide.",
     "Deine Nachricht ist leer.", "Your message is empty."},
    {"chat_error_TOO_LONG", "Je bericht is te lang: hoogstens 500 tekens.",
     "Ton message est trop long : 500 caractères au maximum.",
     "Deine Nachricht ist zu lang: höchstens 500 Zeichen.",
     "Your message is too long: 500 letters at most."},
    {"chat_error_INVALID_TEXT", "Je bericht bevat tekens die hier niet mogen.",
     "Ton message contient des caractères interdits ici.",
     "Deine Nachricht enthält Zeichen, die hier nicht erlaubt sind.",
     "Your message has characters that are not allowed here."},
    {"chat_error_TOO_FAST", "Niet zo snel! Wacht een paar seconden voor je opnieuw iets stuurt.",
     "Pas si vite ! Attends quelques secondes avant d'envoyer encore un message.",
     "Nicht so schnell! Warte ein paar Sekunden, bevor du wieder etwas schickst.",
     "Not so fast! Wait a few seconds before you send something again."},
    {"session_ended", "Je bent niet meer in de kamer. Kom opnieuw binnen met je kaart.",
     "Tu n'es plus dans le salon. Entre à nouveau avec ta carte.",
     "Du bist nicht mehr im Raum. Komm mit deiner Karte wieder hinein.",
     "You are no longer in the room. Come in again with your card."},
}};

}  // namespace

std::span<const Language> languages() noexcept { return page_languages; }

std::span<const Refusal> all_refusals() noexcept { return refusal_list; }

std::string_view refusal_id(Refusal refusal) noexcept { return row_of(refusal).id; }

std::optional<Refusal> refusal_from_id(std::string_view id) noexcept {
  for (const RefusalRow& row : refusal_rows) {
    if (row.id == id) {
      return row.refusal;
    }
  }
  return std::nullopt;
}

bool is_final_refusal(Refusal refusal) noexcept { return row_of(refusal).final; }

std::string_view refusal_template(Refusal refusal, Language language) noexcept {
  const RefusalRow& row = row_of(refusal);
  return in_language(language, row.nl, row.fr, row.de, row.en);
}

std::string_view refusal_title(Refusal refusal, Language language) noexcept {
  return ui_text(is_final_refusal(refusal) ? "refused_title" : "problem_title", language);
}

std::string refusal_text(Refusal refusal, Language language, const Room* room) {
  const std::string_view text = refusal_template(refusal, language);
  if (room == nullptr) {
    return std::string(text);
  }
  const std::array<Placeholder, 2> ages{
      {{"min", std::to_string(room->min_age)}, {"max", std::to_string(room->max_age)}}};
  return fill_placeholders(text, ages);
}

Refusal refusal_for_category(std::string_view category) noexcept {
  for (const RefusalRow& row : refusal_rows) {
    if (row.id == category) {
      // Only the verifier's categories (the rows before the page API's) come from a verdict.
      return row.refusal <= Refusal::software_problem ? row.refusal : Refusal::software_problem;
    }
  }
  return Refusal::software_problem;
}

Refusal refusal_for_page_api_error(std::string_view code) noexcept {
  for (const PageApiErrorRefusal& entry : page_api_errors) {
    if (entry.code == code) {
      return entry.refusal;
    }
  }
  return Refusal::software_problem;
}

std::span<const PageApiErrorRefusal> page_api_error_refusals() noexcept { return page_api_errors; }

std::span<const UiText> ui_texts() noexcept { return ui_rows; }

std::string_view ui_text(std::string_view key, Language language) noexcept {
  for (const UiText& row : ui_rows) {
    if (row.key == key) {
      return in_language(language, row.nl, row.fr, row.de, row.en);
    }
  }
  return {};
}

std::string fill_placeholders(std::string_view text, std::span<const Placeholder> values) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find('{', i);
    if (open == std::string_view::npos) {
      break;
    }
    const std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) {
      break;
    }
    out.append(text.substr(i, open - i));
    const std::string_view key = text.substr(open + 1, close - open - 1);
    const Placeholder* match = nullptr;
    for (const Placeholder& value : values) {
      if (value.key == key) {
        match = &value;
      }
    }
    if (match != nullptr) {
      out += match->value;
    } else {
      out.append(text.substr(open, close - open + 1));
    }
    i = close + 1;
  }
  out.append(text.substr(i));
  return out;
}

}  // namespace saferchat::demo
