// SPDX-License-Identifier: Apache-2.0
// Runs the built saferchat-host as a browser would: a child process on real pipes, framed
// messages in, framed messages out, with deadlines so that a hanging host fails the test
// instead of blocking it.
#pragma once

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/process.hpp>
#include <nlohmann/json.hpp>

namespace saferchat::testing {

namespace bp = boost::process;

class HostProcess {
 public:
  HostProcess(const std::string& path, const std::vector<std::string>& args,
              const std::map<std::string, std::string>& env) {
    bp::environment environment = boost::this_process::environment();
    for (const auto& [name, value] : env) {
      environment[name] = value;
    }
    child_ = bp::child(path, bp::args(args), bp::std_in<in_, bp::std_out> out_,
                       bp::std_err > bp::null, environment);
    // Boost.Process 1.74's wait_for can sleep out its whole timeout on a child that already
    // exited, so the exit is awaited here through a pidfd instead.
    pid_ = child_.id();
    child_.detach();
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    // The child has its own copies now: keep only our ends, so that end of output shows.
    if (out_.native_sink() >= 0) {
      ::close(out_.native_sink());
      out_.assign_sink(-1);
    }
    if (in_.native_source() >= 0) {
      ::close(in_.native_source());
      in_.assign_source(-1);
    }
  }
  HostProcess(const HostProcess&) = delete;
  HostProcess& operator=(const HostProcess&) = delete;
  HostProcess(HostProcess&&) = delete;
  HostProcess& operator=(HostProcess&&) = delete;
  ~HostProcess() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (pidfd_ >= 0) {
      ::close(pidfd_);
    }
  }

  // Writes raw bytes to the host's stdin; false if the host closed it.
  bool write(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(in_.native_sink(), bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  void close_stdin() { in_.close(); }
  void close_stdout() { out_.close(); }

  // The next framed message, or nullopt at end of output or when `deadline` passes.
  std::optional<std::string> read_message(
      std::chrono::milliseconds deadline = std::chrono::milliseconds(5000)) {
    std::string header;
    if (!read_exactly(4, header, deadline)) {
      return std::nullopt;
    }
    std::uint32_t length = 0;
    std::memcpy(&length, header.data(), 4);
    std::string payload;
    if (!read_exactly(length, payload, deadline)) {
      throw std::runtime_error("output ended inside a message");
    }
    return payload;
  }

  // All messages until end of output, each within `deadline`.
  std::vector<nlohmann::json> read_all(
      std::chrono::milliseconds deadline = std::chrono::milliseconds(5000)) {
    std::vector<nlohmann::json> messages;
    while (auto message = read_message(deadline)) {
      messages.push_back(nlohmann::json::parse(*message));
    }
    return messages;
  }

  // The exit code, or -1 if the host has not exited within `deadline` (it is then killed).
  // A host killed by a signal gives 128 + the signal number, as a shell would.
  int wait(std::chrono::milliseconds deadline = std::chrono::milliseconds(5000)) {
    pollfd fd{pidfd_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(deadline.count())) != 1) {
      return -1;  // the destructor kills it
    }
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) {
      return -1;
    }
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  bool read_exactly(std::size_t count, std::string& out, std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    out.clear();
    while (out.size() < count) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return false;
      }
      pollfd fd{out_.native_source(), POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) {
        return false;
      }
      std::string chunk(count - out.size(), '\0');
      const ssize_t n = ::read(out_.native_source(), chunk.data(), chunk.size());
      if (n <= 0) {
        return false;
      }
      out.append(chunk.data(), static_cast<std::size_t>(n));
    }
    return true;
  }

  bp::pipe in_;
  bp::pipe out_;
  bp::child child_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool reaped_ = false;
};

}  // namespace saferchat::testing
