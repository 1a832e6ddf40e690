// SPDX-License-Identifier: Apache-2.0
// The built saferchat-host driven over real pipes, as a browser drives it: a table of good and
// bad inputs with the exact messages and exit code each must produce (docs/protocol.md).
#include "support/host_process.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "support/memory_source.hpp"
#include "wire/version.hpp"

namespace saferchat {
namespace {

using nlohmann::json;
using testing::frame_of;
using testing::HostProcess;

const std::string chrome_caller = "chrome-extension://nmgdeinpncakphdmdpndhifioncieboe/";
const std::string nonce = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI+/w==";
// RFC 7518 Appendix C's P-256 key (Bob's), as a site publishes it.
const json seal_key = {{"kty", "EC"},
                       {"crv", "P-256"},
                       {"x", "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ"},
                       {"y", "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck"},
                       {"kid", "chat-2026-12"}};
json with_private_part(json jwk) {
  jwk["d"] = "VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw";
  return jwk;
}

// The host under test: this build's, or the one SAFERCHAT_TEST_HOST names (the Windows host
// run under Wine, tests/windows/CMakeLists.txt).
std::string host_path() {
  const char* other = std::getenv("SAFERCHAT_TEST_HOST");
  return other != nullptr && other[0] != '\0' ? std::string(other) : SAFERCHAT_HOST_PATH;
}

// How long a host may take to start before its first message: a deadline for a stuck start, not
// a measure (Wine's first start in a fresh prefix takes seconds on a loaded machine).
constexpr std::chrono::milliseconds start_up{30'000};

json ready() { return {{"event", "ready"}, {"hostVersion", host_version}, {"protocolVersion", 2}}; }

json error(std::string_view code, std::string_view message, json id = nullptr,
           std::string_view command = {}) {
  json reply = {{"error", {{"code", code}, {"message", message}}}};
  if (!id.is_null()) {
    reply["id"] = id;
  }
  if (!command.empty()) {
    reply["command"] = command;
  }
  return reply;
}

json version_reply(json id, std::string_view browser, std::string_view extension_id) {
  json reply = {{"command", "version"},
                {"result",
                 {{"hostVersion", host_version},
                  {"protocolVersion", 2},
                  {"commands", {"version", "quit", "cancel", "get-certificate", "authenticate"}},
                  {"pcsc", {{"reachable", false}, {"readerCount", 0}}},
                  {"caller", {{"browser", browser}, {"extensionId", extension_id}}}}}};
  if (!id.is_null()) {
    reply["id"] = id;
  }
  return reply;
}

class HostProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "saferchat-host-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    // No pcscd behind this socket: "reachable" is false whatever runs on the machine.
    env_ = {{"PCSCLITE_CSOCK_NAME", (dir_ / "no-pcscd.comm").string()},
            {"SAFERCHAT_LOG_FILE", (dir_ / "host.log").string()},
            {"SAFERCHAT_LOG_LEVEL", "debug"}};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  [[nodiscard]] std::string log_text() const {
    std::ifstream file(dir_ / "host.log");
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

struct Case {
  std::string name;
  std::vector<std::string> args;
  std::string input;
  std::vector<json> expected;
  int exit_code;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class HostTable : public HostProcessTest, public ::testing::WithParamInterface<Case> {};

TEST_P(HostTable, ExactRepliesAndExitCode) {
  const Case& c = GetParam();
  HostProcess host(host_path(), c.args, env_);
  // Writing may fail once the host has exited (refused caller): the replies still tell.
  static_cast<void>(host.write(c.input));
  // The replies first, then the end of input: closing stdin cancels card commands still in
  // flight (docs/protocol.md §3.6). Replies that only the end of input brings (truncation)
  // come after the short wait.
  // The first message (ready, or the refusal) comes once the host has started: a deadline
  // for a stuck start, as long as a loaded machine or Wine's start-up may need; each later
  // reply must then follow within 250 ms, before the end of input.
  std::vector<json> messages;
  while (messages.size() < c.expected.size()) {
    std::optional<std::string> message =
        host.read_message(messages.empty() ? start_up : std::chrono::milliseconds(250));
    if (!message) {
      break;
    }
    messages.push_back(json::parse(*message));
  }
  host.close_stdin();
  for (json& message : host.read_all(start_up)) {
    messages.push_back(std::move(message));
  }
  EXPECT_EQ(json(messages), json(c.expected)) << c.name;
  EXPECT_EQ(host.wait(), c.exit_code) << c.name;
}

std::string request(const json& message) { return frame_of(message.dump()); }

const std::string version_request = request({{"command", "version"}, {"id", 1}});

INSTANTIATE_TEST_SUITE_P(
    Inputs, HostTable,
    ::testing::Values(
        Case{"version_then_clean_end",
             {chrome_caller},
             version_request,
             {ready(), version_reply(1, "chromium", "nmgdeinpncakphdmdpndhifioncieboe")},
             0},
        Case{"nothing_sent", {chrome_caller}, "", {ready()}, 0},
        Case{"firefox_caller",
             {"/usr/lib/mozilla/native-messaging-hosts/be.saferchat.host.json",
              "saferchat@saferchat.be"},
             request({{"command", "version"}, {"id", "a"}}),
             {ready(), version_reply("a", "firefox", "saferchat@saferchat.be")},
             0},
        Case{"quit_ends_before_later_requests",
             {chrome_caller},
             request({{"command", "quit"}, {"id", 2}}) + version_request,
             {ready(), {{"id", 2}, {"command", "quit"}, {"result", json::object()}}},
             0},
        Case{"other_extension_refused",
             {"chrome-extension://abcdefghijklmnopabcdefghijklmnop/"},
             version_request,
             {error("ERR_SAFERCHAT_CALLER_NOT_ALLOWED",
                    "The host was not started by an allowed extension.")},
             2},
        Case{"no_caller_refused",
             {},
             version_request,
             {error("ERR_SAFERCHAT_CALLER_NOT_ALLOWED",
                    "The host was not started by an allowed extension.")},
             2},
        Case{"firefox_other_addon_refused",
             {"/tmp/x.json", "evil@example.org"},
             version_request,
             {error("ERR_SAFERCHAT_CALLER_NOT_ALLOWED",
                    "The host was not started by an allowed extension.")},
             2},
        Case{"end_inside_header",
             {chrome_caller},
             std::string("\x10\x00", 2),
             {ready(),
              error("ERR_SAFERCHAT_MESSAGE_TRUNCATED", "The input ended inside a message.")},
             3},
        Case{"end_inside_payload",
             {chrome_caller},
             frame_of("{\"command\":", 21),
             {ready(),
              error("ERR_SAFERCHAT_MESSAGE_TRUNCATED", "The input ended inside a message.")},
             3},
        Case{"zero_length_then_version",
             {chrome_caller},
             frame_of("") + version_request,
             {ready(), error("ERR_SAFERCHAT_EMPTY_MESSAGE", "The message has length zero."),
              version_reply(1, "chromium", "nmgdeinpncakphdmdpndhifioncieboe")},
             0},
        Case{"over_cap_skipped_then_version",
             {chrome_caller},
             frame_of(std::string(8193, ' ')) + version_request,
             {ready(),
              error("ERR_SAFERCHAT_MESSAGE_TOO_LARGE",
                    "The message is larger than the host accepts."),
              version_reply(1, "chromium", "nmgdeinpncakphdmdpndhifioncieboe")},
             0},
        Case{"length_no_browser_sends",
             {chrome_caller},
             frame_of("{}", 0x7FFFFFFFU),
             {ready(), error("ERR_SAFERCHAT_MESSAGE_TOO_LARGE",
                             "The message is larger than the host accepts.")},
             3},
        Case{"invalid_utf8",
             {chrome_caller},
             frame_of("{\"command\":\"\xFF\"}"),
             {ready(), error("ERR_SAFERCHAT_INVALID_UTF8", "The message is not valid UTF-8.")},
             0},
        Case{"invalid_json",
             {chrome_caller},
             frame_of("{command: version}"),
             {ready(), error("ERR_SAFERCHAT_INVALID_JSON", "The message is not valid JSON.")},
             0},
        Case{"not_an_object",
             {chrome_caller},
             frame_of("[\"version\"]"),
             {ready(), error("ERR_SAFERCHAT_NOT_AN_OBJECT", "The message is not a JSON object.")},
             0},
        Case{"missing_command",
             {chrome_caller},
             request({{"id", 4}}),
             {ready(),
              error("ERR_SAFERCHAT_MISSING_COMMAND", "The message has no string \"command\".", 4)},
             0},
        Case{"unknown_command",
             {chrome_caller},
             request({{"id", 5}, {"command", "sign"}}),
             {ready(), error("ERR_SAFERCHAT_UNKNOWN_COMMAND", "The command is not known.", 5)},
             0},
        Case{
            "wrong_argument_type",
            {chrome_caller},
            request({{"id", 6}, {"command", "get-certificate"}, {"arguments", {{"timeout", "x"}}}}),
            {ready(), error("ERR_SAFERCHAT_INVALID_ARGUMENT",
                            "An argument is missing, of the wrong type or out of range.", 6,
                            "get-certificate")},
            0},
        Case{"hostile_origin",
             {chrome_caller},
             request({{"id", 7},
                      {"command", "authenticate"},
                      {"arguments",
                       {{"challengeNonce", nonce}, {"origin", "https://evil.example/"}}}}),
             {ready(),
              error("ERR_SAFERCHAT_INVALID_ORIGIN",
                    "The origin is not an https origin the host accepts.", 7, "authenticate")},
             0},
        Case{"short_challenge",
             {chrome_caller},
             request({{"id", 8},
                      {"command", "authenticate"},
                      {"arguments",
                       {{"challengeNonce", "abc"}, {"origin", "https://chat.example"}}}}),
             {ready(),
              error("ERR_SAFERCHAT_INVALID_CHALLENGE",
                    "The challenge nonce is not 44 to 128 base64 characters.", 8, "authenticate")},
             0},
        Case{"card_commands_without_pcscd",
             {chrome_caller},
             request({{"id", 9},
                      {"command", "authenticate"},
                      {"arguments",
                       {{"challengeNonce", nonce}, {"origin", "https://chat.example"}}}}) +
                 request({{"id", 10},
                          {"command", "get-certificate"},
                          {"arguments", {{"origin", "https://chat.example"}}}}),
             {ready(),
              error("ERR_SAFERCHAT_PCSC_UNAVAILABLE",
                    "The smart card service (PC/SC) is not running.", 9, "authenticate"),
              error("ERR_SAFERCHAT_PCSC_UNAVAILABLE",
                    "The smart card service (PC/SC) is not running.", 10, "get-certificate")},
             0},
        // A private key as seal key is refused before the card; a site's seal key
        // (docs/protocol.md §4.4; RFC 7518 Appendix C's P-256 key) is taken, on Windows too
        // (CNG), and the request goes on to the card. The refusal first: card commands are
        // answered from another thread.
        Case{"sealed_authenticate_without_pcscd",
             {chrome_caller},
             request({{"id", 11},
                      {"command", "authenticate"},
                      {"arguments",
                       {{"challengeNonce", nonce},
                        {"origin", "https://chat.example"},
                        {"sealKey", with_private_part(seal_key)}}}}) +
                 request({{"id", 12},
                          {"command", "authenticate"},
                          {"arguments",
                           {{"challengeNonce", nonce},
                            {"origin", "https://chat.example"},
                            {"sealKey", seal_key}}}}),
             {ready(),
              error("ERR_SAFERCHAT_INVALID_ARGUMENT",
                    "An argument is missing, of the wrong type or out of range.", 11,
                    "authenticate"),
              error("ERR_SAFERCHAT_PCSC_UNAVAILABLE",
                    "The smart card service (PC/SC) is not running.", 12, "authenticate")},
             0},
        Case{"errors_do_not_stop_the_host",
             {chrome_caller},
             frame_of("nope") + frame_of("") + version_request,
             {ready(), error("ERR_SAFERCHAT_INVALID_JSON", "The message is not valid JSON."),
              error("ERR_SAFERCHAT_EMPTY_MESSAGE", "The message has length zero."),
              version_reply(1, "chromium", "nmgdeinpncakphdmdpndhifioncieboe")},
             0}),
    [](const ::testing::TestParamInfo<Case>& param_info) { return param_info.param.name; });

TEST_F(HostProcessTest, RepliesWhileStdinStaysOpen) {
  HostProcess host(host_path(), {chrome_caller}, env_);
  ASSERT_EQ(json::parse(host.read_message(start_up).value()), ready());
  for (int id = 1; id <= 3; ++id) {
    ASSERT_TRUE(host.write(request({{"command", "version"}, {"id", id}})));
    EXPECT_EQ(json::parse(host.read_message().value()),
              version_reply(id, "chromium", "nmgdeinpncakphdmdpndhifioncieboe"));
  }
  host.close_stdin();
  EXPECT_EQ(host.read_message(), std::nullopt);
  EXPECT_EQ(host.wait(), 0);
}

TEST_F(HostProcessTest, RequestDribbledByteByByte) {
  HostProcess host(host_path(), {chrome_caller}, env_);
  ASSERT_TRUE(host.read_message(start_up).has_value());
  for (const char c : version_request) {
    ASSERT_TRUE(host.write(std::string(1, c)));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(json::parse(host.read_message().value()),
            version_reply(1, "chromium", "nmgdeinpncakphdmdpndhifioncieboe"));
  host.close_stdin();
  EXPECT_EQ(host.wait(), 0);
}

TEST_F(HostProcessTest, BrowserGoneBeforeReplyEndsTheHostWithoutACrash) {
  HostProcess host(host_path(), {chrome_caller}, env_);
  ASSERT_TRUE(host.read_message(start_up).has_value());
  host.close_stdout();
  ASSERT_TRUE(host.write(version_request));
  host.close_stdin();
  EXPECT_EQ(host.wait(), 3);  // EPIPE on the reply: stream lost, not SIGPIPE
  EXPECT_NE(log_text().find("stream lost: write failed: Broken pipe"), std::string::npos)
      << log_text();
}

TEST_F(HostProcessTest, LogsOneLinePerRequestAndNoRequestData) {
  HostProcess host(host_path(), {chrome_caller}, env_);
  static_cast<void>(host.write(
      version_request +
      request({{"command", "authenticate"},
               {"arguments",
                {{"challengeNonce", nonce}, {"origin", "https://secret-room.example"}}}})));
  // The replies first: closing stdin would cancel a card command still in flight.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(host.read_message(i == 0 ? start_up : std::chrono::milliseconds(5000)).has_value());
  }
  host.close_stdin();
  static_cast<void>(host.read_all());
  ASSERT_EQ(host.wait(), 0);
  const std::string log = log_text();
  // What PC/SC says without pcscd: pcsc-lite's SCARD_E_NO_SERVICE; Debian's Wine has a
  // winscard.dll without a Unix side, which answers SCARD_F_INTERNAL_ERROR (docs/windows.md).
  const std::string no_pcsc = std::getenv("SAFERCHAT_TEST_HOST") == nullptr
                                  ? "SCARD_E_NO_SERVICE"
                                  : "SCARD_F_INTERNAL_ERROR";
  EXPECT_TRUE(std::regex_search(
      log,
      std::regex(
          R"(INFO saferchat-host\[\d+\] request command=version bytes=28 result=OK duration_ms=\d+\.\d{3}\n)")))
      << log;
  EXPECT_TRUE(std::regex_search(
      log,
      std::regex(
          R"(WARN saferchat-host\[\d+\] request command=authenticate bytes=\d+ result=ERR_SAFERCHAT_PCSC_UNAVAILABLE duration_ms=\d+\.\d{3} detail="SCardEstablishContext: )" +
          no_pcsc + "\"\n")))
      << log;
  EXPECT_EQ(log.find(nonce), std::string::npos);
  EXPECT_EQ(log.find("secret-room"), std::string::npos);
}

TEST_F(HostProcessTest, DevelopmentCallerFromEnvironment) {
  env_["SAFERCHAT_EXTRA_ALLOWED_CALLERS"] = "chromium:abcdefghijklmnopabcdefghijklmnop";
  HostProcess host(host_path(), {"chrome-extension://abcdefghijklmnopabcdefghijklmnop/"}, env_);
  host.close_stdin();
  EXPECT_EQ(json(host.read_all(start_up)), json({ready()}));
  EXPECT_EQ(host.wait(), 0);
}

// A child called Zoë: the log file the environment names and the manifest path Firefox passes
// are in a folder whose name is not ASCII (on Windows the host reads both in UTF-16: the ANSI
// code page's bytes would put the log elsewhere, or nowhere).
TEST_F(HostProcessTest, LogFileAndManifestInAFolderNamedForAChild) {
  const std::filesystem::path folder = dir_ / std::filesystem::path(u8"Safer Chat Zo\u00EB");
  env_["SAFERCHAT_LOG_FILE"] = (folder / "host.log").string();
  HostProcess host(host_path(),
                   {(folder / "be.saferchat.host.json").string(), "saferchat@saferchat.be"}, env_);
  ASSERT_EQ(json::parse(host.read_message(start_up).value()), ready());
  ASSERT_TRUE(host.write(version_request));
  EXPECT_EQ(json::parse(host.read_message(start_up).value()),
            version_reply(1, "firefox", "saferchat@saferchat.be"));
  host.close_stdin();
  EXPECT_EQ(host.read_message(), std::nullopt);
  EXPECT_EQ(host.wait(), 0);
  std::ifstream file(folder / "host.log");
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_NE(text.str().find("] request command=version bytes=28 result=OK"), std::string::npos)
      << text.str();
  // Nothing made anywhere else in the test's folder.
  std::vector<std::filesystem::path> made;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    made.push_back(entry.path());
  }
  EXPECT_EQ(made, std::vector<std::filesystem::path>{folder});
}

}  // namespace
}  // namespace saferchat
