// SPDX-License-Identifier: Apache-2.0
// A private PC/SC stack for one test: runs tools/pcsc-env (a pcscd of its own plus the
// virtual card) and points this process's pcsc-lite at it. pcsc-lite reads
// PCSCLITE_CSOCK_NAME once per process, so use one environment per test process (ctest runs
// each test in its own process).
#pragma once

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace saferchat::testing {

class PcscEnvironment {
 public:
  // `args`: options of saferchat-pcsc-env, e.g. {"--profile", dir} or {"--no-card"}.
  explicit PcscEnvironment(const std::vector<std::string>& args) {
    std::array<int, 2> out{};
    if (::pipe(out.data()) != 0) {
      throw std::runtime_error("pipe");
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<std::string> argv{SAFERCHAT_PCSC_ENV_PATH};
      argv.insert(argv.end(), args.begin(), args.end());
      std::vector<char*> c_args;
      for (std::string& arg : argv) {
        c_args.push_back(arg.data());
      }
      c_args.push_back(nullptr);
      ::execv(c_args[0], c_args.data());
      ::_exit(127);
    }
    ::close(out[1]);
    FILE* stream = ::fdopen(out[0], "r");
    std::array<char, 512> line{};
    while (std::fgets(line.data(), line.size(), stream) != nullptr) {
      std::string text(line.data());
      if (!text.empty() && text.back() == '\n') {
        text.pop_back();
      }
      if (text == "ready") {
        break;
      }
      const auto equals = text.find('=');
      if (equals != std::string::npos) {
        env_[text.substr(0, equals)] = text.substr(equals + 1);
      }
    }
    stream_ = stream;
    if (env_.count("PCSCLITE_CSOCK_NAME") == 0) {
      throw std::runtime_error("saferchat-pcsc-env did not start");
    }
    ::setenv("PCSCLITE_CSOCK_NAME", env_["PCSCLITE_CSOCK_NAME"].c_str(), 1);
  }
  PcscEnvironment(const PcscEnvironment&) = delete;
  PcscEnvironment& operator=(const PcscEnvironment&) = delete;
  PcscEnvironment(PcscEnvironment&&) = delete;
  PcscEnvironment& operator=(PcscEnvironment&&) = delete;
  ~PcscEnvironment() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    if (stream_ != nullptr) {
      std::fclose(stream_);
    }
  }

  [[nodiscard]] const std::string& socket() const { return env_.at("PCSCLITE_CSOCK_NAME"); }
  [[nodiscard]] const std::string& reader() const { return env_.at("SAFERCHAT_PCSC_READER"); }
  [[nodiscard]] const std::map<std::string, std::string>& variables() const { return env_; }

  // Restarts pcscd on the same socket; the card reconnects to the new one a moment later.
  void restart_pcscd() const { ::kill(pid_, SIGUSR1); }

  // Sends one line to the virtual card's control socket ("remove", "insert", "status", …)
  // and returns its one-line answer.
  // `card` 2 is the one started with --second-profile.
  [[nodiscard]] std::string card_control(const std::string& command, int card = 1) const {
    return control_line(env_.at(card == 2 ? "SAFERCHAT_CARD2_CONTROL" : "SAFERCHAT_CARD_CONTROL"),
                        command);
  }

  // With --pinpad: one line to the PIN pad reader's keypad ("pin 1234", "cancel", "status", …)
  // and its one-line answer.
  [[nodiscard]] std::string keypad_control(const std::string& command) const {
    return control_line(env_.at("SAFERCHAT_KEYPAD_CONTROL"), command);
  }

 private:
  static std::string control_line(const std::string& socket_path, const std::string& command) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      throw std::runtime_error("cannot reach the control socket " + socket_path);
    }
    const std::string line = command + "\n";
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      ::close(fd);
      throw std::runtime_error("control write failed");
    }
    std::string answer;
    char c = 0;
    while (::read(fd, &c, 1) == 1 && c != '\n') {
      answer.push_back(c);
    }
    ::close(fd);
    return answer;
  }

  pid_t pid_ = -1;
  FILE* stream_ = nullptr;
  std::map<std::string, std::string> env_;
};

}  // namespace saferchat::testing
