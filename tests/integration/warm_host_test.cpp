// SPDX-License-Identifier: Apache-2.0
// The warm host (docs/protocol.md §3.6) through the whole real stack: one host serving many
// requests over one connection, card commands queued one at a time, `cancel`, the card read
// ahead when it comes (5 APDUs per login after that), and a card swapped for another.
#include <signal.h>

#include <chrono>
#include <map>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/card_host_fixture.hpp"
#include "support/token_check.hpp"
#include "transport/pcsc.hpp"

namespace saferchat {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using testing::cards_dir;
using testing::profile_json;
using testing::read_text;

const std::string& origin = testing::default_origin;
const std::string& first_nonce = testing::default_nonce;
// Another 32-byte challenge, so that two logins sign different data.
const std::string second_nonce = "Zm9yIHRoZSBzZWNvbmQgbG9naW4sIGFub3RoZXIgbm9uY2U=";

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

class WarmHost : public testing::CardHostTest {
 protected:
  void send(const json& message) { ASSERT_TRUE(host_->write(testing::frame_of(message.dump()))); }

  void send_authenticate(const json& id, const std::string& challenge, int timeout = 30) {
    send(
        {{"command", "authenticate"},
         {"id", id},
         {"arguments", {{"challengeNonce", challenge}, {"origin", origin}, {"timeout", timeout}}}});
  }

  json next_reply(std::chrono::milliseconds wait = 20s) {
    const auto reply = host_->read_message(wait);
    return reply ? json::parse(*reply) : json{{"no reply", true}};
  }

  // One field of each login's timing line ("authenticate apdus=N … read_ahead=R …"), in order.
  [[nodiscard]] std::vector<int> login_values(const std::string& field) const {
    const std::string log = read_text(dir_ / "host.log");
    const std::regex line("authenticate (?:apdus=.* )?" + field + "=(\\d+)");
    std::vector<int> values;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator();
         ++it) {
      values.push_back(std::stoi((*it)[1]));
    }
    return values;
  }

  // Each login's (APDUs, read ahead).
  [[nodiscard]] std::vector<std::pair<int, int>> login_apdus() const {
    const std::vector<int> apdus = login_values("apdus");
    const std::vector<int> read_ahead = login_values("read_ahead");
    std::vector<std::pair<int, int>> logins;
    for (std::size_t i = 0; i < apdus.size() && i < read_ahead.size(); ++i) {
      logins.emplace_back(apdus[i], read_ahead[i]);
    }
    return logins;
  }

  // Waits (up to 20 s) until the host log holds `part` at least `count` times.
  bool wait_for_log(const std::string& part, std::size_t count = 1) const {
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (count_of(read_text(dir_ / "host.log"), part) < count &&
           std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(5ms);
    }
    return count_of(read_text(dir_ / "host.log"), part) >= count;
  }

  // Until `count` dialogs have taken their step of the script (the dialog is on screen).
  void wait_for_dialog(std::size_t count) {
    const auto answered = [this] {
      const auto events = dialog_log();
      return static_cast<std::size_t>(std::count_if(
          events.begin(), events.end(), [](const json& e) { return e.contains("action"); }));
    };
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (answered() < count && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(10ms);
    }
    ASSERT_GE(answered(), count);
  }
};

std::string error_code(const json& reply) { return reply.value("/error/code"_json_pointer, ""); }

TEST_F(WarmHost, LoginsOnACardReadAheadCostFiveApdusEach) {
  start_card("kid-9");
  start_host("pin 1234\npin 1234\n");
  send_authenticate(1, first_nonce);
  const json first = next_reply();
  send_authenticate(2, second_nonce);
  const json second = next_reply();
  ASSERT_TRUE(first.contains("result")) << first.dump();
  ASSERT_TRUE(second.contains("result")) << second.dump();
  EXPECT_EQ(first["id"], 1);
  EXPECT_EQ(second["id"], 2);
  EXPECT_EQ(testing::check_token(first["result"], origin, first_nonce), "");
  EXPECT_EQ(testing::check_token(second["result"], origin, second_nonce), "");
  finish_host();
  // VERIFY, MSE SET, PSO, GET RESPONSE, LOG OFF; the card data, certificate (SELECT, READ
  // BINARY × 4) and PIN tries were read when the card came: 7 APDUs.
  EXPECT_EQ(login_apdus(), (std::vector<std::pair<int, int>>{{5, 1}, {5, 1}}));
  EXPECT_NE(read_text(dir_ / "host.log").find("card read ahead apdus=7 "), std::string::npos);
  // The second login used the card connection the first kept (no SCardConnect).
  EXPECT_EQ(login_values("kept_connection"), (std::vector<int>{0, 1}));
}

TEST_F(WarmHost, TheTokenGoesOutBeforeLogOffWhichAlwaysFollows) {
  start_card("kid-9");
  start_host("pin 1234\n");
  ASSERT_TRUE(wait_for_log("card read ahead"));
  // Each APDU now takes the card 100 ms: the LOG OFF sent after the reply keeps the login
  // busy for at least that long after the reply went out.
  ASSERT_EQ(env_->card_control("delay 100"), "ok delay_ms=100");
  send_authenticate(1, first_nonce);
  const json reply = next_reply();
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
  EXPECT_EQ(testing::check_token(reply["result"], origin, first_nonce), "");
  ASSERT_TRUE(wait_for_log("authenticate apdus="));
  const std::string log = read_text(dir_ / "host.log");
  std::smatch timing;
  ASSERT_TRUE(std::regex_search(
      log, timing, std::regex(R"(authenticate apdus=5 .* after_reply_ms=([\d.]+) logged_off=1)")))
      << log;
  EXPECT_GE(std::stod(timing[1].str()), 100.0);
  const std::string status = env_->card_control("status");
  EXPECT_NE(status.find(" pin_verified=no "), std::string::npos) << status;
  finish_host();
}

// A card that refuses LOG OFF: the host ends its transaction and connection with
// SCARD_RESET_CARD, so the PIN is not left verified for other programs; the next login works.
TEST_F(WarmHost, AFailedLogOffResetsTheCard) {
  start_card("kid-9");
  start_host("pin 1234\npin 1234\n");
  ASSERT_TRUE(wait_for_log("card read ahead"));
  ASSERT_EQ(env_->card_control("fail-log-off on"), "ok fail_log_off=on");
  send_authenticate(1, first_nonce);
  const json first = next_reply();
  ASSERT_TRUE(first.contains("result")) << first.dump();
  EXPECT_EQ(testing::check_token(first["result"], origin, first_nonce), "");
  ASSERT_TRUE(wait_for_log("authenticate apdus="));
  EXPECT_NE(read_text(dir_ / "host.log").find(" logged_off=0"), std::string::npos);
  // The reset follows the timing line (the login's end): wait for it, at most 10 s.
  std::string status;
  for (int i = 0; i < 200; ++i) {
    status = env_->card_control("status");
    if (status.find(" pin_verified=no ") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(status.find(" pin_verified=no "), std::string::npos) << status;
  ASSERT_EQ(env_->card_control("fail-log-off off"), "ok fail_log_off=off");
  send_authenticate(2, second_nonce);
  const json second = next_reply();
  ASSERT_TRUE(second.contains("result")) << second.dump();
  EXPECT_EQ(testing::check_token(second["result"], origin, second_nonce), "");
  finish_host();
}

TEST_F(WarmHost, LoginsGoOnAfterPcscdRestarted) {
  start_card("kid-9");
  start_host("pin 1234\npin 1234\n");
  send_authenticate(1, first_nonce);
  const json first = next_reply();
  ASSERT_TRUE(first.contains("result")) << first.dump();
  ASSERT_TRUE(wait_for_log("authenticate apdus="));
  // A new pcscd on the same socket (an upgrade, a crash): the host's kept context, connection
  // and card watcher belong to the old one.
  env_->restart_pcscd();
  // The old pcscd is gone once the host's card watcher has lost it.
  ASSERT_TRUE(wait_for_log("card watcher stopped"));
  const auto until = std::chrono::steady_clock::now() + 20s;
  const auto card_seen_again = [this] {
    try {
      const PcscContext context;
      const auto state = context.reader_state(env_->reader());
      return state && state->card_present;
    } catch (const Error&) {
      return false;  // the new pcscd is not there yet
    }
  };
  bool seen = false;
  while (!(seen = card_seen_again()) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(seen);
  send_authenticate(2, second_nonce);
  const json second = next_reply();
  ASSERT_TRUE(second.contains("result")) << second.dump();
  EXPECT_EQ(testing::check_token(second["result"], origin, second_nonce), "");
  finish_host();
  // The old pcscd's connection was not used again.
  EXPECT_EQ(login_values("kept_connection"), (std::vector<int>{0, 0}));
}

TEST_F(WarmHost, CardCommandsQueueWhileVersionIsAnsweredAtOnce) {
  start_card("kid-9");
  start_host("wait 1500 pin 1234\npin 1234\n");
  send_authenticate("first", first_nonce);
  send_authenticate("second", second_nonce);
  send({{"command", "version"}, {"id", "v"}});
  std::vector<json> replies;
  for (int i = 0; i < 3; ++i) {
    replies.push_back(next_reply());
  }
  ASSERT_EQ(replies[0]["id"], "v") << replies[0].dump();
  EXPECT_EQ(replies[0]["result"]["protocolVersion"], 2);
  ASSERT_EQ(replies[1]["id"], "first") << replies[1].dump();
  ASSERT_EQ(replies[2]["id"], "second") << replies[2].dump();
  EXPECT_EQ(testing::check_token(replies[1]["result"], origin, first_nonce), "");
  EXPECT_EQ(testing::check_token(replies[2]["result"], origin, second_nonce), "");
  finish_host();
}

TEST_F(WarmHost, QueuedRequestWhoseTimeoutPassesIsAnsweredBusyAtOnce) {
  start_card("kid-9");
  start_host("wait 2500 pin 1234\n");
  send_authenticate(1, first_nonce);
  send_authenticate(2, second_nonce, 1);
  const json busy = next_reply();
  EXPECT_EQ(busy["id"], 2);
  EXPECT_EQ(error_code(busy), "ERR_SAFERCHAT_HOST_BUSY") << busy.dump();
  const json login = next_reply();  // the first request was not disturbed
  EXPECT_EQ(login["id"], 1);
  EXPECT_EQ(testing::check_token(login["result"], origin, first_nonce), "");
  EXPECT_EQ(dialog_pids().size(), 1U);  // the busy one never showed a dialog
  finish_host();
}

TEST_F(WarmHost, CancelStopsTheRunningRequestAndClosesItsDialog) {
  start_card("kid-9");
  start_host("hang\npin 1234\n");
  send_authenticate(1, first_nonce);
  wait_for_dialog(1);
  send({{"command", "cancel"}, {"id", 2}, {"arguments", {{"requestId", 1}}}});
  std::map<int, json> replies;
  for (int i = 0; i < 2; ++i) {
    const json reply = next_reply();
    replies[reply.value("id", -1)] = reply;
  }
  EXPECT_EQ(replies[2],
            (json{{"command", "cancel"}, {"id", 2}, {"result", {{"cancelled", true}}}}));
  EXPECT_EQ(error_code(replies[1]), "ERR_SAFERCHAT_REQUEST_CANCELLED") << replies[1].dump();
  EXPECT_NE(::kill(dialog_pids().front(), 0), 0) << "the cancelled request's dialog is still open";
  // The connection goes on: the next login works.
  send_authenticate(3, second_nonce);
  const json login = next_reply();
  EXPECT_EQ(testing::check_token(login["result"], origin, second_nonce), "") << login.dump();
  finish_host();
}

TEST_F(WarmHost, CancelOfAQueuedRequestAndOfNoRequest) {
  start_card("kid-9");
  start_host("wait 1500 pin 1234\n");
  send_authenticate(1, first_nonce);
  send_authenticate(2, second_nonce);
  send({{"command", "cancel"}, {"id", 3}, {"arguments", {{"requestId", 2}}}});
  send({{"command", "cancel"}, {"id", 4}, {"arguments", {{"requestId", "nobody"}}}});
  std::map<int, json> replies;
  for (int i = 0; i < 4; ++i) {
    const json reply = next_reply();
    replies[reply.value("id", -1)] = reply;
  }
  EXPECT_EQ(replies[3]["result"], (json{{"cancelled", true}}));
  EXPECT_EQ(replies[4]["result"], (json{{"cancelled", false}}));
  EXPECT_EQ(error_code(replies[2]), "ERR_SAFERCHAT_REQUEST_CANCELLED");
  EXPECT_EQ(testing::check_token(replies[1]["result"], origin, first_nonce), "");
  finish_host();
}

TEST_F(WarmHost, AnIdStillInFlightCannotBeReused) {
  start_card("kid-9");
  start_host("wait 1000 pin 1234\n");
  send_authenticate(7, first_nonce);
  send_authenticate(7, second_nonce);
  const json refused = next_reply();
  EXPECT_EQ(refused, (json{{"command", "authenticate"},
                           {"id", 7},
                           {"error",
                            {{"code", "ERR_SAFERCHAT_INVALID_ARGUMENT"},
                             {"message",
                              "An argument is missing, of the wrong type or out of "
                              "range."}}}}));
  EXPECT_EQ(testing::check_token(next_reply()["result"], origin, first_nonce), "");
  finish_host();
}

TEST_F(WarmHost, ACardSwappedBetweenLoginsNeverYieldsTheOldCard) {
  const json teen = profile_json("teen-14");
  start_card("kid-9");
  start_host("pin 1234\npin " + teen["pin"].get<std::string>() + "\n");
  send_authenticate(1, first_nonce);
  const json kid_login = next_reply();
  ASSERT_EQ(kid_login["result"]["algorithm"], "ES384") << kid_login.dump();
  // Between the logins: once the first has ended (its LOG OFF comes after the reply; the
  // timing line after it) and the host has read the new card. A swap in the middle of a login
  // ends it with ERR_SAFERCHAT_CARD_REMOVED instead, as a pulled card does.
  ASSERT_TRUE(wait_for_log("authenticate apdus="));
  ASSERT_EQ(env_->card_control("swap " + (cards_dir / "teen-14").string()), "ok swapped");
  ASSERT_TRUE(wait_for_log("card read ahead", 2));
  send_authenticate(2, second_nonce);
  const json teen_login = next_reply();
  ASSERT_TRUE(teen_login.contains("result")) << teen_login.dump();
  EXPECT_EQ(teen_login["result"]["algorithm"], "RS256");
  EXPECT_EQ(testing::check_token(teen_login["result"], origin, second_nonce), "");
  const auto certificate = testing::base64_decode(teen_login["result"]["unverifiedCertificate"]);
  const std::string teen_file = read_text(cards_dir / "teen-14" / "auth_cert.der");
  ASSERT_LE(certificate.size(), teen_file.size());
  EXPECT_TRUE(std::equal(certificate.begin(), certificate.end(), teen_file.begin(),
                         [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); }));
  finish_host();
  // The connection kept from the first card was not used for the second.
  EXPECT_EQ(login_values("kept_connection"), (std::vector<int>{0, 0}));
}

TEST_F(WarmHost, EndOfInputStopsRunningAndQueuedRequests) {
  start_card("kid-9");
  start_host("hang\n");
  send_authenticate(1, first_nonce);
  send_authenticate(2, second_nonce);
  wait_for_dialog(1);
  host_->close_stdin();
  EXPECT_EQ(host_->wait(2000ms), 0);
  for (const int pid : dialog_pids()) {
    EXPECT_NE(::kill(pid, 0), 0) << "pinentry " << pid << " outlived the host";
  }
  EXPECT_EQ(dialog_pids().size(), 1U);  // the queued request never opened one
}

}  // namespace
}  // namespace saferchat
