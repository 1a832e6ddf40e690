#include "transport/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

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

TEST(LogLevel, Parses) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::debug);
  EXPECT_EQ(parse_log_level("off"), LogLevel::off);
  EXPECT_EQ(parse_log_level("DEBUG"), std::nullopt);
  const Logger off;
  EXPECT_FALSE(off.enabled(LogLevel::error));
}

}  // namespace
}  // namespace saferchat
