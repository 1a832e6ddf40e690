// SPDX-License-Identifier: Apache-2.0
// The platform seam (host/platform/platform.hpp) on the platform the test runs on: Linux, or
// Windows under Wine (tests/windows).
#include "platform/platform.hpp"

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "transport/log.hpp"

#if defined(_WIN32)
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
