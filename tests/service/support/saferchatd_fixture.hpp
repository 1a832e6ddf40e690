// SPDX-License-Identifier: Apache-2.0
// Starts the real saferchatd for a test: a configuration built on the generated test PKI
// (virtual-card/profiles/make_test_cards.sh, FIXTURES_REQUIRED test_cards), port 0 on loopback,
// the port read from its "listening on 127.0.0.1:PORT" line, its log kept in a file.
// Needs SAFERCHATD_PATH and SAFERCHAT_TEST_CARDS_ROOT from CMake.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "service/support/child_process.hpp"
#include "service/support/http_client.hpp"

namespace saferchat::testing {

inline std::string test_cards_root() { return SAFERCHAT_TEST_CARDS_ROOT; }
inline std::string card_dir(const std::string& profile) {
  return test_cards_root() + "/cards/" + profile;
}

inline constexpr const char* test_origin = "https://chat.example";

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "saferchatd-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// 32 fixed bytes: tests compute the expected pseudonyms from them.
inline std::string test_pseudonym_key() { return "0123456789abcdef0123456789ABCDEF"; }

// The test PKI, memory store, two rooms; the pseudonym key written into `dir`.
inline nlohmann::json test_config(const TempDir& dir) {
  const std::string key_file = dir.file("pseudonym.key");
  std::ofstream(key_file, std::ios::binary) << test_pseudonym_key();
  const std::string pki = test_cards_root() + "/pki/";
  return {
      {"listen", "127.0.0.1:0"},
      {"threads", 2},
      {"trustAnchors", pki + "trust-anchors.pem"},
      {"intermediates", {pki + "citizen-ca-p384.pem", pki + "citizen-ca-rsa.pem"}},
      {"allowedOrigins", {test_origin}},
      {"rooms",
       {{"kids", {{"minAge", 6}, {"maxAge", 11}}}, {"teens", {{"minAge", 12}, {"maxAge", 17}}}}},
      {"store", {{"type", "memory"}}},
      {"revocation", {{"mode", "none"}}},
      {"pseudonymKeyFile", key_file}};
}

class Saferchatd {
 public:
  Saferchatd(const nlohmann::json& config, const TempDir& dir,
             const std::string& name = "saferchatd")
      : config_path_(dir.file(name + ".json")) {
    std::ofstream(config_path_) << config.dump(2);
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{SAFERCHATD_PATH, "--config", config_path_},
        dir.file(name + ".log"));
    const auto line = process_->read_line(std::chrono::seconds(20));
    const std::string prefix = "listening on 127.0.0.1:";
    if (!line || line->rfind(prefix, 0) != 0) {
      throw std::runtime_error("saferchatd did not start: " + line.value_or("(no output)") + "\n" +
                               process_->stderr_text());
    }
    port_ = static_cast<std::uint16_t>(std::stoul(line->substr(prefix.size())));
  }

  [[nodiscard]] std::uint16_t port() const { return port_; }

  // One request on a new connection.
  HttpReply post(const std::string& path, const nlohmann::json& body) const {
    HttpConnection connection(port_);
    return connection.post(path, body);
  }
  HttpReply get(const std::string& path) const {
    HttpConnection connection(port_);
    return connection.get(path);
  }

  // A fresh challenge nonce (optionally bound to `session`).
  std::string challenge(const std::string& session = {}) const {
    nlohmann::json body = nlohmann::json::object();
    if (!session.empty()) {
      body["session"] = session;
    }
    const HttpReply reply = post("/v1/challenge", body);
    if (reply.status != 200) {
      throw std::runtime_error("challenge failed: " + reply.body);
    }
    return reply.json().at("challengeNonce").get<std::string>();
  }

  [[nodiscard]] std::string log() const { return process_->stderr_text(); }

  // Whether the log has a match for `pattern` within `timeout`: a request's line is written
  // once its response is sent, so it can lag the client's read by a moment.
  [[nodiscard]] bool log_has(const std::string& pattern,
                             std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    const std::regex expression(pattern);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!std::regex_search(log(), expression)) {
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }
  [[nodiscard]] ChildProcess& process() { return *process_; }

  // Sends `signal` and returns the exit status (nullopt if still running after 10 s).
  std::optional<int> stop(int signal = SIGTERM) {
    process_->signal(signal);
    return process_->wait(std::chrono::seconds(10));
  }

 private:
  std::string config_path_;
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t port_ = 0;
};

}  // namespace saferchat::testing
