// SPDX-License-Identifier: Apache-2.0
// End to end on the provider's side: the real saferchat-host, through a private pcscd and the
// virtual card (PIN typed by scripted-pinentry), answers a challenge issued by the verifier;
// the verifier accepts the token, learns the holder, and refuses it a second time.
#include <gtest/gtest.h>

#include "server/support/server_test_support.hpp"
#include "store/memory_nonce_store.hpp"
#include "support/host_process.hpp"
#include "support/memory_source.hpp"
#include "support/pcsc_environment.hpp"
#include "verify/verifier.hpp"
#include "wire/version.hpp"

namespace saferchat::verify {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string origin = "https://kids.chat.example";

class HostToken : public ::testing::TestWithParam<std::string> {};

TEST_P(HostToken, RealHostTokenIsAccepted) {
  const std::string profile_name = GetParam();
  const json profile =
      json::parse(testing::read_file(testing::cards_dir() / profile_name / "profile.json"));
  VerifierConfig config;
  config.allowed_origins = {origin};
  config.trust_anchors_pem = testing::test_anchors_pem();
  config.intermediates_pem = testing::test_intermediates_pem();
  config.age_policy = {6, 15};
  config.pseudonym_key = std::vector<std::uint8_t>(32, 0x42);
  const Verifier verifier(config, std::make_shared<store::MemoryNonceStore>());
  const Challenge challenge = verifier.issue_challenge("browser-session");

  const testing::TempDir dir("saferchat-host-token");
  testing::write_file(dir / "script", "pin " + profile["pin"].get<std::string>() + "\n");
  const testing::PcscEnvironment pcsc(
      {"--profile", (testing::cards_dir() / profile_name).string()});
  testing::HostProcess host(SAFERCHAT_HOST_PATH,
                            {"chrome-extension://nmgdeinpncakphdmdpndhifioncieboe/"},
                            {{"PCSCLITE_CSOCK_NAME", pcsc.socket()},
                             {"SAFERCHAT_PINENTRY", SAFERCHAT_SCRIPTED_PINENTRY_PATH},
                             {"SCRIPTED_PINENTRY_SCRIPT", (dir / "script").string()},
                             {"SCRIPTED_PINENTRY_STATE", (dir / "script.state").string()},
                             {"SCRIPTED_PINENTRY_LOG", (dir / "pinentry.log").string()},
                             {"SAFERCHAT_LOG_FILE", (dir / "host.log").string()}});
  ASSERT_TRUE(host.read_message().has_value());  // ready
  const json request = {{"command", "authenticate"},
                        {"id", 1},
                        {"arguments", {{"challengeNonce", challenge.nonce}, {"origin", origin}}}};
  ASSERT_TRUE(host.write(testing::frame_of(request.dump())));
  const auto reply = host.read_message(30s);
  ASSERT_TRUE(reply.has_value());
  const json answer = json::parse(*reply);
  ASSERT_TRUE(answer.contains("result")) << answer.dump();
  const std::string token = answer["result"].dump();
  host.close_stdin();
  EXPECT_EQ(host.wait(), 0);

  const Verdict verdict = verifier.verify(token, origin, challenge.nonce, "browser-session");
  ASSERT_TRUE(verdict.accepted()) << (verdict.reason ? reason_code(*verdict.reason) : "") << ": "
                                  << verdict.detail;
  EXPECT_EQ(verdict.app_version, "https://saferchat.be/host/" + std::string(host_version));
  EXPECT_EQ(verdict.holder->given_names, profile["holder"]["given_names"]);
  EXPECT_EQ(verdict.holder->surname, profile["holder"]["surname"]);
  EXPECT_EQ(verdict.holder->age, profile["holder"]["age"]);
  EXPECT_EQ(verdict.holder->pseudonym,
            make_pseudonym(std::vector<std::uint8_t>(32, 0x42),
                           profile["holder"]["national_number"].get<std::string>()));
  EXPECT_FALSE(verdict.holder->national_number);
  // The same token again: the nonce is spent.
  EXPECT_EQ(verifier.verify(token, origin, challenge.nonce, "browser-session").reason,
            Reason::nonce_replayed);
}

INSTANTIATE_TEST_SUITE_P(BothGenerations, HostToken, ::testing::Values("kid-9", "teen-14"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace saferchat::verify
