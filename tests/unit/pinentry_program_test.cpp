// SPDX-License-Identifier: Apache-2.0
// Which PIN dialog program the host starts (transport/pinentry_program.hpp), with fake programs
// in a temporary folder given as PATH: each branch of docs/protocol.md §3.4.
#include "transport/pinentry_program.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace saferchat {
namespace {

namespace fs = std::filesystem;

class PinentryProgramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "saferchat-pinentry-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    bin_ = dir_ / "bin";
    elsewhere_ = dir_ / "elsewhere";  // not on PATH, like /usr/bin behind /etc/alternatives
    fs::create_directories(bin_);
    fs::create_directories(elsewhere_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static fs::path program(const fs::path& where, const std::string& name, bool executable = true) {
    const fs::path path = where / name;
    std::ofstream(path) << "#!/bin/sh\nexit 0\n";
    fs::permissions(path, executable ? fs::perms::owner_all : fs::perms::owner_read);
    return path;
  }
  // `name` on PATH as a chain of links to `target` (as Debian's alternatives are).
  void alternative(const std::string& name, const fs::path& target) const {
    const fs::path link = dir_ / (name + ".alternative");
    fs::create_symlink(target, link);
    fs::create_symlink(link, bin_ / name);
  }
  [[nodiscard]] PinentryChoice choose(const std::string& configured = {}) const {
    return choose_pinentry(configured, bin_.string());
  }

  fs::path dir_;
  fs::path bin_;
  fs::path elsewhere_;
};

TEST_F(PinentryProgramTest, ConfiguredProgramIsUsedAsGiven) {
  const fs::path mine = program(elsewhere_, "my-dialog");
  EXPECT_EQ(choose(mine.string()).path, mine.string());
  EXPECT_EQ(choose(mine.string()).why, "SAFERCHAT_PINENTRY names it");
  // A name is looked up on PATH; a terminal one is taken too: the user asked for it.
  program(bin_, "pinentry-curses");
  EXPECT_EQ(choose("pinentry-curses").path, (bin_ / "pinentry-curses").string());
  const PinentryChoice missing = choose((dir_ / "nothing").string());
  EXPECT_EQ(missing.path, std::nullopt);
  EXPECT_EQ(missing.why, (dir_ / "nothing").string() + " (SAFERCHAT_PINENTRY) is not a program");
}

TEST_F(PinentryProgramTest, GraphicalOnesInOrder) {
  program(bin_, "pinentry-gtk-2");
  EXPECT_EQ(choose().path, (bin_ / "pinentry-gtk-2").string());
  program(bin_, "pinentry-qt");
  EXPECT_EQ(choose().path, (bin_ / "pinentry-qt").string());
  program(bin_, "pinentry-gnome3");
  const PinentryChoice choice = choose();
  EXPECT_EQ(choice.path, (bin_ / "pinentry-gnome3").string());
  EXPECT_EQ(choice.why, "the first graphical PIN dialog found on PATH");
}

TEST_F(PinentryProgramTest, ANonExecutableFileIsNotAProgram) {
  program(bin_, "pinentry-gnome3", false);
  program(bin_, "pinentry-gtk2");
  EXPECT_EQ(choose().path, (bin_ / "pinentry-gtk2").string());
}

TEST_F(PinentryProgramTest, PinentryOnlyWhenItResolvesToAGraphicalOne) {
  alternative("pinentry", program(elsewhere_, "pinentry-gtk-2"));
  const PinentryChoice choice = choose();
  EXPECT_EQ(choice.path, (bin_ / "pinentry").string());
  EXPECT_EQ(choice.why, "pinentry points to pinentry-gtk-2, a graphical PIN dialog");
}

TEST_F(PinentryProgramTest, Pinentry11IsTriedBeforePinentry) {
  alternative("pinentry", program(elsewhere_, "pinentry-curses"));
  alternative("pinentry-x11", program(elsewhere_, "pinentry-qt"));
  EXPECT_EQ(choose().path, (bin_ / "pinentry-x11").string());
}

TEST_F(PinentryProgramTest, ATerminalPinentryIsNeverStarted) {
  alternative("pinentry", program(elsewhere_, "pinentry-curses"));
  const PinentryChoice choice = choose();
  EXPECT_EQ(choice.path, std::nullopt);
  EXPECT_EQ(choice.why,
            "pinentry points to pinentry-curses, which is not a graphical PIN dialog (a browser "
            "gives the host no terminal); no graphical PIN dialog found: install "
            "pinentry-gnome3 (or pinentry-qt, pinentry-gtk2)");
  // Nor a plain program of that name whose kind cannot be told.
  fs::remove(bin_ / "pinentry");
  program(bin_, "pinentry");
  EXPECT_EQ(choose().path, std::nullopt);
  program(bin_, "pinentry-tty");
  EXPECT_EQ(choose().path, std::nullopt);
}

TEST_F(PinentryProgramTest, NoneAtAllNamesThePackage) {
  const PinentryChoice choice = choose();
  EXPECT_EQ(choice.path, std::nullopt);
  EXPECT_EQ(choice.why,
            "no graphical PIN dialog found: install pinentry-gnome3 (or pinentry-qt, "
            "pinentry-gtk2)");
}

TEST(FindProgram, AsExecvpResolvesIt) {
  EXPECT_EQ(find_program("sh", "/nonexistent:/bin"), "/bin/sh");
  EXPECT_EQ(find_program("/bin/sh", ""), "/bin/sh");
  EXPECT_EQ(find_program("no-such-program-here", "/bin"), std::nullopt);
  EXPECT_EQ(find_program("", "/bin"), std::nullopt);
  EXPECT_EQ(find_program("/bin", ""), std::nullopt);  // a folder
}

}  // namespace
}  // namespace saferchat
