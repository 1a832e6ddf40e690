// SPDX-License-Identifier: Apache-2.0
// `authenticate` and `get-certificate` through the whole real stack: the built host, a private
// pcscd with the virtual card, and scripted-pinentry as the PIN dialog (it answers from a
// script and records what the child was shown). Every token is checked like a chat
// provider's validator would, with OpenSSL only.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/card_host_fixture.hpp"
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

// docs/protocol.md §4.5: with a sealKey the reply carries only ciphertext; the service's private
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

TEST_F(Authenticate, CardWithoutAuthenticationCertificate) {
  start_card("kid-5-no-auth");
  start_host("pin 1234\n");
  EXPECT_EQ(error_code(authenticate()), "ERR_SAFERCHAT_NO_AUTH_CERTIFICATE");
  EXPECT_TRUE(shown("GETPIN").empty());  // it fails before the child types anything
  finish_host();
}

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
