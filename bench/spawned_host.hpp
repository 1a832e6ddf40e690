// SPDX-License-Identifier: Apache-2.0
// saferchat-host started as a browser starts it, for benchmarks: posix_spawn (the cheapest
// start, so the figures are the host's), pipes for stdin and stdout, framed messages.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <stdexcept>
#include <string>

#include "protocol/frame.hpp"

extern char** environ;

namespace saferchat::bench {

class SpawnedHost {
 public:
  explicit SpawnedHost(std::string path) {
    std::array<int, 2> to_host{};
    std::array<int, 2> from_host{};
    if (::pipe2(to_host.data(), O_CLOEXEC) != 0 || ::pipe2(from_host.data(), O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_host[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, from_host[1], STDOUT_FILENO);
    std::string caller = "chrome-extension://nmgdeinpncakphdmdpndhifioncieboe/";
    std::array<char*, 3> argv{path.data(), caller.data(), nullptr};
    const int spawned = posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_host[0]);
    ::close(from_host[1]);
    in_ = to_host[1];
    out_ = from_host[0];
    if (spawned != 0) {
      throw std::runtime_error("spawn " + path);
    }
  }
  SpawnedHost(const SpawnedHost&) = delete;
  SpawnedHost& operator=(const SpawnedHost&) = delete;
  SpawnedHost(SpawnedHost&&) = delete;
  SpawnedHost& operator=(SpawnedHost&&) = delete;
  ~SpawnedHost() {
    if (in_ >= 0) {
      ::close(in_);
    }
    ::close(out_);
    if (pid_ > 0) {
      ::waitpid(pid_, nullptr, 0);
    }
  }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  void send(const std::string& payload) const {
    const std::string frame = encode_frame(payload);
    if (::write(in_, frame.data(), frame.size()) != static_cast<ssize_t>(frame.size())) {
      throw std::runtime_error("write");
    }
  }
  [[nodiscard]] std::string receive() const {
    std::uint32_t length = 0;
    read_exactly(&length, sizeof length);
    std::string payload(length, '\0');
    read_exactly(payload.data(), length);
    return payload;
  }
  // Closes stdin, waits for the exit and returns the host's peak RSS in KiB.
  long finish() {
    ::close(in_);
    in_ = -1;
    int status = 0;
    rusage usage{};
    ::wait4(pid_, &status, 0, &usage);
    pid_ = -1;
    return usage.ru_maxrss;
  }

 private:
  void read_exactly(void* buffer, std::size_t size) const {
    auto* bytes = static_cast<char*>(buffer);
    while (size > 0) {
      const ssize_t n = ::read(out_, bytes, size);
      if (n <= 0) {
        throw std::runtime_error("host output ended");
      }
      bytes += n;
      size -= static_cast<std::size_t>(n);
    }
  }

  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
};

}  // namespace saferchat::bench
