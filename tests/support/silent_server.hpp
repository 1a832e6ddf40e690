// SPDX-License-Identifier: Apache-2.0
// A TCP server on 127.0.0.1 that accepts connections and never says anything: a stand-in for
// an OCSP responder or CRL server that has hung. It counts what it accepted and closes
// everything on close() or destruction (then waiting clients see the connection end).
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace saferchat::testing {

class SilentServer {
 public:
  SilentServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listener_ < 0 ||
        ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 64) != 0) {
      throw std::runtime_error("SilentServer: cannot listen");
    }
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { accept_loop(); });
  }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  SilentServer(SilentServer&&) = delete;
  SilentServer& operator=(SilentServer&&) = delete;
  ~SilentServer() { close(); }

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  [[nodiscard]] int accepted() const { return accepted_; }

  // Waits (up to `limit`) until `count` connections were accepted; false if they were not.
  bool wait_for_connections(int count, std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (accepted_ < count) {
      if (std::chrono::steady_clock::now() > end) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  // Closes the listener and every accepted connection.
  void close() {
    if (stopping_.exchange(true)) {
      return;
    }
    thread_.join();
    ::close(listener_);
    const std::scoped_lock lock(mutex_);
    for (const int fd : connections_) {
      ::close(fd);
    }
    connections_.clear();
  }

 private:
  void accept_loop() {
    while (!stopping_) {
      pollfd wait{listener_, POLLIN, 0};
      if (::poll(&wait, 1, 20) != 1) {
        continue;
      }
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        const std::scoped_lock lock(mutex_);
        connections_.push_back(fd);
        ++accepted_;
      }
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<int> connections_;
  std::thread thread_;
};

}  // namespace saferchat::testing
