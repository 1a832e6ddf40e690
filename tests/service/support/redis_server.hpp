// SPDX-License-Identifier: Apache-2.0
// A real redis-server for a test or benchmark: its own temporary folder, no persistence
// (--save '' --appendonly no), on a unix socket or a loopback TCP port; killed with the object.
// Needs SAFERCHAT_REDIS_SERVER (its path) from CMake.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "service/support/child_process.hpp"
#include "service/support/saferchatd_fixture.hpp"

namespace saferchat::testing {

// A port that was free a moment ago (the kernel's choice for port 0).
inline std::uint16_t free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

class RedisServer {
 public:
  // On a unix socket in `dir` (tcp_port 0), or on 127.0.0.1:tcp_port.
  explicit RedisServer(const TempDir& dir, std::uint16_t tcp_port = 0)
      : socket_(dir.file("redis.sock")) {
    std::vector<std::string> argv{SAFERCHAT_REDIS_SERVER, "--save",      "",
                                  "--appendonly",         "no",          "--dir",
                                  dir.path().string(),    "--daemonize", "no"};
    if (tcp_port == 0) {
      argv.insert(argv.end(), {"--port", "0", "--unixsocket", socket_, "--unixsocketperm", "700"});
    } else {
      argv.insert(argv.end(), {"--port", std::to_string(tcp_port), "--bind", "127.0.0.1"});
    }
    process_ = std::make_unique<ChildProcess>(argv, dir.file("redis.err"));
    while (const auto line = process_->read_line(std::chrono::seconds(20))) {
      // 7.0: "Ready to accept connections tcp" or "… now ready to accept connections at PATH".
      if (line->find("eady to accept connections") != std::string::npos) {
        return;
      }
    }
    throw std::runtime_error("redis-server did not start: " + process_->stderr_text());
  }

  [[nodiscard]] const std::string& socket() const { return socket_; }
  [[nodiscard]] pid_t pid() const { return process_->pid(); }

  void kill() {
    process_->signal(SIGKILL);
    process_->wait(std::chrono::seconds(10));
  }

 private:
  std::string socket_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace saferchat::testing
