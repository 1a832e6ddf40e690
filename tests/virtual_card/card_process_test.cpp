// SPDX-License-Identifier: Apache-2.0
// The saferchat-virtual-card program against a fake vpcd: framing, control codes, the control
// socket, reconnection, signals, and the latency trap (a vpcd that sends each message's
// length and payload in two writes with Nagle on). No pcscd needed.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_card.hpp"
#include "vcard/vpcd_frame.hpp"

extern char** environ;

namespace saferchat::vcard::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr auto deadline = 10s;  // generous: the machine is shared

void close_quietly(int fd) {
  if (fd >= 0) {
    static_cast<void>(::close(fd));
  }
}

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

// The server side of vpcd, as pcscd's vpcd driver behaves: listens on loopback, Nagle left on,
// and writes each message as two send() calls (length, then payload).
class FakeVpcd {
 public:
  FakeVpcd() { listen_on(0); }
  explicit FakeVpcd(std::uint16_t port) { listen_on(port); }
  FakeVpcd(const FakeVpcd&) = delete;
  FakeVpcd& operator=(const FakeVpcd&) = delete;
  ~FakeVpcd() {
    close_quietly(connection_);
    close_quietly(listener_);
  }

  [[nodiscard]] std::uint16_t port() const { return port_; }

  bool accept_card(std::chrono::milliseconds timeout = deadline) {
    if (!wait_readable(listener_, timeout)) {
      return false;
    }
    close_quietly(connection_);
    connection_ = ::accept(listener_, nullptr, nullptr);
    return connection_ >= 0;
  }

  void send_frame(const Bytes& payload) {
    const Bytes frame = encode_vpcd_frame(payload);
    ASSERT_EQ(::send(connection_, frame.data(), 2, MSG_NOSIGNAL), 2);
    ASSERT_EQ(::send(connection_, frame.data() + 2, payload.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(payload.size()));
  }

  std::optional<Bytes> receive_frame(std::chrono::milliseconds timeout = deadline) {
    Bytes header(2);
    if (!receive_exactly(header, timeout)) {
      return std::nullopt;
    }
    Bytes payload((std::size_t{header[0]} << 8) | header[1]);
    if (!payload.empty() && !receive_exactly(payload, timeout)) {
      return std::nullopt;
    }
    return payload;
  }

  // One APDU round trip.
  std::optional<Bytes> exchange(const Bytes& apdu) {
    send_frame(apdu);
    return receive_frame();
  }

  // True once the card has closed the connection.
  bool sees_close(std::chrono::milliseconds timeout = deadline) {
    if (!wait_readable(connection_, timeout)) {
      return false;
    }
    std::uint8_t byte = 0;
    return ::recv(connection_, &byte, 1, 0) == 0;
  }

 private:
  void listen_on(std::uint16_t port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int yes = 1;
    static_cast<void>(::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 4) != 0) {
      throw std::runtime_error("fake vpcd cannot listen");
    }
    socklen_t size = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }

  bool receive_exactly(Bytes& buffer, std::chrono::milliseconds timeout) {
    std::size_t done = 0;
    while (done < buffer.size()) {
      if (!wait_readable(connection_, timeout)) {
        return false;
      }
      const ssize_t got = ::recv(connection_, buffer.data() + done, buffer.size() - done, 0);
      if (got <= 0) {
        return false;
      }
      done += static_cast<std::size_t>(got);
    }
    return true;
  }

  int listener_ = -1;
  int connection_ = -1;
  std::uint16_t port_ = 0;
};

// A port where nothing listens (for now).
std::uint16_t unused_port() {
  const FakeVpcd probe;
  return probe.port();
}

// The program as a child process; stderr goes to a file the test can read.
class CardProgram {
 public:
  explicit CardProgram(std::vector<std::string> args) : log_(dir_.path() / "stderr.log") {
    std::vector<char*> argv;
    static std::string program = SAFERCHAT_VIRTUAL_CARD_PATH;
    argv.push_back(program.data());
    args_ = std::move(args);
    for (std::string& arg : args_) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, (dir_.path() / "stdout.log").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int spawned =
        posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      throw std::runtime_error("cannot start " + program);
    }
  }
  CardProgram(const CardProgram&) = delete;
  CardProgram& operator=(const CardProgram&) = delete;
  ~CardProgram() {
    if (!status_.has_value()) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // The exit status once the program ends within the timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout = deadline) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!status_.has_value() && std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      } else {
        std::this_thread::sleep_for(10ms);
      }
    }
    return status_;
  }
  std::optional<int> terminate() {
    ::kill(pid_, SIGTERM);
    return wait();
  }

  [[nodiscard]] std::string output_text() const {
    std::ifstream in(dir_.path() / "stdout.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  [[nodiscard]] std::string log_text() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  TempDir dir_;
  std::filesystem::path log_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// One line command on the control socket; its one-line answer (without newline).
std::string control(const std::filesystem::path& socket_path, const std::string& line) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = socket_path.string();
    std::copy(path.begin(), path.end(), address.sun_path);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
      const std::string request = line + "\n";
      static_cast<void>(::send(fd, request.data(), request.size(), MSG_NOSIGNAL));
      std::string reply;
      char c = 0;
      while (wait_readable(fd, deadline) && ::recv(fd, &c, 1, 0) == 1 && c != '\n') {
        reply.push_back(c);
      }
      close_quietly(fd);
      return reply;
    }
    close_quietly(fd);
    if (std::chrono::steady_clock::now() > until) {
      return "<control socket not reachable>";
    }
    std::this_thread::sleep_for(20ms);  // the program may still be starting
  }
}

class VcardProcess : public ::testing::Test {
 protected:
  VcardProcess() : card_(write_test_card(AppletVersion::v1_8)) {}

  std::vector<std::string> args(const FakeVpcd& vpcd, std::vector<std::string> extra = {}) {
    std::vector<std::string> all = {"--profile",   card_.dir->path().string(),
                                    "--vpcd-port", std::to_string(vpcd.port()),
                                    "--control",   control_path().string()};
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  }
  std::filesystem::path control_path() const { return card_.dir->path() / "control.sock"; }

  TestCard card_;
};

TEST_F(VcardProcess, ServesControlCodesAndApdusThenStopsOnSigterm) {
  FakeVpcd vpcd;
  CardProgram program(args(vpcd, {"--verbose"}));
  ASSERT_TRUE(vpcd.accept_card());
  // Power on and reset get no reply; get ATR does.
  vpcd.send_frame(hex("01"));
  vpcd.send_frame(hex("02"));
  vpcd.send_frame(hex("04"));
  EXPECT_EQ(vpcd.receive_frame(), card_.atr);
  EXPECT_EQ(vpcd.exchange(hex("00 A4 08 0C 04 DF00 5038")), hex("9000"));
  EXPECT_EQ(vpcd.exchange(verify_apdu("1234")), hex("9000"));
  EXPECT_EQ(vpcd.exchange(hex("00 20 00 01 00")), hex("9000"));
  EXPECT_EQ(control(control_path(), "status"),
            "ok inserted connected=yes pin_tries_left=3 pin_verified=yes apdu_count=3 delay_ms=0 "
            "profile=test-1.8");
  // A reset from the reader drops the PIN right.
  vpcd.send_frame(hex("02"));
  EXPECT_EQ(vpcd.exchange(hex("00 20 00 01 00")), hex("63C3"));

  EXPECT_EQ(program.terminate(), 0);
  EXPECT_FALSE(std::filesystem::exists(control_path()));
  const std::string log = program.log_text();
  // One line per APDU; the PIN block never appears.
  EXPECT_THAT(log, HasSubstr("> 00A4080C04 DF005038 < 9000"));
  EXPECT_THAT(log, HasSubstr("> 0020000108 <8 bytes masked> < 9000"));
  EXPECT_THAT(log, Not(HasSubstr("241234FF")));
  EXPECT_THAT(log, HasSubstr("stopping on SIGTERM"));
}

TEST_F(VcardProcess, RemoveAndInsertThroughTheControlSocket) {
  FakeVpcd vpcd;
  CardProgram program(args(vpcd));
  ASSERT_TRUE(vpcd.accept_card());
  EXPECT_EQ(vpcd.exchange(verify_apdu("1234")), hex("9000"));
  // Pulled out: vpcd sees the connection close, and the card has no power any more.
  EXPECT_EQ(control(control_path(), "remove"), "ok removed");
  EXPECT_TRUE(vpcd.sees_close());
  EXPECT_THAT(control(control_path(), "status"), StartsWith("ok removed connected=no"));
  EXPECT_FALSE(vpcd.accept_card(300ms));  // stays out until "insert"
  EXPECT_EQ(control(control_path(), "insert"), "ok inserted");
  ASSERT_TRUE(vpcd.accept_card());
  EXPECT_EQ(vpcd.exchange(hex("00 20 00 01 00")), hex("63C3"));
  EXPECT_EQ(control(control_path(), "delay 5"), "ok delay_ms=5");
  // The program itself as a client of the socket, for scripts.
  CardProgram status({"--control", control_path().string(), "--send", "status"});
  EXPECT_EQ(status.wait(), 0);
  EXPECT_THAT(status.output_text(), StartsWith("ok inserted connected=yes"));
  CardProgram wrong({"--control", control_path().string(), "--send", "eject"});
  EXPECT_EQ(wrong.wait(), 1);
  EXPECT_THAT(wrong.output_text(), StartsWith("error unknown command"));
  EXPECT_EQ(
      control(control_path(), "fly"),
      "error unknown command (try: remove, insert, delay <ms>, status, remove-after-apdu <n>, "
      "swap <profile dir>, fail-log-off on|off)");
  EXPECT_EQ(program.terminate(), 0);
}

TEST_F(VcardProcess, StartsRemovedWhenAsked) {
  FakeVpcd vpcd;
  CardProgram program(args(vpcd, {"--removed"}));
  EXPECT_FALSE(vpcd.accept_card(500ms));
  EXPECT_EQ(control(control_path(), "insert"), "ok inserted");
  ASSERT_TRUE(vpcd.accept_card());
  vpcd.send_frame(hex("04"));
  EXPECT_EQ(vpcd.receive_frame(), card_.atr);
  EXPECT_EQ(program.terminate(), 0);
}

TEST_F(VcardProcess, ReconnectsWhenVpcdComesLaterOrGoesAway) {
  const std::uint16_t port = unused_port();
  std::vector<std::string> arguments = {"--profile", card_.dir->path().string(), "--vpcd-port",
                                        std::to_string(port)};
  CardProgram program(arguments);
  std::this_thread::sleep_for(400ms);  // a few refused attempts
  {
    FakeVpcd vpcd(port);
    ASSERT_TRUE(vpcd.accept_card());
    EXPECT_EQ(vpcd.exchange(hex("80 E4 00 00 1C")).value_or(Bytes{}).size(), 30U);
  }  // vpcd goes away (pcscd restarts)
  FakeVpcd again(port);
  ASSERT_TRUE(again.accept_card());
  EXPECT_EQ(again.exchange(hex("80 E4 00 00 1C")).value_or(Bytes{}).size(), 30U);
  EXPECT_EQ(program.terminate(), 0);
}

TEST_F(VcardProcess, DelaySettingPacesEachApdu) {
  FakeVpcd vpcd;
  CardProgram program(args(vpcd));
  ASSERT_TRUE(vpcd.accept_card());
  const Bytes apdu = hex("80 E4 00 00 1C");
  ASSERT_TRUE(vpcd.exchange(apdu).has_value());
  // Without TCP_QUICKACK re-armed before each recv, each APDU here would take ~40 ms.
  constexpr int rounds = 50;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) {
    ASSERT_TRUE(vpcd.exchange(apdu).has_value());
  }
  const auto fast = (std::chrono::steady_clock::now() - start) / rounds;
  std::cout << "[   INFO   ] round trip over loopback vpcd framing: "
            << std::chrono::duration<double, std::milli>(fast).count() << " ms/APDU\n";
  EXPECT_LT(fast, 15ms);

  EXPECT_EQ(control(control_path(), "delay 30"), "ok delay_ms=30");
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(vpcd.exchange(apdu).has_value());
  }
  EXPECT_GE((std::chrono::steady_clock::now() - start) / 5, 30ms);
  EXPECT_EQ(program.terminate(), 0);
}

TEST(VcardProgramArguments, BadProfileAndBadOptions) {
  const TempDir empty;
  CardProgram no_profile({"--profile", empty.path().string(), "--vpcd-port", "1"});
  EXPECT_EQ(no_profile.wait(), 1);
  EXPECT_THAT(no_profile.log_text(), HasSubstr("cannot open "));
  CardProgram missing({"--vpcd-port", "1"});
  EXPECT_EQ(missing.wait(), 2);
  EXPECT_THAT(missing.log_text(), HasSubstr("--profile DIR is required"));
  CardProgram bad_delay({"--profile", "x", "--delay-ms", "soon"});
  EXPECT_EQ(bad_delay.wait(), 2);
  CardProgram help({"--help"});
  EXPECT_EQ(help.wait(), 0);
}

}  // namespace
}  // namespace saferchat::vcard::testing
