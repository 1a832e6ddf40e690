// SPDX-License-Identifier: Apache-2.0
#include "transport/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <tuple>

#include <gtest/gtest.h>

namespace saferchat {
namespace {

class LogFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "saferchat-log-XXXXXX");
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  [[nodiscard]] static std::string read(const std::filesystem::path& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }
  std::filesystem::path dir_;
};

TEST_F(LogFile, OneTimestampedLineWithControlCharactersEscaped) {
  const auto path = dir_ / "host.log";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  ASSERT_GE(fd, 0);
  {
    const Logger log(LogLevel::info, fd, true, path);
    log.write(LogLevel::info, "request command=version\nFAKE LINE");
    log.write(LogLevel::debug, "not at this level");
  }
  const std::regex line(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO saferchat-host\[\d+\] request command=version\\x0AFAKE LINE\n)");
  EXPECT_TRUE(std::regex_match(read(path), line)) << read(path);
}

TEST_F(LogFile, EnvironmentPicksStateDirectoryAndLevel) {
  ASSERT_EQ(::setenv("XDG_STATE_HOME", dir_.c_str(), 1), 0);
  ASSERT_EQ(::unsetenv("SAFERCHAT_LOG_FILE"), 0);
  ASSERT_EQ(::setenv("SAFERCHAT_LOG_LEVEL", "warn", 1), 0);
  {
    const Logger log = Logger::from_environment();
    EXPECT_EQ(log.path(), (dir_ / "saferchat" / "host.log").string());
    EXPECT_EQ(log.level(), LogLevel::warn);
    log.write(LogLevel::info, "dropped");
    log.write(LogLevel::warn, "kept");
  }
  const std::string text = read(dir_ / "saferchat" / "host.log");
  EXPECT_EQ(text.find("dropped"), std::string::npos);
  EXPECT_NE(text.find(" WARN saferchat-host["), std::string::npos);
  EXPECT_EQ(std::filesystem::status(dir_ / "saferchat").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  ::unsetenv("XDG_STATE_HOME");
  ::unsetenv("SAFERCHAT_LOG_LEVEL");
}

TEST_F(LogFile, LargeLogIsRotatedOnOpen) {
  const auto path = dir_ / "host.log";
  std::ofstream(path) << std::string(1024 * 1024 + 1, 'x');
  ASSERT_EQ(::setenv("SAFERCHAT_LOG_FILE", path.c_str(), 1), 0);
  {
    const Logger log = Logger::from_environment();
    log.write(LogLevel::error, "fresh");
  }
  EXPECT_EQ(std::filesystem::file_size(dir_ / "host.log.1"), 1024U * 1024U + 1U);
  EXPECT_NE(read(path).find("ERROR saferchat-host["), std::string::npos);
  ::unsetenv("SAFERCHAT_LOG_FILE");
}

// A log file that is a symbolic link, a folder or file writable by others, or a file of another
// user is refused: the log goes to stderr with a warning, and the link's target is untouched.
TEST_F(LogFile, UnsafeLogFileOrFolderIsRefusedForStderr) {
  const auto target = dir_ / "target.txt";
  std::ofstream(target) << "precious\n";
  const auto link = dir_ / "host.log";
  std::filesystem::create_symlink(target, link);
  ASSERT_EQ(::setenv("SAFERCHAT_LOG_FILE", link.c_str(), 1), 0);
  const auto open_and_write = [] {
    ::testing::internal::CaptureStderr();
    std::string path;
    {
      const Logger log = Logger::from_environment();
      path = log.path();
      log.write(LogLevel::error, "written");
    }
    return std::pair{path, ::testing::internal::GetCapturedStderr()};
  };
  auto [path, err] = open_and_write();
  EXPECT_EQ(path, "stderr");
  EXPECT_NE(err.find(" WARN saferchat-host["), std::string::npos) << err;
  EXPECT_NE(
      err.find("log file refused (" + link.string() + " is a symbolic link); logging to stderr"),
      std::string::npos)
      << err;
  EXPECT_NE(err.find("ERROR saferchat-host["), std::string::npos) << err;
  EXPECT_EQ(read(target), "precious\n");

  std::filesystem::remove(link);
  std::filesystem::permissions(dir_, std::filesystem::perms::all);  // 0777
  std::tie(path, err) = open_and_write();
  EXPECT_EQ(path, "stderr");
  EXPECT_NE(err.find("(the folder " + dir_.string() + " is writable by other users)"),
            std::string::npos)
      << err;
  EXPECT_FALSE(std::filesystem::exists(link));

  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
  std::ofstream(link) << "";
  std::filesystem::permissions(link, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write |
                                         std::filesystem::perms::others_write);
  std::tie(path, err) = open_and_write();
  EXPECT_EQ(path, "stderr");
  EXPECT_NE(err.find("(" + link.string() + " is writable by other users)"), std::string::npos)
      << err;
  if (::geteuid() == 0) {  // only root can give a file away
    std::filesystem::permissions(
        link, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    ASSERT_EQ(::chown(link.c_str(), 65534, 65534), 0);
    std::tie(path, err) = open_and_write();
    EXPECT_EQ(path, "stderr");
    EXPECT_NE(err.find("(" + link.string() + " belongs to another user)"), std::string::npos)
        << err;
  }
  // A safe file is used again.
  std::filesystem::remove(link);
  std::tie(path, err) = open_and_write();
  EXPECT_EQ(path, link.string());
  EXPECT_EQ(err, "");
  ::unsetenv("SAFERCHAT_LOG_FILE");
}

TEST(LogLevel, Parses) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::debug);
  EXPECT_EQ(parse_log_level("off"), LogLevel::off);
  EXPECT_EQ(parse_log_level("DEBUG"), std::nullopt);
  const Logger off;
  EXPECT_FALSE(off.enabled(LogLevel::error));
}

}  // namespace
}  // namespace saferchat
