// SPDX-License-Identifier: Apache-2.0
// A test fixture for the card path through the whole real stack: the built host, a private
// pcscd with the virtual card (saferchat-pcsc-env), and scripted-pinentry as the PIN dialog.
// Needs SAFERCHAT_TEST_CARDS_DIR, SAFERCHAT_PCSC_ENV_PATH, SAFERCHAT_HOST_PATH and
// SAFERCHAT_SCRIPTED_PINENTRY_PATH from the build.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/host_process.hpp"
#include "support/memory_source.hpp"
#include "support/pcsc_environment.hpp"

namespace saferchat::testing {

using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline const fs::path cards_dir = SAFERCHAT_TEST_CARDS_DIR;
inline const std::string chrome_caller = "chrome-extension://nmgdeinpncakphdmdpndhifioncieboe/";
inline const std::string default_origin = "https://kids.chat.example";
inline const std::string default_nonce = "q9SDF3l0yBNm7u1x0gL8j2Y1t6n5XKc0JmWQeZ2rT4A=";

inline json profile_json(const std::string& name) {
  std::ifstream file(cards_dir / name / "profile.json");
  return json::parse(file);
}

inline std::string read_text(const fs::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

class CardHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "saferchat-card-host-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    host_.reset();
    env_.reset();
    if (HasFailure() && fs::exists(dir_ / "host.log")) {
      std::cerr << "--- host.log of the failed test:\n" << read_text(dir_ / "host.log");
    }
    fs::remove_all(dir_);
  }

  void start_card(const std::string& profile, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--profile", (cards_dir / profile).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    env_ = std::make_unique<PcscEnvironment>(args);
  }

  // Starts the host with scripted-pinentry answering `script` (one line per dialog).
  // `overrides` replace the environment given to the host (an empty value counts as unset).
  void start_host(const std::string& script,
                  const std::map<std::string, std::string>& overrides = {}) {
    std::ofstream(dir_ / "script") << script;
    std::map<std::string, std::string> environment{
        {"PCSCLITE_CSOCK_NAME", env_->socket()},
        {"SAFERCHAT_PINENTRY", SAFERCHAT_SCRIPTED_PINENTRY_PATH},
        {"SCRIPTED_PINENTRY_SCRIPT", (dir_ / "script").string()},
        {"SCRIPTED_PINENTRY_STATE", (dir_ / "script.state").string()},
        {"SCRIPTED_PINENTRY_LOG", (dir_ / "pinentry.log").string()},
        {"SAFERCHAT_LOG_FILE", (dir_ / "host.log").string()},
        {"SAFERCHAT_LOG_LEVEL", "debug"}};
    for (const auto& [name, value] : overrides) {
      environment[name] = value;
    }
    host_ = std::make_unique<HostProcess>(SAFERCHAT_HOST_PATH,
                                          std::vector<std::string>{chrome_caller}, environment);
    const auto ready = host_->read_message();
    ASSERT_TRUE(ready.has_value());
  }

  json request(const std::string& command, json arguments, std::chrono::milliseconds wait = 20s) {
    const json message = {{"command", command}, {"id", 1}, {"arguments", std::move(arguments)}};
    EXPECT_TRUE(host_->write(frame_of(message.dump())));
    const auto reply = host_->read_message(wait);
    return reply ? json::parse(*reply) : json{{"no reply", true}};
  }

  json authenticate(json extra = json::object()) {
    json arguments = {
        {"challengeNonce", default_nonce}, {"origin", default_origin}, {"lang", "nl"}};
    arguments.update(extra);
    return request("authenticate", arguments);
  }

  // What scripted-pinentry recorded: one JSON object per line.
  [[nodiscard]] std::vector<json> dialog_log() const {
    std::vector<json> events;
    std::istringstream lines(read_text(dir_ / "pinentry.log"));
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) {
        events.push_back(json::parse(line));
      }
    }
    return events;
  }
  [[nodiscard]] std::vector<std::string> shown(const std::string& command) const {
    std::vector<std::string> texts;
    for (const json& event : dialog_log()) {
      // The command as received; entries with "action" are the script's answers to it.
      if (event.value("command", "") == command && !event.contains("action")) {
        texts.push_back(event.value("argument", ""));
      }
    }
    return texts;
  }
  [[nodiscard]] std::vector<int> dialog_pids() const {
    std::vector<int> pids;
    for (const json& event : dialog_log()) {
      if (event.value("event", "") == "start") {
        pids.push_back(event["pid"]);
      }
    }
    return pids;
  }

  void finish_host(int expected_exit = 0) {
    host_->close_stdin();
    EXPECT_EQ(host_->wait(), expected_exit);
  }

  fs::path dir_;
  std::unique_ptr<PcscEnvironment> env_;
  std::unique_ptr<HostProcess> host_;
};

}  // namespace saferchat::testing
