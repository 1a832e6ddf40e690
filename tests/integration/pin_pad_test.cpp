// SPDX-License-Identifier: Apache-2.0
// The PIN pad path through the real stack: the built host, a private pcscd whose reader is
// the PIN pad reader (tools/pinpad-reader, saferchat-pcsc-env --pinpad) with the virtual card
// in it, and a scripted keypad. The host asks for FEATURE_VERIFY_PIN_DIRECT, the reader takes
// the digits from the keypad, builds the VERIFY APDU and the card checks it.
//
// Then the reader itself through pcsc-lite (SCardControl), as any PC/SC program sees it.
#include "apdu/pin_pad.hpp"

#include <PCSC/reader.h>
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/card_host_fixture.hpp"
#include "support/expected_dialog_text.hpp"
#include "support/pcsc_environment.hpp"
#include "support/token_check.hpp"

namespace saferchat {
namespace {

using nlohmann::json;
using testing::PcscEnvironment;

std::string error_code(const json& reply) { return reply.value("/error/code"_json_pointer, ""); }

class PinPad : public testing::CardHostTest {
 protected:
  // kid-9's PIN is 1234 (virtual-card/profiles/make_test_cards.sh).
  void SetUp() override {
    CardHostTest::SetUp();
    start_card("kid-9", {"--pinpad"});
    // The on-screen dialog only says "type your PIN on the reader": it stays until the host
    // closes it (one line per dialog shown).
    start_host("hang\nhang\nhang\n");
  }

  void type(const std::string& line) { EXPECT_EQ(env_->keypad_control(line).rfind("ok", 0), 0U); }

  // authenticate, typing on the keypad as a child does: `keys[i]` once the i-th "type your
  // PIN on the reader" message is on screen.
  json authenticate_typing(const std::vector<std::string>& keys, json extra = json::object()) {
    json arguments = {{"challengeNonce", testing::default_nonce},
                      {"origin", testing::default_origin},
                      {"lang", "nl"}};
    arguments.update(extra);
    const json message = {{"command", "authenticate"}, {"id", 1}, {"arguments", arguments}};
    EXPECT_TRUE(host_->write(testing::frame_of(message.dump())));
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (shown("SETDESC").size() <= i && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      EXPECT_GT(shown("SETDESC").size(), i) << "no dialog " << i + 1;
      type(keys[i]);
    }
    const auto reply = host_->read_message(std::chrono::seconds(20));
    return reply ? json::parse(*reply) : json{{"no reply", true}};
  }

  // "ok queued=0 entries=N card=yes last=…" → the value of `field`.
  [[nodiscard]] std::string keypad_status(const std::string& field) const {
    return value_of(env_->keypad_control("status"), field);
  }
  [[nodiscard]] std::string card_status(const std::string& field) const {
    return value_of(env_->card_control("status"), field);
  }

  static std::string value_of(const std::string& status, const std::string& field) {
    const std::size_t at = status.find(" " + field + "=");
    if (at == std::string::npos) {
      return "(no " + field + " in \"" + status + "\")";
    }
    const std::size_t begin = at + field.size() + 2;
    // "last" is the final field and may hold spaces ("sw 9000").
    const std::size_t end = field == "last" ? std::string::npos : status.find(' ', begin);
    return status.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  }
};

TEST_F(PinPad, RightPinOnTheKeypadGivesAVerifiedToken) {
  const json reply = authenticate_typing({"pin 1234"});
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
  EXPECT_EQ(testing::check_token(reply["result"], testing::default_origin, testing::default_nonce),
            "");
  // The PIN went from the keypad to the card: no PIN dialog, one "type it on the reader".
  EXPECT_TRUE(shown("GETPIN").empty());
  const auto descriptions = shown("SETDESC");
  ASSERT_EQ(descriptions.size(), 1U);
  EXPECT_NE(descriptions[0].find("Typ dan je pincode op de kaartlezer"), std::string::npos)
      << descriptions[0];
  EXPECT_EQ(keypad_status("entries"), "1");
  EXPECT_EQ(keypad_status("last"), "sw 9000");
  EXPECT_EQ(card_status("pin_tries_left"), "3");
  finish_host();
}

TEST_F(PinPad, WrongPinCountsDownOnTheCardAndAsksAgainWithTheTriesLeft) {
  const json reply = authenticate_typing({"pin 9999", "pin 1234"});
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
  EXPECT_EQ(testing::check_token(reply["result"], testing::default_origin, testing::default_nonce),
            "");
  EXPECT_EQ(keypad_status("entries"), "2");
  // The second "type it on the reader" says how many tries are left, as the PIN dialog does.
  const auto descriptions = shown("SETDESC");
  ASSERT_EQ(descriptions.size(), 2U);
  EXPECT_EQ(descriptions[0].find("Verkeerde pincode"), std::string::npos) << descriptions[0];
  EXPECT_NE(descriptions[1].find(std::string(testing::expected_tries_texts[0].two_left)),
            std::string::npos)
      << descriptions[1];
  finish_host();
}

TEST_F(PinPad, WrongPinThenCancelLeavesTheCardOneTryDown) {
  EXPECT_EQ(error_code(authenticate_typing({"pin 9999", "cancel"})),
            "ERR_SAFERCHAT_USER_CANCELLED");
  EXPECT_EQ(keypad_status("entries"), "2");
  EXPECT_EQ(keypad_status("last"), "sw 6401");
  EXPECT_EQ(card_status("pin_tries_left"), "2");  // read back from the card itself
  EXPECT_EQ(card_status("pin_verified"), "no");
  finish_host();
}

TEST_F(PinPad, CancelOnTheKeypadIsUserCancelled) {
  type("keys 12");  // typed before the dialog: the reader keeps the keys
  EXPECT_EQ(error_code(authenticate_typing({"cancel"})), "ERR_SAFERCHAT_USER_CANCELLED");
  EXPECT_EQ(keypad_status("last"), "sw 6401");
  EXPECT_EQ(card_status("pin_tries_left"), "3");  // nothing reached the card
  finish_host();
}

TEST_F(PinPad, NoKeyBeforeTheReadersTimeoutIsUserTimeout) {
  // The host gives the reader the seconds left of the request (bTimerOut); the reader waits
  // that long for a key and answers 64 00.
  type("timeout");
  EXPECT_EQ(error_code(authenticate({{"timeout", 2}})), "ERR_SAFERCHAT_USER_TIMEOUT");
  EXPECT_EQ(keypad_status("last"), "sw 6400");
  EXPECT_EQ(card_status("pin_tries_left"), "3");
  finish_host();
}

// The reader through pcsc-lite, without the host.
class PinPadReader : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<PcscEnvironment>(
        std::vector<std::string>{"--pinpad", "--profile", (testing::cards_dir / "kid-9").string()});
    ASSERT_EQ(SCardEstablishContext(SCARD_SCOPE_USER, nullptr, nullptr, &context_),
              SCARD_S_SUCCESS);
    DWORD protocol = 0;
    ASSERT_EQ(SCardConnect(context_, env_->reader().c_str(), SCARD_SHARE_SHARED,
                           SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card_, &protocol),
              SCARD_S_SUCCESS);
  }
  void TearDown() override {
    SCardDisconnect(card_, SCARD_LEAVE_CARD);
    SCardReleaseContext(context_);
    env_.reset();
  }

  LONG control(DWORD code, const std::vector<std::uint8_t>& input,
               std::vector<std::uint8_t>& output) {
    output.assign(258, 0);
    DWORD length = 0;
    const LONG result = SCardControl(card_, code, input.data(), static_cast<DWORD>(input.size()),
                                     output.data(), static_cast<DWORD>(output.size()), &length);
    output.resize(result == SCARD_S_SUCCESS ? length : 0);
    return result;
  }

  // The host's structure with `first` as the PIN block's first byte.
  static std::vector<std::uint8_t> structure_with(std::uint8_t first) {
    std::vector<std::uint8_t> structure = pin_pad::verify_structure(5);
    structure.at(19 + 5) = first;
    return structure;
  }

  std::unique_ptr<PcscEnvironment> env_;
  SCARDCONTEXT context_ = 0;
  SCARDHANDLE card_ = 0;
};

TEST_F(PinPadReader, FeatureListGivesVerifyPinDirectWithPcscLitesControlCode) {
  std::vector<std::uint8_t> features;
  ASSERT_EQ(control(CM_IOCTL_GET_FEATURE_REQUEST, {}, features), SCARD_S_SUCCESS);
  // FEATURE_VERIFY_PIN_DIRECT (06), 4 bytes: SCARD_CTL_CODE(0x330006) = 0x42330006.
  EXPECT_EQ(features, (std::vector<std::uint8_t>{0x06, 0x04, 0x42, 0x33, 0x00, 0x06}));
  EXPECT_EQ(pin_pad::find_feature(features, FEATURE_VERIFY_PIN_DIRECT),
            SCARD_CTL_CODE(0x330000 + FEATURE_VERIFY_PIN_DIRECT));
}

TEST_F(PinPadReader, TemplateWithLengthNibbleZeroVerifies) {
  ASSERT_EQ(env_->keypad_control("pin 1234").rfind("ok", 0), 0U);
  std::vector<std::uint8_t> answer;
  ASSERT_EQ(control(0x42330006, structure_with(0x20), answer), SCARD_S_SUCCESS);
  EXPECT_EQ(answer, (std::vector<std::uint8_t>{0x90, 0x00}));
}

// The old template 2F: the reader ORs the length 4 into F, the card gets 2F 12 34 FF … — not
// a PIN block of §3.2 — and counts a wrong PIN, as with a real CCID PIN pad reader.
TEST_F(PinPadReader, OldTemplate2FFailsOnTheCardAndCostsATry) {
  ASSERT_EQ(env_->keypad_control("pin 1234").rfind("ok", 0), 0U);
  std::vector<std::uint8_t> answer;
  ASSERT_EQ(control(0x42330006, structure_with(0x2F), answer), SCARD_S_SUCCESS);
  EXPECT_EQ(answer, (std::vector<std::uint8_t>{0x63, 0xC2}));
  EXPECT_EQ(env_->card_control("status").find("pin_tries_left=2") != std::string::npos, true)
      << env_->card_control("status");
}

TEST_F(PinPadReader, BadStructuresGetTheCcidDriversErrors) {
  std::vector<std::uint8_t> answer;
  // ulDataLength not matching the size: the CCID driver's own check, IFD_NOT_SUPPORTED,
  // which pcscd reports as SCARD_E_UNSUPPORTED_FEATURE.
  std::vector<std::uint8_t> structure = structure_with(0x20);
  structure.push_back(0x00);
  EXPECT_EQ(control(0x42330006, structure, answer), SCARD_E_UNSUPPORTED_FEATURE);
  EXPECT_EQ(control(0x42330006, {0x1E, 0x1E, 0x89}, answer), SCARD_E_UNSUPPORTED_FEATURE);
  // A field the reader refuses (PIN coding 11 is reserved): the reader's slot error, which
  // the CCID driver returns as IFD_COMMUNICATION_ERROR → SCARD_E_NOT_TRANSACTED.
  structure = structure_with(0x20);
  structure[2] = 0x8B;
  EXPECT_EQ(control(0x42330006, structure, answer), SCARD_E_NOT_TRANSACTED);
  // An unknown control code.
  EXPECT_EQ(control(SCARD_CTL_CODE(0x330000 + FEATURE_MODIFY_PIN_DIRECT), structure, answer),
            SCARD_E_UNSUPPORTED_FEATURE);
  // Nothing reached the card; no key was used.
  EXPECT_NE(env_->card_control("status").find("pin_tries_left=3"), std::string::npos);
}

// saferchat-pcsc-env's help names the option and the keypad's line; the reader has one slot.
TEST(PinPadEnvironment, HelpListsPinpadAndTheKeypadControl) {
  std::string help;
  const std::string env_program(SAFERCHAT_PCSC_ENV_PATH);
  FILE* pipe = ::popen((env_program + " --help").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::array<char, 256> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) {
    help += buffer.data();
  }
  EXPECT_EQ(::pclose(pipe), 0);
  EXPECT_NE(help.find("\n  --pinpad  "), std::string::npos) << help;
  EXPECT_NE(help.find("SAFERCHAT_KEYPAD_CONTROL=<socket>"), std::string::npos) << help;
  const int status =
      std::system((env_program + " --pinpad --profile . --second-profile . 2>/dev/null").c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
}

}  // namespace
}  // namespace saferchat
