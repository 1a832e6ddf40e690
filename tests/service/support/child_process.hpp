// SPDX-License-Identifier: Apache-2.0
// Runs a program (saferchatd, redis-server, node, python3) as a child for a test: stdout on a
// pipe that the test reads line by line with deadlines, stderr into a file the test can show,
// and a destructor that always kills and reaps it.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for the child

namespace saferchat::testing {

class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;

  ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_path,
               const std::map<std::string, std::string>& extra_env = {})
      : stderr_path_(stderr_path) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2: " + std::string(std::strerror(errno)));
    }
    // Everything the child needs is prepared before fork (no allocation after it).
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry = *e;
      const std::string name = entry.substr(0, entry.find('='));
      if (!extra_env.contains(name)) {
        env_strings.push_back(entry);
      }
    }
    for (const auto& [name, value] : extra_env) {
      env_strings.push_back(name + "=" + value);
    }
    std::vector<char*> env_pointers;
    for (auto& entry : env_strings) {
      env_pointers.push_back(entry.data());
    }
    env_pointers.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char*> arg_pointers;
    for (auto& arg : args) {
      arg_pointers.push_back(arg.data());
    }
    arg_pointers.push_back(nullptr);
    const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (err < 0) {
      throw std::runtime_error("cannot open " + stderr_path);
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      const int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, STDIN_FILENO);
      ::execve(arg_pointers[0], arg_pointers.data(), env_pointers.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err);
    out_ = out[0];
    if (pid_ < 0) {
      ::close(out_);
      throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
    }
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&&) = delete;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess() {
    if (!exit_status_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
    if (pidfd_ >= 0) {
      ::close(pidfd_);
    }
  }

  // The next line of standard output (without "\n"), or nullopt at its end or the deadline.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
      if (const std::size_t newline = stdout_.find('\n'); newline != std::string::npos) {
        std::string line = stdout_.substr(0, newline);
        stdout_.erase(0, newline + 1);
        return line;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        return std::nullopt;
      }
      pollfd watch{out_, POLLIN, 0};
      const int ready = ::poll(&watch, 1, static_cast<int>(left));
      if (ready < 0 && errno == EINTR) {
        continue;
      }
      if (ready <= 0) {
        return std::nullopt;
      }
      char chunk[4096];
      const ssize_t n = ::read(out_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return std::nullopt;
      }
      stdout_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // All remaining standard output until the child closes it (or the deadline).
  std::string read_all(std::chrono::milliseconds timeout) {
    std::string all;
    while (auto line = read_line(timeout)) {
      all += *line + "\n";
    }
    all += stdout_;
    stdout_.clear();
    return all;
  }

  void signal(int number) const { ::kill(pid_, number); }

  // The exit status (WEXITSTATUS, or 128 + signal), or nullopt if it is still running at the
  // deadline.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    if (exit_status_) {
      return exit_status_;
    }
    pollfd watch{pidfd_, POLLIN, 0};
    if (pidfd_ >= 0) {
      while (::poll(&watch, 1, static_cast<int>(timeout.count())) < 0 && errno == EINTR) {
      }
    }
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, pidfd_ >= 0 ? WNOHANG : 0);
    if (done != pid_) {
      return std::nullopt;
    }
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_status_;
  }

  [[nodiscard]] std::string stderr_text() const {
    std::ifstream in(stderr_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int pidfd_ = -1;
  std::string stderr_path_;
  std::string stdout_;
  std::optional<int> exit_status_;
};

}  // namespace saferchat::testing
