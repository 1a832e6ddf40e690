// SPDX-License-Identifier: Apache-2.0
// `authenticate` and `get-certificate` through the whole real stack: the built host, a private
// pcscd with the virtual card, and scripted-pinentry as the PIN dialog (it answers from a
// script and records what the child was shown). Every token is checked like a chat
// provider's validator would, with OpenSSL only.
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <signal.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/card_host_fixture.hpp"
#include "support/expected_dialog_text.hpp"
#include "support/host_process.hpp"
#include "support/memory_source.hpp"
#include "support/pcsc_environment.hpp"
#include "support/token_check.hpp"
#include "wire/jwe.hpp"

namespace saferchat {
namespace {

using nlohmann::json;
using testing::HostProcess;
using testing::PcscEnvironment;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

using testing::cards_dir;
using testing::chrome_caller;
using testing::profile_json;
using testing::read_text;

const std::string& origin = testing::default_origin;
const std::string& nonce = testing::default_nonce;

class Authenticate : public testing::CardHostTest {};

std::string error_code(const json& reply) { return reply.value("/error/code"_json_pointer, ""); }

class GoodLogin : public Authenticate, public ::testing::WithParamInterface<std::string> {};

TEST_P(GoodLogin, TokenVerifiesForTheOriginAndNonce) {
  const json profile = profile_json(GetParam());
  start_card(GetParam());
  start_host("pin " + profile["pin"].get<std::string>() + "\n");
  const json reply = authenticate();
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
  const json& token = reply["result"];
  EXPECT_EQ(testing::check_token(token, origin, nonce), "");
  EXPECT_EQ(token["algorithm"], profile["applet_version"] == "1.8" ? "ES384" : "RS256");
  EXPECT_NE(testing::check_token(token, "https://evil.example", nonce), "");  // bound to origin
  // The certificate is the card's own.
  std::ifstream cert_file(cards_dir / GetParam() / "auth_cert.der", std::ios::binary);
  const std::vector<std::uint8_t> file((std::istreambuf_iterator<char>(cert_file)),
                                       std::istreambuf_iterator<char>());
  const auto certificate = testing::base64_decode(token["unverifiedCertificate"]);
  ASSERT_LE(certificate.size(), file.size());
  EXPECT_TRUE(std::equal(certificate.begin(), certificate.end(), file.begin()));
  // The child saw who is asking.
  const auto descriptions = shown("SETDESC");
  ASSERT_EQ(descriptions.size(), 1U);
  EXPECT_NE(descriptions[0].find("kids.chat.example"), std::string::npos) << descriptions[0];
  finish_host();
  // The PIN is never in the host's log.
  EXPECT_EQ(read_text(dir_ / "host.log").find(profile["pin"].get<std::string>() + " "),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(EveryProfileWithAKey, GoodLogin,
                         ::testing::Values("kid-9", "teen-14", "adult", "expired"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// docs/protocol.md §4.4: with a sealKey the reply carries only ciphertext; the service's private
// key opens it to the very token an unsealed login gives.
class SealedLogin : public Authenticate, public ::testing::WithParamInterface<jwe::Curve> {};

TEST_P(SealedLogin, ResultIsAJweThatOnlyTheServiceKeyOpens) {
  const json profile = profile_json("kid-9");
  start_card("kid-9");
  start_host("pin " + profile["pin"].get<std::string>() + "\n");
  const jwe::PrivateKey service = jwe::PrivateKey::generate(GetParam(), "chat-2026-12");
  const json reply = authenticate({{"sealKey", service.public_jwk().to_json()}});
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
  const json& sealed = reply["result"];
  EXPECT_EQ(sealed.size(), 3U) << sealed.dump();
  EXPECT_EQ(sealed["format"], "saferchat-sealed:1");
  EXPECT_EQ(sealed["kid"], "chat-2026-12");
  // Nothing of the card in the clear: not its certificate, not the holder's name.
  const std::string text = reply.dump();
  EXPECT_EQ(text.find("MII"), std::string::npos);
  EXPECT_EQ(text.find(profile["holder"]["surname"].get<std::string>()), std::string::npos);
  EXPECT_EQ(text.find(profile["holder"]["national_number"].get<std::string>()), std::string::npos);
  const jwe::CompactJwe parsed = jwe::parse_compact(sealed["jwe"].get<std::string>());
  EXPECT_EQ(parsed.header["cty"], "web-eid:1.0");
  EXPECT_EQ(parsed.header["epk"]["crv"], jwe::curve_name(GetParam()));
  const json token = json::parse(jwe::open(parsed, service));
  EXPECT_EQ(testing::check_token(token, origin, nonce), "");
  EXPECT_EQ(token["format"], "web-eid:1.0");
  // Another key of the same kid cannot open it.
  EXPECT_THROW(
      static_cast<void>(jwe::open(parsed, jwe::PrivateKey::generate(GetParam(), "chat-2026-12"))),
      jwe::JweError);
  // The child was told that only the site's checking service opens it.
  const auto descriptions = shown("SETDESC");
  ASSERT_EQ(descriptions.size(), 1U);
  EXPECT_NE(descriptions[0].find("kids.chat.example"), std::string::npos) << descriptions[0];
  finish_host();
}

INSTANTIATE_TEST_SUITE_P(Curves, SealedLogin,
                         ::testing::Values(jwe::Curve::p256, jwe::Curve::x25519),
                         [](const auto& param_info) {
                           return param_info.param == jwe::Curve::p256 ? "P256" : "X25519";
                         });

TEST_F(Authenticate, AnUnfitSealKeyIsRefusedBeforeAnyDialog) {
  start_card("kid-9");
  start_host("pin 1234\n");
  json key = jwe::PrivateKey::generate(jwe::Curve::p256, "k").public_jwk().to_json();
  key["d"] = "VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw";
  const json reply = authenticate({{"sealKey", key}});
  EXPECT_EQ(error_code(reply), "ERR_SAFERCHAT_INVALID_ARGUMENT") << reply.dump();
  EXPECT_TRUE(dialog_log().empty());
  finish_host();
}

TEST_F(Authenticate, WrongPinTwiceThenRightShowsTriesLeft) {
  start_card("kid-9");
  start_host("pin 9999\npin 8888\npin 1234\n");
  const json reply = authenticate();
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
  EXPECT_EQ(testing::check_token(reply["result"], origin, nonce), "");
  const auto errors = shown("SETERROR");
  ASSERT_EQ(errors.size(), 2U);
  EXPECT_NE(errors[0].find('2'), std::string::npos) << errors[0];  // 2 tries left
  EXPECT_NE(errors[1].find('1'), std::string::npos) << errors[1];  // 1 try left
  finish_host();
}

TEST_F(Authenticate, BlockedCardIsReportedWithoutAskingThePin) {
  start_card("blocked");
  start_host("ok\n");
  EXPECT_EQ(error_code(authenticate()), "ERR_SAFERCHAT_PIN_BLOCKED");
  EXPECT_TRUE(shown("GETPIN").empty());
  finish_host();
}

TEST_F(Authenticate, ThirdWrongPinBlocksTheCard) {
  start_card("kid-9");
  start_host("pin 9999\npin 9999\npin 9999\nok\n");
  EXPECT_EQ(error_code(authenticate()), "ERR_SAFERCHAT_PIN_BLOCKED");
  finish_host();
}

TEST_F(Authenticate, CancelledByTheChild) {
  start_card("kid-9");
  start_host("cancel\n");
  EXPECT_EQ(error_code(authenticate()), "ERR_SAFERCHAT_USER_CANCELLED");
  finish_host();
}

TEST_F(Authenticate, NoAnswerWithinTheTimeout) {
  start_card("kid-9");
  start_host("hang\n");
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(error_code(authenticate({{"timeout", 2}})), "ERR_SAFERCHAT_USER_TIMEOUT");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 2s);
  for (const int pid : dialog_pids()) {
    EXPECT_NE(::kill(pid, 0), 0) << "pinentry " << pid << " outlived the request";
  }
  finish_host();
}

TEST_F(Authenticate, DialogCrashIsAClearError) {
  start_card("kid-9");
  start_host("crash\n");
  EXPECT_EQ(error_code(authenticate()), "ERR_SAFERCHAT_PIN_DIALOG_FAILED");
  finish_host();
}

// A browser-started host has no terminal: a `pinentry` that resolves to pinentry-curses is never
// started, and the reply names the package to install (docs/protocol.md §3.4).
TEST_F(Authenticate, TerminalOnlyPinentryIsNeverStarted) {
  start_card("kid-9");
  const std::filesystem::path bin = dir_ / "bin";
  std::filesystem::create_directories(bin);
  std::filesystem::copy_file(SAFERCHAT_SCRIPTED_PINENTRY_PATH, bin / "pinentry-curses");
  std::filesystem::create_symlink(bin / "pinentry-curses", bin / "pinentry");
  start_host("pin 1234\n", {{"SAFERCHAT_PINENTRY", ""}, {"PATH", bin.string()}});
  const json reply = authenticate();
  EXPECT_EQ(error_code(reply), "ERR_SAFERCHAT_PIN_DIALOG_FAILED");
  EXPECT_EQ(reply["error"]["message"],
            "The PIN dialog could not be shown or stopped working. On Linux it needs a graphical "
            "pinentry: install the package pinentry-gnome3 (or pinentry-qt, pinentry-gtk2).");
  EXPECT_TRUE(dialog_pids().empty()) << "a pinentry was started";
  finish_host();  // the request's log line is complete once the host has exited
  std::stringstream log;
  log << std::ifstream(dir_ / "host.log").rdbuf();
  EXPECT_NE(
      log.str().find("pinentry: pinentry points to pinentry-curses, which is not a graphical PIN "
                     "dialog (a browser gives the host no terminal); no graphical PIN dialog "
                     "found: install pinentry-gnome3 (or pinentry-qt, pinentry-gtk2)"),
      std::string::npos);
}

TEST_F(Authenticate, CardInsertedLate) {
  start_card("kid-9", {"--removed"});
  start_host("hang\npin 1234\n");  // "insert your card" stays until the card comes
  std::thread insert([this] {
    std::this_thread::sleep_for(700ms);
    EXPECT_EQ(env_->card_control("insert").substr(0, 2), "ok");
  });
  const json reply = authenticate();
  insert.join();
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
  EXPECT_EQ(testing::check_token(reply["result"], origin, nonce), "");
  finish_host();
}

TEST_F(Authenticate, SeveralCardsTheChildKeepsOnlyTheirOwn) {
  start_card("kid-9", {"--second-profile", (cards_dir / "adult").string()});
  start_host("hang\npin 1234\n");  // "keep only your own card" stays until one is taken out
  std::thread take_out([this] {
    std::this_thread::sleep_for(700ms);
    EXPECT_EQ(env_->card_control("remove", 2).substr(0, 2), "ok");  // the adult's card
  });
  const json reply = authenticate();
  take_out.join();
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
  EXPECT_EQ(testing::check_token(reply["result"], origin, nonce), "");
  // The token carries the child's card: the remaining one.
  std::ifstream cert_file(cards_dir / "kid-9" / "auth_cert.der", std::ios::binary);
  const std::vector<std::uint8_t> file((std::istreambuf_iterator<char>(cert_file)),
                                       std::istreambuf_iterator<char>());
  const auto certificate = testing::base64_decode(reply["result"]["unverifiedCertificate"]);
  EXPECT_TRUE(std::equal(certificate.begin(), certificate.end(), file.begin()));
  const auto messages = shown("CONFIRM");
  ASSERT_EQ(messages.size(), 1U);  // the several-cards message, then the PIN dialog
  finish_host();
}

TEST_F(Authenticate, CardRemovedWhileTheDialogIsOpen) {
  start_card("kid-9");
  start_host("hang\n");
  std::thread pull([this] {
    std::this_thread::sleep_for(700ms);
    EXPECT_EQ(env_->card_control("remove").substr(0, 2), "ok");
  });
  EXPECT_EQ(error_code(authenticate()), "ERR_SAFERCHAT_CARD_REMOVED");
  pull.join();
  finish_host();
}

TEST_F(Authenticate, CardRemovedDuringSigning) {
  start_card("kid-9");
  start_host("pin 1234\n");
  const auto apdu_count = [this] {
    const std::string status = env_->card_control("status");
    return std::stoi(status.substr(status.find("apdu_count=") + 11));
  };
  // The host reads the card when it comes (GET CARD DATA, SELECT, READ BINARYs, PIN tries);
  // once that is done, a login sends VERIFY, MSE SET, then PSO: the card is pulled out right
  // after answering MSE SET.
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (read_text(dir_ / "host.log").find("card read ahead") == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(10ms);
  }
  const int before = apdu_count();
  const int mse_set = before + 2;
  EXPECT_EQ(env_->card_control("remove-after-apdu " + std::to_string(mse_set)),
            "ok remove_after_apdu=" + std::to_string(mse_set));
  EXPECT_EQ(error_code(authenticate()), "ERR_SAFERCHAT_CARD_REMOVED");
  EXPECT_EQ(apdu_count(), mse_set);  // the PSO never reached the card
  EXPECT_EQ(env_->card_control("status").substr(0, 10), "ok removed");
  finish_host();
}

TEST_F(Authenticate, BrowserClosingStdinStopsTheDialogAndTheHost) {
  start_card("kid-9");
  start_host("hang\n");
  const json message = {{"command", "authenticate"},
                        {"arguments", {{"challengeNonce", nonce}, {"origin", origin}}}};
  ASSERT_TRUE(host_->write(testing::frame_of(message.dump())));
  for (int i = 0; i < 500 && dialog_pids().empty(); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_FALSE(dialog_pids().empty());
  const auto closed = std::chrono::steady_clock::now();
  host_->close_stdin();
  const int status = host_->wait(1000ms);
  EXPECT_LT(std::chrono::steady_clock::now() - closed, 1s);
  EXPECT_TRUE(status == 0 || status == 3) << status;
  for (const int pid : dialog_pids()) {
    EXPECT_NE(::kill(pid, 0), 0) << "pinentry " << pid << " outlived the host";
  }
}

// Errors before the PIN dialog are told to the child in a message (pinentry MESSAGE, in the
// request's language) before the reply; the extension gives the page one code for them all
// (ERR_SAFERCHAT_CARD_NOT_USABLE, docs/protocol.md §8.5 rule 7; the list is compared with the
// host's in tests/unit/dialog_text_test.cpp).
TEST_F(Authenticate, CardWithoutAuthenticationCertificateIsToldInTheDialog) {
  start_card("kid-5-no-auth");
  start_host("ok\nok\n");
  EXPECT_EQ(error_code(authenticate({{"lang", "en"}})), "ERR_SAFERCHAT_NO_AUTH_CERTIFICATE");
  EXPECT_EQ(error_code(authenticate({{"lang", "nl-BE"}})), "ERR_SAFERCHAT_NO_AUTH_CERTIFICATE");
  EXPECT_TRUE(shown("GETPIN").empty());  // it fails before the child types anything
  EXPECT_EQ(shown("MESSAGE").size(), 2U);
  EXPECT_EQ(shown("SETDESC"),
            (std::vector<std::string>{
                "The website chat.example wants to know if you are a child.\n"
                "Full address: kids.chat.example\n\n"
                "This card cannot be used to log in on websites. Cards of children under 6 "
                "cannot do that yet. Ask a grown-up for help.",
                "De website chat.example wil weten of je een kind bent.\n"
                "Volledig adres: kids.chat.example\n\n"
                "Met deze kaart kan je niet inloggen op websites. Kaarten van kinderen jonger "
                "dan 6 jaar kunnen dat nog niet. Vraag hulp aan een volwassene."}));
  EXPECT_EQ(shown("SETOK"), (std::vector<std::string>{"OK", "OK"}));
  finish_host();
}

TEST_F(Authenticate, UnknownCardIsToldInTheDialog) {
  // A JavaCard without the BELPIC applet (its generic ATR): not a Belgian ID card.
  const fs::path other = dir_ / "other-card";
  fs::create_directories(other);
  for (const auto& entry : fs::directory_iterator(cards_dir / "kid-9")) {
    fs::copy_file(entry.path(), other / entry.path().filename());
  }
  json edited = profile_json("kid-9");
  edited["atr"] = "3B8F8001804F0CA000000306030001000000006A";
  edited["applet"] = "none";
  std::ofstream(other / "profile.json", std::ios::trunc) << edited.dump();
  start_card(other.string());
  start_host("ok\n");
  EXPECT_EQ(error_code(authenticate({{"lang", "fr"}})), "ERR_SAFERCHAT_UNKNOWN_CARD");
  EXPECT_TRUE(shown("GETPIN").empty());
  EXPECT_EQ(shown("MESSAGE").size(), 1U);
  EXPECT_EQ(shown("SETDESC"),
            (std::vector<std::string>{
                "Le site chat.example veut savoir si tu es un enfant.\n"
                "Adresse complète\u00a0: kids.chat.example\n\n"
                "Cette carte n'est pas une carte d'identité belge ni une Kids-ID. Mets ta propre "
                "carte d'identité dans le lecteur de carte, puis réessaie. Demande de l'aide à un "
                "adulte si ça ne marche pas."}));
  finish_host();
}

// Another program holds the card exclusively: the child is told in German, the reply says busy.
TEST_F(Authenticate, CardHeldByAnotherProgramIsToldInTheDialog) {
  start_card("kid-9");
  SCARDCONTEXT context = 0;
  ASSERT_EQ(SCardEstablishContext(SCARD_SCOPE_USER, nullptr, nullptr, &context), SCARD_S_SUCCESS);
  SCARD_READERSTATE state{};
  state.szReader = env_->reader().c_str();
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  for (int i = 0; i < 50 && (state.dwEventState & SCARD_STATE_PRESENT) == 0; ++i) {
    state.dwCurrentState = state.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    static_cast<void>(SCardGetStatusChange(context, 200, &state, 1));
  }
  SCARDHANDLE card = 0;
  DWORD protocol = 0;
  ASSERT_EQ(SCardConnect(context, env_->reader().c_str(), SCARD_SHARE_EXCLUSIVE,
                         SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol),
            SCARD_S_SUCCESS);
  start_host("ok\n");
  EXPECT_EQ(error_code(authenticate({{"lang", "de"}})), "ERR_SAFERCHAT_CARD_BUSY");
  EXPECT_TRUE(shown("GETPIN").empty());
  EXPECT_EQ(shown("MESSAGE").size(), 1U);
  EXPECT_EQ(shown("SETDESC"),
            (std::vector<std::string>{
                "Die Webseite chat.example möchte wissen, ob du ein Kind bist.\n"
                "Vollständige Adresse: kids.chat.example\n\n"
                "Ein anderes Programm auf diesem Computer benutzt gerade deine Karte. Frag einen "
                "Erwachsenen, das Programm zu schließen, und versuch es dann noch einmal."}));
  SCardDisconnect(card, SCARD_LEAVE_CARD);
  SCardReleaseContext(context);
  finish_host();  // the request's log line is complete once the host has exited
  EXPECT_NE(read_text(dir_ / "host.log").find("result=ERR_SAFERCHAT_CARD_BUSY duration_ms="),
            std::string::npos);
  EXPECT_NE(read_text(dir_ / "host.log").find("SCARD_E_SHARING_VIOLATION"), std::string::npos);
}

// The message is shown even when the child does not answer it: the deadline ends it, and the
// reply is still the card's error (not a timeout that would hide it from the log).
TEST_F(Authenticate, CardProblemMessageEndsWithTheDeadline) {
  start_card("kid-5-no-auth");
  start_host("hang\n");
  EXPECT_EQ(error_code(authenticate({{"timeout", 2}})), "ERR_SAFERCHAT_NO_AUTH_CERTIFICATE");
  EXPECT_EQ(shown("MESSAGE").size(), 1U);
  for (const int pid : dialog_pids()) {
    EXPECT_NE(::kill(pid, 0), 0) << "pinentry " << pid << " outlived the request";
  }
  finish_host();
}

// docs/protocol.md §3.4 step 3: what the dialog says the site learns, compared with what the
// token carries. Claims in the order of ui/dialog_text.hpp's Claim.
enum ClaimIndex : std::size_t { name, first_name, birth_date, age, national_number };

// The subject attribute `nid` of a DER certificate ("" when absent).
std::string subject_attribute(const std::vector<std::uint8_t>& der, int nid) {
  const unsigned char* p = der.data();
  const std::unique_ptr<X509, decltype(&X509_free)> certificate(
      d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
  if (!certificate) {
    return "";
  }
  const X509_NAME* subject = X509_get_subject_name(certificate.get());
  const int index = X509_NAME_get_index_by_NID(subject, nid, -1);
  if (index < 0) {
    return "";
  }
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
          static_cast<std::size_t>(ASN1_STRING_length(value))};
}

// The birth date "YYYY-MM-DD" a national register number encodes (its check digits give the
// century: 97 - (first nine digits mod 97), over "2" and the nine digits for 2000 and later).
std::string birth_date_of(const std::string& number) {
  if (number.size() != 11 || number.find_first_not_of("0123456789") != std::string::npos) {
    return "";
  }
  const long long nine = std::stoll(number.substr(0, 9));
  const long long check = std::stoll(number.substr(9));
  const char* century = check == 97 - nine % 97                    ? "19"
                        : check == 97 - (2000000000LL + nine) % 97 ? "20"
                                                                   : nullptr;
  if (century == nullptr) {
    return "";
  }
  return century + number.substr(0, 2) + "-" + number.substr(2, 2) + "-" + number.substr(4, 2);
}

// What a chat page (and every script on it) can read about the child in `result`.
std::array<bool, 5> claims_the_page_can_read(const json& result, const json& holder) {
  std::array<bool, 5> carried{};
  if (!result.contains("unverifiedCertificate")) {
    return carried;  // sealed: format, kid and ciphertext only
  }
  const auto der = testing::base64_decode(result["unverifiedCertificate"]);
  const std::string given = subject_attribute(der, NID_givenName);
  const std::string surname = subject_attribute(der, NID_surname);
  const std::string number = subject_attribute(der, NID_serialNumber);
  carried[name] = given == holder["given_names"] && surname == holder["surname"];
  carried[national_number] = number == holder["national_number"];
  carried[birth_date] = birth_date_of(number) == holder["birth_date"];
  return carried;
}

class WhatTheSiteLearns : public Authenticate, public ::testing::WithParamInterface<bool> {};

TEST_P(WhatTheSiteLearns, TheDialogSaysExactlyWhatTheTokenCarries) {
  const bool sealed = GetParam();
  const json profile = profile_json("kid-9");
  start_card("kid-9");
  start_host("pin 1234\npin 1234\npin 1234\npin 1234\n");
  const jwe::PrivateKey service = jwe::PrivateKey::generate(jwe::Curve::p256, "chat-2026-12");
  for (std::size_t i = 0; i < testing::expected_claim_words.size(); ++i) {
    const auto& expected = testing::expected_claim_words.at(i);
    SCOPED_TRACE(std::string(language_code(expected.language)));
    json arguments = {{"lang", std::string(language_code(expected.language))}};
    if (sealed) {
      arguments["sealKey"] = service.public_jwk().to_json();
    }
    const json reply = authenticate(arguments);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    const json& result = reply["result"];
    const std::array<bool, 5> carried = claims_the_page_can_read(result, profile["holder"]);
    const auto descriptions = shown("SETDESC");
    ASSERT_EQ(descriptions.size(), i + 1);
    const std::string& text = descriptions.back();
    if (sealed) {
      // Only ciphertext reaches the page; the dialog says only the checking service opens it
      // and names what the verifier tells the chat at most: the first name and the age.
      EXPECT_EQ(result.size(), 3U) << result.dump();
      EXPECT_TRUE(result.contains("format") && result.contains("kid") && result.contains("jwe"));
      EXPECT_EQ(result["format"], "saferchat-sealed:1");
      EXPECT_EQ(carried, (std::array<bool, 5>{}));
      EXPECT_EQ(result.dump().find(profile["holder"]["surname"].get<std::string>()),
                std::string::npos);
      EXPECT_NE(text.find(expected.sealed_only), std::string::npos) << text;
      const std::array<bool, 5> told{false, true, false, true, false};
      for (std::size_t claim = 0; claim < told.size(); ++claim) {
        EXPECT_EQ(text.find(expected.claims.at(claim)) != std::string::npos, told.at(claim))
            << expected.claims.at(claim) << " in " << text;
      }
      EXPECT_EQ(
          testing::check_token(
              json::parse(jwe::open(jwe::parse_compact(result["jwe"].get<std::string>()), service)),
              origin, nonce),
          "");
    } else {
      // The page receives the certificate: the dialog names exactly what it carries.
      EXPECT_EQ(testing::check_token(result, origin, nonce), "");
      EXPECT_EQ(carried, (std::array<bool, 5>{true, false, true, false, true}));
      EXPECT_EQ(text.find(expected.sealed_only), std::string::npos) << text;
      for (std::size_t claim = 0; claim < carried.size(); ++claim) {
        EXPECT_EQ(text.find(expected.claims.at(claim)) != std::string::npos, carried.at(claim))
            << expected.claims.at(claim) << " in " << text;
      }
    }
  }
  finish_host();
}

INSTANTIATE_TEST_SUITE_P(SealedOrNot, WhatTheSiteLearns, ::testing::Values(false, true),
                         [](const auto& param_info) {
                           return param_info.param ? "Sealed" : "Unsealed";
                         });

TEST_F(Authenticate, GetCertificateNeedsNoPin) {
  start_card("teen-14");
  start_host("");
  const json reply = request("get-certificate", {{"origin", origin}});
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
  EXPECT_EQ(reply["result"]["algorithm"], "RS256");
  EXPECT_EQ(reply["result"]["appletVersion"], "1.7");
  EXPECT_EQ(reply["result"]["pinTriesLeft"], 3);
  EXPECT_FALSE(testing::base64_decode(reply["result"]["certificate"]).empty());
  EXPECT_TRUE(dialog_pids().empty());
  finish_host();
}

TEST_F(Authenticate, TwoHostsAtOnceAreSerialisedAndBothCorrect) {
  start_card("kid-9", {"--delay-ms", "5"});
  start_host("pin 1234\n");
  auto first = std::move(host_);
  std::ofstream(dir_ / "script2") << "pin 1234\n";
  HostProcess second(SAFERCHAT_HOST_PATH, {chrome_caller},
                     {{"PCSCLITE_CSOCK_NAME", env_->socket()},
                      {"SAFERCHAT_PINENTRY", SAFERCHAT_SCRIPTED_PINENTRY_PATH},
                      {"SCRIPTED_PINENTRY_SCRIPT", (dir_ / "script2").string()},
                      {"SCRIPTED_PINENTRY_STATE", (dir_ / "script2.state").string()},
                      {"SAFERCHAT_LOG_FILE", (dir_ / "host2.log").string()}});
  ASSERT_TRUE(second.read_message().has_value());
  const json message = {{"command", "authenticate"},
                        {"id", 1},
                        {"arguments", {{"challengeNonce", nonce}, {"origin", origin}}}};
  const std::string other_nonce = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8=";
  json other = message;
  other["arguments"]["challengeNonce"] = other_nonce;
  ASSERT_TRUE(first->write(testing::frame_of(message.dump())));
  ASSERT_TRUE(second.write(testing::frame_of(other.dump())));
  const auto reply1 = json::parse(first->read_message(20s).value_or("{}"));
  const auto reply2 = json::parse(second.read_message(20s).value_or("{}"));
  ASSERT_TRUE(reply1.contains("result")) << reply1.dump();
  ASSERT_TRUE(reply2.contains("result")) << reply2.dump();
  EXPECT_EQ(testing::check_token(reply1["result"], origin, nonce), "");
  EXPECT_EQ(testing::check_token(reply2["result"], origin, other_nonce), "");
  first->close_stdin();
  second.close_stdin();
  EXPECT_EQ(first->wait(), 0);
  EXPECT_EQ(second.wait(), 0);
}

}  // namespace
}  // namespace saferchat
