// SPDX-License-Identifier: Apache-2.0
// The PIN dialog's host side on Windows (transport/pinentry_dialog.hpp, the conversation every
// OS shares, over platform/windows/dialog_process_windows.cpp) against a scripted dialog
// program (fake-pinentry.exe, built beside this test), under Wine.
#include "transport/pinentry_dialog.hpp"

// clang-format off
#include <windows.h>
// clang-format on

#include <array>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "ui/assuan.hpp"
#include "ui/dialog_text.hpp"
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
    for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG", "SAFERCHAT_PINENTRY"}) {
      static_cast<void>(_putenv_s(name, ""));  // the C runtime's copies and the process's
    }
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

  // The dialog as the Windows host makes it: the program beside the host, the browser's window.
  static PinentryDialog dialog_for(std::string program, const std::filesystem::path& host_dir,
                                   std::optional<std::uint64_t> parent_window) {
    return PinentryDialog(std::move(program), nullptr,
                          {.host_dir = host_dir, .parent_window = parent_window});
  }

  std::filesystem::path log_;
};

TEST_F(WindowsPinDialogTest, TheBrowserWindowGoesToTheDialogAsParentWid) {
  const PinentryDialog with = dialog_for(fake(), here(), 1838172);
  EXPECT_EQ(with.arguments(), (std::vector<std::string>{"--parent-wid", "1838172"}));
  const PinentryDialog without = dialog_for(fake(), here(), std::nullopt);
  EXPECT_TRUE(without.arguments().empty());
}

TEST_F(WindowsPinDialogTest, AsksForThePinInTheChildsLanguageAndReturnsIt) {
  answer(L"1234");
  PinentryDialog dialog = dialog_for(fake(), here(), 1838172);
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
  PinentryDialog dialog = dialog_for(fake(), here(), std::nullopt);
  try {
    static_cast<void>(dialog.ask_pin(prompt()));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::user_cancelled) << e.detail();
  }
}

TEST_F(WindowsPinDialogTest, TheDeadlineEndsADialogThatDoesNotAnswer) {
  answer(L"hang");
  PinentryDialog dialog = dialog_for(fake(), here(), std::nullopt);
  try {
    static_cast<void>(dialog.ask_pin(prompt(seconds(2))));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::user_timeout) << e.detail();
  }
}

TEST_F(WindowsPinDialogTest, CloseFromAnotherThreadEndsTheDialog) {
  answer(L"hang");
  PinentryDialog dialog = dialog_for(fake(), here(), std::nullopt);
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
    EXPECT_EQ(e.detail(), "pinentry: closed by the host");
  }
  done = true;
  closer.join();
}

// What the conversation did only on POSIX before it was one: the site's disclosure in the
// description, the locale as OPTION lc-ctype, MESSAGE for a text to read.
TEST_F(WindowsPinDialogTest, ASealedLoginSaysSoInTheDescription) {
  answer(L"1234");
  PinentryDialog dialog = dialog_for(fake(), here(), std::nullopt);
  PinPrompt sealed = prompt();
  sealed.disclosure = disclosure_for(true);
  const SecureBytes pin = dialog.ask_pin(sealed);
  EXPECT_EQ(std::string(pin.begin(), pin.end()), "1234");
  const std::string description =
      pin_dialog_texts(Language::fr, "https://chat.example", std::nullopt, disclosure_for(true))
          .description;
  ASSERT_NE(description, pin_dialog_texts(Language::fr, "https://chat.example", std::nullopt,
                                          disclosure_for(false))
                             .description);
  const std::string log = log_text();
  EXPECT_NE(log.find(assuan_command("SETDESC", description)), std::string::npos) << log;
}

TEST_F(WindowsPinDialogTest, TheLocaleGoesToTheDialogAsLcCtype) {
  ASSERT_EQ(_putenv_s("LC_ALL", ""), 0);
  ASSERT_EQ(_putenv_s("LC_CTYPE", ""), 0);
  ASSERT_EQ(_putenv_s("LANG", "fr_BE.UTF-8"), 0);
  answer(L"1234");
  PinentryDialog dialog = dialog_for(fake(), here(), std::nullopt);
  static_cast<void>(dialog.ask_pin(prompt()));
  const std::string log = log_text();
  EXPECT_NE(log.find("\nOPTION lc-ctype=fr_BE.UTF-8\n"), std::string::npos) << log;
  EXPECT_EQ(log.find("ttyname"), std::string::npos) << log;  // no terminal on Windows
}

TEST_F(WindowsPinDialogTest, ACardProblemIsAMessageToRead) {
  PinentryDialog dialog = dialog_for(fake(), here(), std::nullopt);
  const DialogMessage message{.kind = MessageKind::card_not_usable,
                              .origin = "https://chat.example",
                              .language = Language::nl,
                              .tries_left = std::nullopt,
                              .problem = CardProblem::card_busy};
  try {
    dialog.show_message(message, std::chrono::steady_clock::now() + seconds(30));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::user_cancelled);
    EXPECT_EQ(e.detail(), "pinentry: MESSAGE: the child pressed the button");
  }
  const std::string log = log_text();
  EXPECT_NE(log.find(assuan_command("SETDESC", message_texts(message).description)),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("\nMESSAGE\nBYE\n"), std::string::npos) << log;
  EXPECT_EQ(log.find("CONFIRM"), std::string::npos) << log;
}

TEST_F(WindowsPinDialogTest, InsertTheCardIsAOneButtonConfirm) {
  PinentryDialog dialog = dialog_for(fake(), here(), std::nullopt);
  try {
    dialog.show_message({.kind = MessageKind::insert_card,
                         .origin = "https://chat.example",
                         .language = Language::de,
                         .tries_left = std::nullopt},
                        std::chrono::steady_clock::now() + seconds(30));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::user_cancelled);
    EXPECT_EQ(e.detail(), "pinentry: CONFIRM: the child pressed the button");
  }
  EXPECT_NE(log_text().find("\nCONFIRM --one-button\nBYE\n"), std::string::npos) << log_text();
}

TEST_F(WindowsPinDialogTest, AMissingDialogProgramSaysWhatToDo) {
  const std::filesystem::path empty = here() / L"no-dialog-here";
  std::filesystem::create_directories(empty);
  PinentryDialog dialog = dialog_for("", empty, std::nullopt);
  try {
    static_cast<void>(dialog.ask_pin(prompt()));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::pin_dialog_failed);
    EXPECT_EQ(e.detail(),
              "pinentry: saferchat-pinentry.exe is missing beside saferchat-host.exe in " +
                  utf8(empty) + ": repair or reinstall Safer Chat");
  }
}

// SAFERCHAT_PINENTRY naming a program in a folder called Zoë (as a per-user install under
// %LOCALAPPDATA%\Programs of a child called Zoë would): that program is the one started. The
// ANSI code page's bytes (std::getenv) would name no program at all.
TEST_F(WindowsPinDialogTest, TheDialogProgramNamedInTheEnvironmentInAFolderNamedForAChild) {
  const std::filesystem::path folder = here() / L"Safer Chat Zo\u00EB";
  std::filesystem::remove_all(folder);  // what a failed run left
  std::filesystem::create_directories(folder);
  const std::filesystem::path program = folder / L"fake-pinentry.exe";
  std::filesystem::copy_file(here() / L"fake-pinentry.exe", program);
  ASSERT_EQ(_wputenv_s(L"SAFERCHAT_PINENTRY", program.c_str()), 0);
  // No dialog beside the "host" either: only the program the variable names can answer.
  const std::filesystem::path empty = here() / L"no-dialog-here";
  std::filesystem::create_directories(empty);
  answer(L"2468");
  PinentryDialog dialog = dialog_for("", empty, std::nullopt);
  const SecureBytes pin = dialog.ask_pin(prompt());
  EXPECT_EQ(std::string(pin.begin(), pin.end()), "2468");
  EXPECT_NE(log_text().find("\nGETPIN\nBYE\n"), std::string::npos) << log_text();
  std::error_code error;
  std::filesystem::remove_all(folder, error);
}

}  // namespace
}  // namespace saferchat
