// SPDX-License-Identifier: Apache-2.0
// The Windows PIN dialog's host side (platform/windows/windows_pin_dialog.hpp) against a
// scripted dialog program (fake-pinentry.exe, built beside this test), under Wine.
#include "platform/windows/windows_pin_dialog.hpp"

// clang-format off
#include <windows.h>
// clang-format on

#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "wire/error.hpp"

namespace saferchat {
namespace {

using std::chrono::seconds;

std::filesystem::path here() {
  std::array<wchar_t, MAX_PATH> self{};
  GetModuleFileNameW(nullptr, self.data(), static_cast<DWORD>(self.size()));
  return std::filesystem::path(self.data()).parent_path();
}

std::string utf8(const std::filesystem::path& path) {
  const std::u8string text = path.u8string();
  return {text.begin(), text.end()};
}

class WindowsPinDialogTest : public testing::Test {
 protected:
  void SetUp() override {
    log_ = here() / (L"fake-pinentry-" + std::to_wstring(GetCurrentProcessId()) + L".log");
    std::filesystem::remove(log_);
    SetEnvironmentVariableW(L"SAFERCHAT_FAKE_PINENTRY_LOG", log_.c_str());
  }
  void TearDown() override {
    std::error_code error;
    std::filesystem::remove(log_, error);
  }

  static void answer(const wchar_t* pin) {
    SetEnvironmentVariableW(L"SAFERCHAT_FAKE_PINENTRY_PIN", pin);
  }

  [[nodiscard]] std::string log_text() const {
    std::ifstream file(log_, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }

  static PinPrompt prompt(seconds within = seconds(60)) {
    PinPrompt prompt;
    prompt.origin = "https://chat.example";
    prompt.language = Language::fr;
    prompt.deadline = std::chrono::steady_clock::now() + within;
    return prompt;
  }

  [[nodiscard]] static std::string fake() { return utf8(here() / L"fake-pinentry.exe"); }

  std::filesystem::path log_;
};

TEST_F(WindowsPinDialogTest, TheBrowserWindowGoesToTheDialogAsParentWid) {
  const WindowsPinDialog with(fake(), here(), 1838172, nullptr);
  EXPECT_EQ(with.arguments(), (std::vector<std::wstring>{L"--parent-wid", L"1838172"}));
  const WindowsPinDialog without(fake(), here(), std::nullopt, nullptr);
  EXPECT_TRUE(without.arguments().empty());
}

TEST_F(WindowsPinDialogTest, AsksForThePinInTheChildsLanguageAndReturnsIt) {
  answer(L"1234");
  WindowsPinDialog dialog(fake(), here(), 1838172, nullptr);
  const SecureBytes pin = dialog.ask_pin(prompt());
  EXPECT_EQ(std::string(pin.begin(), pin.end()), "1234");
  const std::string log = log_text();
  EXPECT_EQ(log.substr(0, log.find('\n')), "argv --parent-wid 1838172");
  const PinDialogTexts texts = pin_dialog_texts(Language::fr, "https://chat.example", std::nullopt);
  EXPECT_NE(log.find("SETTITLE " + texts.title + "\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\nSETTIMEOUT "), std::string::npos) << log;
  EXPECT_NE(log.find("\nGETPIN\nBYE\n"), std::string::npos) << log;
}

TEST_F(WindowsPinDialogTest, CancelInTheDialogIsUserCancelled) {
  answer(L"cancel");
  WindowsPinDialog dialog(fake(), here(), std::nullopt, nullptr);
  try {
    static_cast<void>(dialog.ask_pin(prompt()));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::user_cancelled) << e.detail();
  }
}

TEST_F(WindowsPinDialogTest, TheDeadlineEndsADialogThatDoesNotAnswer) {
  answer(L"hang");
  WindowsPinDialog dialog(fake(), here(), std::nullopt, nullptr);
  try {
    static_cast<void>(dialog.ask_pin(prompt(seconds(2))));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::user_timeout) << e.detail();
  }
}

TEST_F(WindowsPinDialogTest, CloseFromAnotherThreadEndsTheDialog) {
  answer(L"hang");
  WindowsPinDialog dialog(fake(), here(), std::nullopt, nullptr);
  std::atomic<bool> done{false};
  std::thread closer([&] {
    while (!done) {
      dialog.close();  // does nothing until the dialog is open
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  try {
    static_cast<void>(dialog.ask_pin(prompt()));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::user_cancelled) << e.detail();
    EXPECT_EQ(e.detail(), "pin dialog: closed by the host");
  }
  done = true;
  closer.join();
}

TEST_F(WindowsPinDialogTest, AMissingDialogProgramSaysWhatToDo) {
  const std::filesystem::path empty = here() / L"no-dialog-here";
  std::filesystem::create_directories(empty);
  WindowsPinDialog dialog("", empty, std::nullopt, nullptr);
  try {
    static_cast<void>(dialog.ask_pin(prompt()));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::pin_dialog_failed);
    EXPECT_EQ(e.detail(),
              "pin dialog: saferchat-pinentry.exe is missing beside saferchat-host.exe in " +
                  utf8(empty) + ": repair or reinstall Safer Chat");
  }
}

}  // namespace
}  // namespace saferchat
