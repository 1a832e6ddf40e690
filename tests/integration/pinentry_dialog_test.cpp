// SPDX-License-Identifier: Apache-2.0
// PinentryDialog driving scripted-pinentry (tests/tools/scripted_pinentry.cpp) over real pipes:
// every outcome of a PIN dialog, the exact texts the child was shown (the tool's log), the
// deadlines, close() from another thread, and that no pinentry process outlives a call.
#include "transport/pinentry_dialog.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "platform/platform.hpp"
#include "support/expected_dialog_text.hpp"
#include "transport/log.hpp"
#include "ui/dialog_text.hpp"
#include "wire/error.hpp"

namespace saferchat {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

const std::string origin = "https://chat.example";

std::string text_of(const SecureBytes& data) { return {data.begin(), data.end()}; }

class PinentryDialogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "saferchat-pinentry-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ASSERT_EQ(::setenv("SCRIPTED_PINENTRY_SCRIPT", (dir_ / "script").c_str(), 1), 0);
    ASSERT_EQ(::setenv("SCRIPTED_PINENTRY_LOG", (dir_ / "log").c_str(), 1), 0);
    // One script for all the dialogs of a test: each pinentry goes on where the last stopped.
    ASSERT_EQ(::setenv("SCRIPTED_PINENTRY_STATE", (dir_ / "script.state").c_str(), 1), 0);
    ASSERT_EQ(::unsetenv("SAFERCHAT_PINENTRY"), 0);
  }
  void TearDown() override {
    // Whatever happened, the pinentry processes are gone (reaped, so no zombie either).
    for (const pid_t pid : started_pids()) {
      EXPECT_EQ(::kill(pid, 0), -1) << "pinentry " << pid << " outlived the call";
      EXPECT_EQ(errno, ESRCH);
    }
    std::filesystem::remove_all(dir_);
  }

  void script(const std::string& steps) const { std::ofstream(dir_ / "script") << steps; }

  [[nodiscard]] std::vector<json> log() const {
    std::vector<json> entries;
    std::ifstream file(dir_ / "log");
    for (std::string line; std::getline(file, line);) {
      entries.push_back(json::parse(line));
    }
    return entries;
  }
  // The arguments the dialog sent with `command`, in order.
  [[nodiscard]] std::vector<std::string> sent(std::string_view command) const {
    std::vector<std::string> arguments;
    for (const json& entry : log()) {
      if (entry.value("command", "") == command && !entry.contains("action")) {
        arguments.push_back(entry.value("argument", ""));
      }
    }
    return arguments;
  }
  [[nodiscard]] std::vector<std::string> commands() const {
    std::vector<std::string> names;
    for (const json& entry : log()) {
      if (entry.contains("command") && !entry.contains("action")) {
        names.push_back(entry["command"]);
      }
    }
    return names;
  }
  [[nodiscard]] std::vector<pid_t> started_pids() const {
    std::vector<pid_t> pids;
    for (const json& entry : log()) {
      if (entry.value("event", "") == "start") {
        pids.push_back(entry["pid"].get<pid_t>());
      }
    }
    return pids;
  }

  static PinPrompt prompt(milliseconds timeout = milliseconds(10000),
                          Language language = Language::en,
                          std::optional<int> tries_left = std::nullopt) {
    // The disclosure from disclosure_for(): g++ 12 takes the member's initializer list for
    // uninitialised when it inlines it here (-Wmaybe-uninitialized, a false positive).
    return {.origin = origin,
            .language = language,
            .tries_left = tries_left,
            .deadline = Clock::now() + timeout,
            .disclosure = disclosure_for(false)};
  }

  // The code and detail of the Error that `call` throws.
  template <class Call>
  static std::pair<ErrorCode, std::string> error_of(Call call) {
    try {
      call();
    } catch (const Error& e) {
      return {e.code(), std::string(e.detail())};
    }
    return {ErrorCode::internal, "no error"};
  }

  std::filesystem::path dir_;
  PinentryDialog dialog_{SCRIPTED_PINENTRY_PATH};
};

TEST_F(PinentryDialogTest, RightPinAndWhatTheChildWasShown) {
  script("pin 1234\n");
  const SecureBytes pin = dialog_.ask_pin(prompt());
  EXPECT_EQ(text_of(pin), "1234");

  const PinDialogTexts texts = pin_dialog_texts(Language::en, origin, std::nullopt);
  EXPECT_EQ(sent("SETTITLE"), std::vector<std::string>{texts.title});
  EXPECT_EQ(sent("SETDESC"), std::vector<std::string>{texts.description});
  EXPECT_EQ(sent("SETPROMPT"), std::vector<std::string>{"PIN code:"});
  EXPECT_EQ(sent("SETOK"), std::vector<std::string>{"OK"});
  EXPECT_EQ(sent("SETCANCEL"), std::vector<std::string>{"Stop"});
  EXPECT_TRUE(sent("SETERROR").empty());
  const std::vector<std::string> options = sent("OPTION");
  EXPECT_NE(std::find(options.begin(), options.end(), "default-tt-visi=Show the PIN code"),
            options.end());
  EXPECT_NE(std::find(options.begin(), options.end(), "default-tt-hide=Hide the PIN code"),
            options.end());
  // The order pinentry needs: texts first, then the timeout, GETPIN, and BYE at the end.
  std::vector<std::string> names = commands();
  std::erase(names, "OPTION");
  EXPECT_EQ(names, (std::vector<std::string>{"SETTITLE", "SETDESC", "SETPROMPT", "SETOK",
                                             "SETCANCEL", "SETTIMEOUT", "GETPIN", "BYE"}));
  const std::vector<std::string> timeout = sent("SETTIMEOUT");
  ASSERT_EQ(timeout.size(), 1U);
  EXPECT_GE(std::stoi(timeout[0]), 8);
  EXPECT_LE(std::stoi(timeout[0]), 10);
  // No key info: no pinentry may offer to store the PIN.
  EXPECT_TRUE(sent("SETKEYINFO").empty());
  // The log never holds the PIN.
  std::stringstream whole;
  whole << std::ifstream(dir_ / "log").rdbuf();
  EXPECT_EQ(whole.str().find("1234"), std::string::npos);
  EXPECT_EQ(started_pids().size(), 1U);
}

// The registrable domain in the sentence, the whole host and its port beside it
// (docs/protocol.md §3.4.1).
TEST_F(PinentryDialogTest, OriginShownAsSiteThenHostAndPort) {
  script("pin 1234\npin 1234\n");
  PinPrompt with_port = prompt();
  with_port.origin = "https://chat.example:8443";
  static_cast<void>(dialog_.ask_pin(with_port));
  PinPrompt long_host = prompt();
  long_host.origin = "https://kinderchat.be.login-secure-session-0123456789abcdef.attacker.example";
  static_cast<void>(dialog_.ask_pin(long_host));
  const std::vector<std::string> description = sent("SETDESC");
  ASSERT_EQ(description.size(), 2U);
  EXPECT_EQ(description[0].rfind("The website chat.example wants to know if you are a child.\n"
                                 "Full address: chat.example:8443\n",
                                 0),
            0U)
      << description[0];
  EXPECT_EQ(description[0].find("https"), std::string::npos);
  EXPECT_EQ(
      description[1].rfind(
          "The website attacker.example wants to know if you are a child.\n"
          "Full address: kinderchat.be.login-secure-session-0123456789abcdef.attacker.example\n",
          0),
      0U)
      << description[1];
}

TEST_F(PinentryDialogTest, EveryLanguage) {
  script("pin 1234\npin 1234\npin 1234\npin 1234\n");
  for (const Language language : {Language::nl, Language::fr, Language::de, Language::en}) {
    static_cast<void>(dialog_.ask_pin(prompt(milliseconds(10000), language)));
  }
  EXPECT_EQ(sent("SETDESC"),
            (std::vector<std::string>{pin_dialog_texts(Language::nl, origin, {}).description,
                                      pin_dialog_texts(Language::fr, origin, {}).description,
                                      pin_dialog_texts(Language::de, origin, {}).description,
                                      pin_dialog_texts(Language::en, origin, {}).description}));
  EXPECT_EQ(sent("SETPROMPT"),
            (std::vector<std::string>{"Pincode:", "Code PIN\u00a0:", "PIN-Code:", "PIN code:"}));
  EXPECT_EQ(sent("SETCANCEL"),
            (std::vector<std::string>{"Stoppen", "Arrêter", "Abbrechen", "Stop"}));
  EXPECT_EQ(started_pids().size(), 4U);
}

TEST_F(PinentryDialogTest, TriesLeftShownInRedInEveryLanguage) {
  std::string steps;
  for (std::size_t i = 0; i < 2 * testing::expected_tries_texts.size(); ++i) {
    steps += "pin 1234\n";
  }
  script(steps);
  std::vector<std::string> expected;
  for (const auto& texts : testing::expected_tries_texts) {
    static_cast<void>(dialog_.ask_pin(prompt(milliseconds(10000), texts.language, 2)));
    static_cast<void>(dialog_.ask_pin(prompt(milliseconds(10000), texts.language, 1)));
    expected.emplace_back(texts.two_left);
    expected.emplace_back(texts.one_left);
  }
  EXPECT_EQ(sent("SETERROR"), expected);
}

TEST_F(PinentryDialogTest, WrongFormatIsAskedAgainInTheSameDialog) {
  script("pin 12a4\npin 123\npin 1234567890123\npin 5678\n");
  const SecureBytes pin = dialog_.ask_pin(prompt(milliseconds(10000), Language::nl, 2));
  EXPECT_EQ(text_of(pin), "5678");
  EXPECT_EQ(started_pids().size(), 1U);  // one pinentry for all four tries
  const std::string again = invalid_format_text(Language::nl, 2);
  EXPECT_EQ(again,
            "Een pincode heeft 4 tot 12 cijfers, en verder niets. Probeer het opnieuw: dit "
            "telde niet mee. Je mag nog 2 keer proberen.");
  EXPECT_EQ(sent("SETERROR"), (std::vector<std::string>{"Verkeerde pincode. Je mag nog 2 keer "
                                                        "proberen.",
                                                        again, again, again}));
  EXPECT_EQ(sent("GETPIN").size(), 4U);
  EXPECT_EQ(sent("SETTIMEOUT").size(), 4U);
}

TEST_F(PinentryDialogTest, CancelIsUserCancelled) {
  script("cancel\n");
  EXPECT_EQ(error_of([this] { static_cast<void>(dialog_.ask_pin(prompt())); }),
            std::make_pair(ErrorCode::user_cancelled,
                           std::string("pinentry: GETPIN: ERR 83886179 Operation cancelled "
                                       "<Pinentry>")));
  EXPECT_EQ(commands().back(), "BYE");
}

TEST_F(PinentryDialogTest, PinentryTimeoutIsUserTimeout) {
  script("timeout\n");
  EXPECT_EQ(error_of([this] { static_cast<void>(dialog_.ask_pin(prompt())); }),
            std::make_pair(ErrorCode::user_timeout,
                           std::string("pinentry: GETPIN: ERR 83886142 Timeout <Pinentry>")));
}

TEST_F(PinentryDialogTest, HangingPinentryIsStoppedAtTheDeadline) {
  script("hang\n");
  const auto start = Clock::now();
  EXPECT_EQ(error_of([this] { static_cast<void>(dialog_.ask_pin(prompt(milliseconds(1000)))); }),
            std::make_pair(ErrorCode::user_timeout,
                           std::string("pinentry: no answer before the deadline")));
  const auto took = Clock::now() - start;
  EXPECT_GE(took, milliseconds(950));
  EXPECT_LT(took, milliseconds(1500));
  EXPECT_EQ(sent("SETTIMEOUT"), std::vector<std::string>{"1"});
  ASSERT_EQ(started_pids().size(), 1U);  // and TearDown checks it is gone
}

TEST_F(PinentryDialogTest, CrashIsDialogFailedAndNoHalfPinComesBack) {
  script("crash\n");
  EXPECT_EQ(error_of([this] { static_cast<void>(dialog_.ask_pin(prompt())); }),
            std::make_pair(ErrorCode::pin_dialog_failed,
                           std::string("pinentry's output ended in the middle of a line (exit "
                                       "status 3)")));
}

TEST_F(PinentryDialogTest, GarbageIsDialogFailed) {
  script("garbage\n");
  EXPECT_EQ(error_of([this] { static_cast<void>(dialog_.ask_pin(prompt())); }),
            std::make_pair(ErrorCode::pin_dialog_failed,
                           std::string("pinentry: not an Assuan reply (line of 24 bytes)")));
}

TEST_F(PinentryDialogTest, MissingProgramIsDialogFailed) {
  PinentryDialog missing((dir_ / "no-such-pinentry").string());
  EXPECT_EQ(error_of([&missing] { static_cast<void>(missing.ask_pin(prompt())); }),
            std::make_pair(ErrorCode::pin_dialog_failed,
                           "pinentry: " + (dir_ / "no-such-pinentry").string() +
                               " (SAFERCHAT_PINENTRY) is not a program"));
  PinentryDialog not_on_path("saferchat-no-such-pinentry");
  EXPECT_EQ(error_of([&not_on_path] { static_cast<void>(not_on_path.ask_pin(prompt())); }).first,
            ErrorCode::pin_dialog_failed);
  // A file that is not a program: exec fails.
  std::ofstream(dir_ / "not-a-program") << "just text\n";
  std::filesystem::permissions(dir_ / "not-a-program", std::filesystem::perms::owner_all);
  PinentryDialog broken((dir_ / "not-a-program").string());
  EXPECT_EQ(error_of([&broken] { static_cast<void>(broken.ask_pin(prompt())); }).first,
            ErrorCode::pin_dialog_failed);
}

// The browser's window (Chrome's and Edge's --parent-window on Windows) reaches the dialog
// program as `--parent-wid <decimal>`: the command line is part of the one conversation.
TEST_F(PinentryDialogTest, ParentWindowGoesToTheProgramAsParentWid) {
  EXPECT_EQ(pinentry_arguments(1838172), (std::vector<std::string>{"--parent-wid", "1838172"}));
  EXPECT_TRUE(pinentry_arguments(std::nullopt).empty());
  PinentryDialog owned(SCRIPTED_PINENTRY_PATH, nullptr, {.host_dir = {}, .parent_window = 1838172});
  EXPECT_EQ(owned.arguments(), (std::vector<std::string>{"--parent-wid", "1838172"}));
  EXPECT_TRUE(dialog_.arguments().empty());
  script("pin 1234\npin 5678\n");
  EXPECT_EQ(text_of(owned.ask_pin(prompt())), "1234");
  EXPECT_EQ(text_of(dialog_.ask_pin(prompt())), "5678");
  std::vector<json> starts;
  for (const json& entry : log()) {
    if (entry.value("event", "") == "start") {
      starts.push_back(entry["args"]);
    }
  }
  EXPECT_EQ(starts, (std::vector<json>{json::array({"--parent-wid", "1838172"}), json::array()}));
}

TEST_F(PinentryDialogTest, ProgramFromEnvironment) {
  ASSERT_EQ(::setenv("SAFERCHAT_PINENTRY", SCRIPTED_PINENTRY_PATH, 1), 0);
  PinentryDialog from_env;
  ASSERT_EQ(::unsetenv("SAFERCHAT_PINENTRY"), 0);
  EXPECT_EQ(from_env.program(), SCRIPTED_PINENTRY_PATH);
  script("pin 4321\n");
  EXPECT_EQ(text_of(from_env.ask_pin(prompt())), "4321");
  PinentryDialog by_default;
  EXPECT_EQ(by_default.program(), "");
}

TEST_F(PinentryDialogTest, DeadlineAlreadyPassedStartsNothing) {
  script("pin 1234\n");
  EXPECT_EQ(
      error_of([this] { static_cast<void>(dialog_.ask_pin(prompt(milliseconds(-1)))); }).first,
      ErrorCode::user_timeout);
  EXPECT_TRUE(started_pids().empty());
}

TEST_F(PinentryDialogTest, SlowChildStillInTime) {
  script("wait 300 pin 1234\n");
  EXPECT_EQ(text_of(dialog_.ask_pin(prompt(milliseconds(5000)))), "1234");
}

TEST_F(PinentryDialogTest, CloseFromAnotherThreadCancelsAskPin) {
  script("hang\n");
  std::thread closer([this] {
    std::this_thread::sleep_for(milliseconds(300));
    dialog_.close();
  });
  const auto start = Clock::now();
  EXPECT_EQ(error_of([this] { static_cast<void>(dialog_.ask_pin(prompt())); }),
            std::make_pair(ErrorCode::user_cancelled, std::string("pinentry: closed by the host")));
  closer.join();
  EXPECT_LT(Clock::now() - start, milliseconds(1500));
  ASSERT_EQ(started_pids().size(), 1U);
}

TEST_F(PinentryDialogTest, CloseWithNoDialogOpenIsForgotten) {
  dialog_.close();
  script("pin 1234\n");
  EXPECT_EQ(text_of(dialog_.ask_pin(prompt())), "1234");
}

TEST_F(PinentryDialogTest, MessageEndsNormallyOnClose) {
  script("hang\n");
  std::thread closer([this] {
    std::this_thread::sleep_for(milliseconds(300));
    dialog_.close();
  });
  const auto start = Clock::now();
  dialog_.show_message({.kind = MessageKind::insert_card,
                        .origin = origin,
                        .language = Language::fr,
                        .tries_left = std::nullopt},
                       Clock::now() + milliseconds(10000));
  closer.join();
  EXPECT_LT(Clock::now() - start, milliseconds(1500));
  const MessageTexts texts = message_texts({.kind = MessageKind::insert_card,
                                            .origin = origin,
                                            .language = Language::fr,
                                            .tries_left = std::nullopt});
  EXPECT_EQ(sent("SETDESC"), std::vector<std::string>{texts.description});
  EXPECT_EQ(sent("SETOK"), std::vector<std::string>{"Arrêter"});
  EXPECT_EQ(sent("CONFIRM"), std::vector<std::string>{"--one-button"});
  EXPECT_EQ(started_pids().size(), 1U);
}

TEST_F(PinentryDialogTest, MessageButtonOrWindowClosedIsUserCancelled) {
  script("ok\ncancel\n");
  const DialogMessage message{.kind = MessageKind::several_cards,
                              .origin = origin,
                              .language = Language::de,
                              .tries_left = std::nullopt};
  EXPECT_EQ(error_of([&] { dialog_.show_message(message, Clock::now() + milliseconds(5000)); }),
            std::make_pair(ErrorCode::user_cancelled,
                           std::string("pinentry: CONFIRM: the child pressed the button")));
  EXPECT_EQ(
      error_of([&] { dialog_.show_message(message, Clock::now() + milliseconds(5000)); }).first,
      ErrorCode::user_cancelled);
}

// A card that cannot log in: a message to read (pinentry MESSAGE, no argument) with OK.
TEST_F(PinentryDialogTest, CardProblemIsAMessageToRead) {
  script("ok\n");
  const DialogMessage message{.kind = MessageKind::card_not_usable,
                              .origin = origin,
                              .language = Language::nl,
                              .tries_left = std::nullopt,
                              .problem = CardProblem::card_busy};
  EXPECT_EQ(error_of([&] { dialog_.show_message(message, Clock::now() + milliseconds(5000)); }),
            std::make_pair(ErrorCode::user_cancelled,
                           std::string("pinentry: MESSAGE: the child pressed the button")));
  EXPECT_EQ(sent("SETDESC"), std::vector<std::string>{message_texts(message).description});
  EXPECT_NE(sent("SETDESC").at(0).find("Een ander programma op deze computer gebruikt je kaart"),
            std::string::npos);
  EXPECT_EQ(sent("SETOK"), std::vector<std::string>{"OK"});
  EXPECT_EQ(sent("MESSAGE"), std::vector<std::string>{""});
  EXPECT_TRUE(sent("CONFIRM").empty());
}

TEST_F(PinentryDialogTest, MessageDeadline) {
  script("hang\n");
  const auto start = Clock::now();
  EXPECT_EQ(error_of([this] {
              dialog_.show_message({.kind = MessageKind::pin_pad,
                                    .origin = origin,
                                    .language = Language::en,
                                    .tries_left = std::nullopt},
                                   Clock::now() + milliseconds(800));
            }).first,
            ErrorCode::user_timeout);
  EXPECT_LT(Clock::now() - start, milliseconds(1300));
}

TEST_F(PinentryDialogTest, LogSaysWhatHappenedButNeverThePin) {
  const std::filesystem::path path = dir_ / "host.log";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  ASSERT_GE(fd, 0);
  {
    const Logger log(LogLevel::info, fd, true, path);
    PinentryDialog logged(SCRIPTED_PINENTRY_PATH, &log);
    script("pin 86420\ncancel\n");
    EXPECT_EQ(text_of(logged.ask_pin(prompt(milliseconds(10000), Language::nl))), "86420");
    EXPECT_THROW(static_cast<void>(logged.ask_pin(prompt())), Error);
  }
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  EXPECT_NE(text.str().find("asks for the PIN (nl)"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("pin dialog: PIN typed (attempt 1)"), std::string::npos);
  EXPECT_NE(text.str().find("pin dialog: ERR_SAFERCHAT_USER_CANCELLED: pinentry: GETPIN: ERR "
                            "83886179 Operation cancelled <Pinentry>"),
            std::string::npos);
  EXPECT_EQ(text.str().find("86420"), std::string::npos);
}

TEST_F(PinentryDialogTest, LocaleForPinentryAndLanguageChoice) {
  ASSERT_EQ(::setenv("LC_ALL", "", 1), 0);
  ASSERT_EQ(::setenv("LC_MESSAGES", "", 1), 0);
  ASSERT_EQ(::setenv("LC_CTYPE", "", 1), 0);
  ASSERT_EQ(::setenv("LANG", "fr_BE.UTF-8", 1), 0);
  // What the host's main() gives the card commands (app/main.cpp).
  const std::string lang = platform::environment_variable("LANG").value_or("");
  EXPECT_EQ(lang, "fr_BE.UTF-8");
  const LocaleSettings locale{.lc_all = "", .lc_messages = "", .lang = lang};
  EXPECT_EQ(choose_language("", locale), Language::fr);
  EXPECT_EQ(choose_language("de", locale), Language::de);
  script("pin 1234\n");
  static_cast<void>(dialog_.ask_pin(prompt()));
  const std::vector<std::string> options = sent("OPTION");
  EXPECT_NE(std::find(options.begin(), options.end(), "lc-ctype=fr_BE.UTF-8"), options.end());
  ASSERT_EQ(::unsetenv("LANG"), 0);
}

TEST_F(PinentryDialogTest, NoTriesLeftIsAProgrammingError) {
  EXPECT_EQ(error_of([this] {
              static_cast<void>(dialog_.ask_pin(prompt(milliseconds(1000), Language::en, 0)));
            }).first,
            ErrorCode::internal);
}

}  // namespace
}  // namespace saferchat
