// SPDX-License-Identifier: Apache-2.0
// The platform seam (host/platform/platform.hpp) on the platform the test runs on: Linux, or
// Windows under Wine (tests/windows).
#include "platform/platform.hpp"

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "transport/log.hpp"

#if defined(_WIN32)
// clang-format off
#include <windows.h>
// clang-format on
#include <fcntl.h>
#include <io.h>

#include "platform/windows/wide.hpp"
#else
#include <unistd.h>
#endif

namespace saferchat {
namespace {

namespace fs = std::filesystem;

TEST(Platform, WipeZeroesEveryByte) {
  std::array<unsigned char, 16> secret{};
  secret.fill(0x35);
  platform::wipe(secret.data(), secret.size());
  for (const unsigned char b : secret) {
    EXPECT_EQ(b, 0);
  }
}

TEST(Platform, ScardCtlCodeIsThePlatformsOwn) {
#if defined(_WIN32)
  // CTL_CODE(FILE_DEVICE_SMARTCARD = 0x31, 3400, METHOD_BUFFERED, FILE_ANY_ACCESS).
  EXPECT_EQ(platform::scard_ctl_code(3400), 0x00313520U);
#else
  EXPECT_EQ(platform::scard_ctl_code(3400), 0x42000D48U);  // 0x42000000 + 3400
#endif
}

// A pipe whose writer is gone reads as end of input, after the data written before.
TEST(Platform, ClosedPipeIsEndOfInput) {
  std::array<int, 2> ends{};
#if defined(_WIN32)
  ASSERT_EQ(_pipe(ends.data(), 4096, _O_BINARY), 0);
  const auto close_fd = _close;
#else
  ASSERT_EQ(::pipe(ends.data()), 0);
  const auto close_fd = ::close;
#endif
  ASSERT_EQ(platform::write_fd(ends[1], "\n\r\x1A", 3), 3);
  ASSERT_EQ(close_fd(ends[1]), 0);
  std::array<char, 8> buffer{};
  ASSERT_EQ(platform::read_fd(ends[0], buffer.data(), buffer.size()), 3);
  EXPECT_EQ(std::string(buffer.data(), 3), "\n\r\x1A");  // binary: no CR LF or Ctrl-Z rules
  EXPECT_EQ(platform::read_fd(ends[0], buffer.data(), buffer.size()), 0);
  static_cast<void>(close_fd(ends[0]));
}

class PlatformStateDir : public ::testing::Test {
 protected:
  void SetUp() override {
    // A child called Zoë: her user folder's name is not ASCII.
    root_ = fs::temp_directory_path() / fs::path(u8"saferchat-platform-test-Zo\u00EB");
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(PlatformStateDir, LogInTheUsersOwnFolderWithAWideName) {
#if defined(_WIN32)
  ASSERT_EQ(_wputenv_s(L"LOCALAPPDATA", root_.c_str()), 0);
  const std::string expected = platform::to_utf8(root_.native()) + "\\SaferChat";
  const fs::path folder = root_ / "SaferChat";
#else
  ASSERT_EQ(::setenv("XDG_STATE_HOME", root_.c_str(), 1), 0);
  const std::string expected = root_.string() + "/saferchat";
  const fs::path folder = root_ / "saferchat";
#endif
  EXPECT_EQ(platform::state_dir(), expected);
  ASSERT_EQ(::getenv("SAFERCHAT_LOG_FILE"), nullptr);
  {
    const Logger log = Logger::from_environment();
    EXPECT_EQ(log.path(), expected + platform::path_separator() + "host.log");
    log.write(LogLevel::info, "hello from Zo\xC3\xAB");
  }
  std::ifstream file(folder / "host.log", std::ios::binary);
  std::string line;
  ASSERT_TRUE(std::getline(file, line));
  EXPECT_NE(line.find(" INFO saferchat-host[" + std::to_string(platform::process_id()) +
                      "] hello from Zo\xC3\xAB"),
            std::string::npos)
      << line;
  EXPECT_FALSE(std::getline(file, line));  // one line, \n only (binary)
}

// Sets (or, with nullptr, removes) an environment variable as a user or a browser would: on
// Windows in UTF-16 (the C runtime's copies and the process's block), on POSIX in UTF-8.
#if defined(_WIN32)
void set_env(const wchar_t* name, const wchar_t* value) {
  ASSERT_EQ(_wputenv_s(name, value == nullptr ? L"" : value), 0);
}
#else
void set_env(const char* name, const char* value) {
  ASSERT_EQ(value == nullptr ? ::unsetenv(name) : ::setenv(name, value, 1), 0);
}
#endif

TEST(Platform, EnvironmentVariableAsUtf8) {
#if defined(_WIN32)
  set_env(L"SAFERCHAT_TEST_VARIABLE", L"C:\\Users\\Zo\u00EB\\AppData\\Local\\Programs");
  EXPECT_EQ(platform::environment_variable("SAFERCHAT_TEST_VARIABLE"),
            "C:\\Users\\Zo\xC3\xAB\\AppData\\Local\\Programs");
  // Outside every ANSI code page: a Greek name, and a character beyond the BMP (a pair).
  set_env(L"SAFERCHAT_TEST_VARIABLE", L"\u0396\u03C9\u03AE \U0001F600");
  EXPECT_EQ(platform::environment_variable("SAFERCHAT_TEST_VARIABLE"),
            "\xCE\x96\xCF\x89\xCE\xAE \xF0\x9F\x98\x80");
  // Not valid UTF-16 (a lone surrogate): refused, not mangled into U+FFFD.
  ASSERT_NE(SetEnvironmentVariableW(L"SAFERCHAT_TEST_VARIABLE", L"Zo\xD800"), 0);
  EXPECT_EQ(platform::environment_variable("SAFERCHAT_TEST_VARIABLE"), std::nullopt);
  set_env(L"SAFERCHAT_TEST_VARIABLE", nullptr);
#else
  set_env("SAFERCHAT_TEST_VARIABLE", "/home/zo\xC3\xAB/.local/bin");
  EXPECT_EQ(platform::environment_variable("SAFERCHAT_TEST_VARIABLE"),
            "/home/zo\xC3\xAB/.local/bin");
  set_env("SAFERCHAT_TEST_VARIABLE", "");
  EXPECT_EQ(platform::environment_variable("SAFERCHAT_TEST_VARIABLE"), "");
  set_env("SAFERCHAT_TEST_VARIABLE", nullptr);
#endif
  EXPECT_EQ(platform::environment_variable("SAFERCHAT_TEST_VARIABLE"), std::nullopt);
  // A long value (more than any first guess at its size) comes whole.
  const std::string long_value(5000, 'z');
#if defined(_WIN32)
  set_env(L"SAFERCHAT_TEST_VARIABLE", std::wstring(5000, L'z').c_str());
#else
  set_env("SAFERCHAT_TEST_VARIABLE", long_value.c_str());
#endif
  EXPECT_EQ(platform::environment_variable("SAFERCHAT_TEST_VARIABLE"), long_value);
#if defined(_WIN32)
  set_env(L"SAFERCHAT_TEST_VARIABLE", nullptr);
#else
  set_env("SAFERCHAT_TEST_VARIABLE", nullptr);
#endif
}

TEST_F(PlatformStateDir, LogFileNamedInTheEnvironmentInAFolderNamedForAChild) {
  const fs::path file = root_ / fs::path(u8"Safer Chat Zo\u00EB") / "host.log";
  const std::u8string file_text = file.u8string();
  const std::string expected(file_text.begin(), file_text.end());
#if defined(_WIN32)
  set_env(L"SAFERCHAT_LOG_FILE", file.c_str());
#else
  set_env("SAFERCHAT_LOG_FILE", file.c_str());
#endif
  {
    const Logger log = Logger::from_environment();
    EXPECT_EQ(log.path(), expected);
    log.write(LogLevel::info, "hello");
  }
#if defined(_WIN32)
  set_env(L"SAFERCHAT_LOG_FILE", nullptr);
#else
  set_env("SAFERCHAT_LOG_FILE", nullptr);
#endif
  // The file is at that path, and nothing else was made beside its folder.
  std::ifstream in(file, std::ios::binary);
  std::string line;
  ASSERT_TRUE(std::getline(in, line)) << expected;
  EXPECT_NE(line.find(" INFO saferchat-host[" + std::to_string(platform::process_id()) + "] hello"),
            std::string::npos)
      << line;
  std::vector<fs::path> made;
  for (const fs::directory_entry& entry : fs::directory_iterator(root_)) {
    made.push_back(entry.path());
  }
  EXPECT_EQ(made, std::vector<fs::path>{file.parent_path()});
}

TEST(Platform, CommandLineArgumentsAsUtf8) {
#if defined(_WIN32)
  // As Firefox starts the host: the manifest's path (in a user folder called Zoë), the add-on.
  const std::array<const wchar_t*, 3> argv{
      L"C:\\Program Files\\Safer Chat\\saferchat-host.exe",
      L"C:\\Users\\Zo\u00EB\\AppData\\Local\\Safer Chat\\be.saferchat.host.json",
      L"saferchat@saferchat.be"};
  EXPECT_EQ(platform::utf8_arguments(3, argv.data()),
            (std::vector<std::string>{
                "C:\\Users\\Zo\xC3\xAB\\AppData\\Local\\Safer Chat\\be.saferchat.host.json",
                "saferchat@saferchat.be"}));
  const std::array<const wchar_t*, 2> invalid{L"saferchat-host.exe", L"Zo\xDC00.json"};
  EXPECT_EQ(platform::utf8_arguments(2, invalid.data()), std::nullopt);
  EXPECT_EQ(platform::to_utf8_exact(L""), "");
#else
  std::string program = "saferchat-host";
  std::string manifest = "/home/zo\xC3\xAB/.mozilla/native-messaging-hosts/be.saferchat.host.json";
  std::string addon = "saferchat@saferchat.be";
  std::array<char*, 3> argv{program.data(), manifest.data(), addon.data()};
  EXPECT_EQ(platform::command_line_arguments(3, argv.data()),
            (std::vector<std::string>{manifest, addon}));
  EXPECT_EQ(platform::command_line_arguments(1, argv.data()), std::vector<std::string>{});
#endif
}

TEST(Platform, LanguageOfTheOperatingSystem) {
#if defined(_WIN32)
  // The user's UI language in locale form ("en_US" in a fresh Wine prefix).
  const std::string language = platform::os_language();
  ASSERT_GE(language.size(), 2U);
  EXPECT_EQ(language.find('-'), std::string::npos);
#else
  EXPECT_EQ(platform::os_language(), "");  // LC_ALL, LC_MESSAGES and LANG say it
#endif
}

}  // namespace
}  // namespace saferchat
