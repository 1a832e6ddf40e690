// SPDX-License-Identifier: Apache-2.0
// PinentryDialog with the real pinentry-gtk2 on a private X server (Xvfb): the dialog opens,
// xdotool types the PIN as a child would, and the PIN comes back. A screenshot of each dialog
// goes to <build>/test-artifacts/ (taken before Return, so the PIN shows as dots) for people to
// check that the texts fit and read well.
//
// Needs the Debian packages xvfb, xdotool, pinentry-gtk2, imagemagick (scripts/bootstrap.sh).
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <optional>
#include <ostream>
#include <string>
#include <thread>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <gtest/gtest.h>

#include "transport/pinentry_dialog.hpp"
#include "wire/error.hpp"

namespace saferchat {
namespace {

namespace bp = boost::process;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr std::string_view pinentry_gtk = "/usr/bin/pinentry-gtk-2";

// The first missing tool among those the test runs, or empty.
std::string missing_tool() {
  for (const std::string_view tool : std::initializer_list<std::string_view>{
           "/usr/bin/Xvfb", "/usr/bin/xdotool", "/usr/bin/import", pinentry_gtk}) {
    if (::access(std::string(tool).c_str(), X_OK) != 0) {
      return std::string(tool);
    }
  }
  return {};
}

// A private X server on a free display: Xvfb picks the number itself (-displayfd: it takes
// the first N whose /tmp/.X<N>-lock it can create) and writes it once it accepts clients.
class Xvfb {
 public:
  Xvfb() {
    bp::pipe output;
    child_ =
        bp::child(bp::exe = "/usr/bin/Xvfb",
                  bp::args = {"-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp"},
                  bp::std_out > output, bp::std_err > bp::null, bp::std_in < bp::null);
    pid_ = child_.id();
    child_.detach();
    ::close(output.native_sink());
    output.assign_sink(-1);
    std::string number;
    const auto until = Clock::now() + milliseconds(15000);
    while (number.empty() || number.back() != '\n') {
      const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
      pollfd fd{output.native_source(), POLLIN, 0};
      if (left <= 0 || ::poll(&fd, 1, static_cast<int>(left)) != 1) {
        return;
      }
      char c = 0;
      if (::read(output.native_source(), &c, 1) != 1) {
        return;
      }
      number.push_back(c);
    }
    display_ = ":" + number.substr(0, number.size() - 1);
  }
  Xvfb(const Xvfb&) = delete;
  Xvfb& operator=(const Xvfb&) = delete;
  Xvfb(Xvfb&&) = delete;
  Xvfb& operator=(Xvfb&&) = delete;
  ~Xvfb() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }

  // ":N", or empty when the server did not come up.
  [[nodiscard]] const std::string& display() const { return display_; }

 private:
  bp::child child_;
  pid_t pid_ = -1;
  std::string display_;
};

// Runs a shell command line, at most `seconds` long; true on exit status 0.
bool run(const std::string& command, int seconds = 15) {
  const std::string line = "timeout " + std::to_string(seconds) + " " + command;
  return std::system(line.c_str()) == 0;  // NOLINT(cert-env33-c): test tool, fixed commands
}

class PinentryGtkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (missing_tool().empty()) {
      xvfb_ = new Xvfb();  // NOLINT(cppcoreguidelines-owning-memory): one per test process
    }
  }
  static void TearDownTestSuite() {
    delete xvfb_;  // NOLINT(cppcoreguidelines-owning-memory)
    xvfb_ = nullptr;
  }
  void SetUp() override {
    const std::string missing = missing_tool();
    ASSERT_EQ(missing, "") << "install xvfb xdotool pinentry-gtk2 imagemagick "
                              "(scripts/bootstrap.sh)";
    ASSERT_NE(xvfb_, nullptr);
    ASSERT_NE(xvfb_->display(), "") << "Xvfb did not start";
    ASSERT_EQ(::setenv("DISPLAY", xvfb_->display().c_str(), 1), 0);
    std::filesystem::create_directories(SAFERCHAT_TEST_ARTIFACTS_DIR);
  }

  [[nodiscard]] static std::string on_display(const std::string& command) {
    return "env DISPLAY=" + xvfb_->display() + " " + command;
  }
  // Waits for the dialog's window (its title is "Safer Chat"), then gives pinentry a moment
  // to grab the keyboard.
  static bool wait_for_dialog() {
    const bool found =
        run(on_display("xdotool search --sync --onlyvisible --name '^Safer Chat$' >/dev/null"));
    std::this_thread::sleep_for(milliseconds(400));
    return found;
  }
  static bool screenshot(const std::string& name) {
    const std::string path = std::string(SAFERCHAT_TEST_ARTIFACTS_DIR) + "/" + name + ".png";
    std::filesystem::remove(path);
    return run(on_display("import -window root '" + path + "'")) &&
           std::filesystem::file_size(path) > 0;
  }

  static Xvfb* xvfb_;
  PinentryDialog dialog_{std::string(pinentry_gtk)};
};

Xvfb* PinentryGtkTest::xvfb_ = nullptr;

struct Case {
  Language language;
  std::optional<int> tries_left;
  std::string pin;
  std::string screenshot;
};

// Names the case in test listings (ctest shows it) instead of a dump of its bytes.
void PrintTo(const Case& c, std::ostream* out) { *out << c.screenshot; }

class PinentryGtkPin : public PinentryGtkTest, public ::testing::WithParamInterface<Case> {};

TEST_P(PinentryGtkPin, ChildTypesThePin) {
  const Case& c = GetParam();
  auto answer = std::async(std::launch::async, [this, &c] {
    return dialog_.ask_pin({.origin = "https://chat.example",
                            .language = c.language,
                            .tries_left = c.tries_left,
                            .deadline = Clock::now() + milliseconds(30000)});
  });
  ASSERT_TRUE(wait_for_dialog());
  ASSERT_TRUE(run(on_display("xdotool type --delay 40 " + c.pin)));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_TRUE(screenshot(c.screenshot));
  ASSERT_TRUE(run(on_display("xdotool key Return")));
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const SecureBytes pin = answer.get();
  EXPECT_EQ(std::string(pin.begin(), pin.end()), c.pin);
}

INSTANTIATE_TEST_SUITE_P(
    Languages, PinentryGtkPin,
    ::testing::Values(Case{Language::nl, std::nullopt, "1234", "pin-dialog-nl"},
                      Case{Language::fr, std::nullopt, "5678", "pin-dialog-fr"},
                      Case{Language::de, std::nullopt, "24680", "pin-dialog-de"},
                      Case{Language::en, std::nullopt, "13579", "pin-dialog-en"},
                      Case{Language::nl, 1, "1111", "pin-dialog-nl-1-try-left"},
                      Case{Language::fr, 1, "2222", "pin-dialog-fr-1-try-left"},
                      Case{Language::de, 2, "3333", "pin-dialog-de-2-tries-left"},
                      Case{Language::en, 1, "4444", "pin-dialog-en-1-try-left"}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      std::string name = param_info.param.screenshot.substr(std::string("pin-dialog-").size());
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

TEST_F(PinentryGtkTest, WrongFormatShowsTheExplanationThenTheRightPinPasses) {
  auto answer = std::async(std::launch::async, [this] {
    return dialog_.ask_pin({.origin = "https://chat.example:8443",
                            .language = Language::en,
                            .tries_left = std::nullopt,
                            .deadline = Clock::now() + milliseconds(30000)});
  });
  ASSERT_TRUE(wait_for_dialog());
  ASSERT_TRUE(run(on_display("xdotool type --delay 40 12")));
  ASSERT_TRUE(run(on_display("xdotool key Return")));
  std::this_thread::sleep_for(milliseconds(500));
  ASSERT_TRUE(wait_for_dialog());
  EXPECT_TRUE(screenshot("pin-dialog-en-wrong-format"));
  ASSERT_TRUE(run(on_display("xdotool type --delay 40 9876")));
  ASSERT_TRUE(run(on_display("xdotool key Return")));
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const SecureBytes pin = answer.get();
  EXPECT_EQ(std::string(pin.begin(), pin.end()), "9876");
}

TEST_F(PinentryGtkTest, EscapeCancels) {
  auto answer = std::async(std::launch::async, [this] {
    return dialog_.ask_pin({.origin = "https://chat.example",
                            .language = Language::de,
                            .tries_left = std::nullopt,
                            .deadline = Clock::now() + milliseconds(30000)});
  });
  ASSERT_TRUE(wait_for_dialog());
  ASSERT_TRUE(run(on_display("xdotool key Escape")));
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  try {
    static_cast<void>(answer.get());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::user_cancelled);
  }
}

TEST_F(PinentryGtkTest, InsertCardMessageClosesWhenTheCardComes) {
  for (const auto& [language, name] :
       {std::pair{Language::nl, "nl"}, std::pair{Language::fr, "fr"}, std::pair{Language::de, "de"},
        std::pair{Language::en, "en"}}) {
    auto shown = std::async(std::launch::async, [this, language = language] {
      dialog_.show_message({.kind = MessageKind::insert_card,
                            .origin = "https://chat.example",
                            .language = language,
                            .tries_left = std::nullopt},
                           Clock::now() + milliseconds(30000));
    });
    ASSERT_TRUE(wait_for_dialog());
    EXPECT_TRUE(screenshot(std::string("insert-card-") + name));
    const auto start = Clock::now();
    dialog_.close();  // the card came
    ASSERT_EQ(shown.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    EXPECT_NO_THROW(shown.get());
    EXPECT_LT(Clock::now() - start, milliseconds(1500));
  }
}

TEST_F(PinentryGtkTest, TimeoutClosesTheWindow) {
  const auto start = Clock::now();
  try {
    static_cast<void>(dialog_.ask_pin({.origin = "https://chat.example",
                                       .language = Language::en,
                                       .tries_left = std::nullopt,
                                       .deadline = Clock::now() + milliseconds(2000)}));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::user_timeout) << e.detail();
  }
  EXPECT_LT(Clock::now() - start, milliseconds(3000));
  // No window is left.
  EXPECT_FALSE(run(on_display("xdotool search --onlyvisible --name '^Safer Chat$' >/dev/null")));
}

}  // namespace
}  // namespace saferchat
