// SPDX-License-Identifier: Apache-2.0
// platform/windows/child_process.hpp under Wine: a small test program (spawn-child.exe, built
// beside this test) started the way the host starts the PIN dialog.
#include "platform/windows/child_process.hpp"

#include <array>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace saferchat::platform {
namespace {

constexpr std::uint64_t patience_ms = 60'000;  // a deadline for a stuck child, not a measure

std::filesystem::path test_child() {
  std::array<wchar_t, MAX_PATH> self{};
  GetModuleFileNameW(nullptr, self.data(), static_cast<DWORD>(self.size()));
  return std::filesystem::path(self.data()).parent_path() / L"spawn-child.exe";
}

std::string read_all(ChildProcess& child) {
  std::string out;
  std::array<std::uint8_t, 256> buffer{};
  const std::uint64_t deadline = GetTickCount64() + patience_ms;
  for (;;) {
    std::size_t count = 0;
    const ChildProcess::Wait wait = child.read(buffer, count, deadline, nullptr);
    if (wait == ChildProcess::Wait::end_of_file) {
      return out;
    }
    if (wait != ChildProcess::Wait::done) {
      ADD_FAILURE() << "no end of output from the child";
      return out;
    }
    out.append(reinterpret_cast<const char*>(buffer.data()), count);
  }
}

TEST(ChildProcess, QuotesArgumentsAsCommandLineToArgvWReadsThem) {
  EXPECT_EQ(quote_argument(L"plain"), L"plain");
  EXPECT_EQ(quote_argument(L""), L"\"\"");
  EXPECT_EQ(quote_argument(L"a b"), L"\"a b\"");
  EXPECT_EQ(quote_argument(L"say \"hi\""), L"\"say \\\"hi\\\"\"");
  EXPECT_EQ(quote_argument(L"C:\\dir with space\\"), L"\"C:\\dir with space\\\\\"");
  EXPECT_EQ(quote_argument(L"a\\\\b c"), L"\"a\\\\b c\"");  // backslashes not before a quote
  EXPECT_EQ(quote_argument(L"back\\\"q x"), L"\"back\\\\\\\"q x\"");
  EXPECT_EQ(quote_argument(L"C:\\no\\space"), L"C:\\no\\space");
  const std::vector<std::wstring> arguments{L"--parent-wid", L"123456"};
  EXPECT_EQ(command_line(L"C:\\Program Files\\Safer Chat\\saferchat-pinentry.exe", arguments),
            L"\"C:\\Program Files\\Safer Chat\\saferchat-pinentry.exe\" --parent-wid 123456");
}

TEST(ChildProcess, ItsStandardInputAndOutputAreOurPipesNotItsStandardError) {
  const std::vector<std::wstring> arguments{L"std"};
  ChildProcess child(test_child(), arguments);
  // Windows gives a child whose hStdError is null no standard error ("none"); Wine gives it
  // its own console ("char"). Neither is one of our pipes.
  EXPECT_THAT(read_all(child), testing::AnyOf("stdin pipe stdout pipe stderr none\n",
                                              "stdin pipe stdout pipe stderr char\n"));
  ASSERT_TRUE(child.wait_exit(GetTickCount64() + patience_ms));
  EXPECT_EQ(child.exit_code(), 0UL);
}

TEST(ChildProcess, PipesCarryLinesBothWaysAndClosingInputIsEndOfFile) {
  const std::vector<std::wstring> arguments{L"echo"};
  ChildProcess child(test_child(), arguments);
  const std::string lines = "OK Pleased to meet you\nZo\xC3\xAB\n";
  ASSERT_EQ(child.write({reinterpret_cast<const std::uint8_t*>(lines.data()), lines.size()},
                        GetTickCount64() + patience_ms, nullptr),
            ChildProcess::Wait::done);
  child.close_input();
  EXPECT_EQ(read_all(child), "got OK Pleased to meet you\ngot Zo\xC3\xAB\neof\n");
  ASSERT_TRUE(child.wait_exit(GetTickCount64() + patience_ms));
  EXPECT_EQ(child.exit_code(), 0UL);
}

TEST(ChildProcess, InheritsOnlyItsPipesNotOtherInheritableHandles) {
  // An inheritable event of ours: without the handle list the child would inherit it under
  // the same value and could set it.
  SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  const HANDLE event = CreateEventW(&inheritable, TRUE, FALSE, nullptr);
  ASSERT_NE(event, nullptr);
  const std::vector<std::wstring> arguments{
      L"set-event", std::to_wstring(reinterpret_cast<std::uintptr_t>(event))};
  {
    ChildProcess child(test_child(), arguments);
    EXPECT_EQ(read_all(child), "failed\n");
    ASSERT_TRUE(child.wait_exit(GetTickCount64() + patience_ms));
  }
  EXPECT_EQ(WaitForSingleObject(event, 0), static_cast<DWORD>(WAIT_TIMEOUT));
  CloseHandle(event);
}

TEST(ChildProcess, DiesWhenItsJobCloses) {
  HANDLE process = nullptr;
  {
    const std::vector<std::wstring> arguments{L"wait"};
    ChildProcess child(test_child(), arguments);
    std::array<std::uint8_t, 16> buffer{};
    std::size_t count = 0;
    ASSERT_EQ(child.read(buffer, count, GetTickCount64() + patience_ms, nullptr),
              ChildProcess::Wait::done);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(buffer.data()), count), "ready\n");
    ASSERT_NE(DuplicateHandle(GetCurrentProcess(), child.process(), GetCurrentProcess(), &process,
                              SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, 0),
              0);
    EXPECT_EQ(WaitForSingleObject(process, 0), static_cast<DWORD>(WAIT_TIMEOUT));
  }  // the job closes here: JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
  EXPECT_EQ(WaitForSingleObject(process, static_cast<DWORD>(patience_ms)),
            static_cast<DWORD>(WAIT_OBJECT_0));
  CloseHandle(process);
}

TEST(ChildProcess, AReadWaitsUntilTheDeadlineOrTheWakeEvent) {
  const std::vector<std::wstring> arguments{L"wait"};
  ChildProcess child(test_child(), arguments);
  std::array<std::uint8_t, 16> buffer{};
  std::size_t count = 0;
  ASSERT_EQ(child.read(buffer, count, GetTickCount64() + patience_ms, nullptr),
            ChildProcess::Wait::done);  // "ready"
  EXPECT_EQ(child.read(buffer, count, GetTickCount64() + 50, nullptr),
            ChildProcess::Wait::timed_out);
  const HANDLE wake = CreateEventW(nullptr, TRUE, TRUE, nullptr);
  EXPECT_EQ(child.read(buffer, count, std::numeric_limits<std::uint64_t>::max(), wake),
            ChildProcess::Wait::woken);
  CloseHandle(wake);
  child.kill();
  EXPECT_EQ(child.exit_code(), 1UL);
}

TEST(ChildProcess, StartsFromAFolderNamedZoeAndPassesArgumentsExactly) {
  std::array<wchar_t, MAX_PATH> temp{};
  ASSERT_NE(GetTempPathW(static_cast<DWORD>(temp.size()), temp.data()), 0U);
  const std::filesystem::path folder =
      std::filesystem::path(temp.data()) /
      (L"Safer Chat Zo\u00EB " + std::to_wstring(GetCurrentProcessId()));
  std::filesystem::create_directories(folder);
  const std::filesystem::path copy = folder / L"spawn child \u00EB.exe";
  std::filesystem::copy_file(test_child(), copy, std::filesystem::copy_options::overwrite_existing);
  {
    const std::vector<std::wstring> arguments{L"args",      L"Zo\u00EB",    L"a b",
                                              L"",          L"say \"hi\"",  L"C:\\dir with space\\",
                                              L"back\\\"q", L"--parent-wid"};
    ChildProcess child(copy, arguments);
    EXPECT_EQ(read_all(child),
              "Zo\xC3\xAB\na b\n\nsay \"hi\"\nC:\\dir with space\\\nback\\\"q\n--parent-wid\n");
    ASSERT_TRUE(child.wait_exit(GetTickCount64() + patience_ms));
    EXPECT_EQ(child.exit_code(), 0UL);
  }
  std::error_code error;
  std::filesystem::remove_all(folder, error);
}

TEST(ChildProcess, AProgramThatIsNotThereIsASystemError) {
  const std::vector<std::wstring> arguments;
  try {
    ChildProcess child(test_child().parent_path() / L"no-such-program.exe", arguments);
    FAIL() << "started a program that is not there";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), static_cast<int>(ERROR_FILE_NOT_FOUND)) << e.what();
  }
}

}  // namespace
}  // namespace saferchat::platform
