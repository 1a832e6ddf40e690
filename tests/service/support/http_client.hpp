// SPDX-License-Identifier: Apache-2.0
// A deliberately small HTTP/1.1 client on raw POSIX sockets for saferchatd's tests: it sends
// exactly the bytes a test asks for (also malformed or slow ones) and reads replies with
// deadlines, so a hanging server fails the test instead of blocking it. Independent of Beast,
// so the server is not tested with its own parser.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace saferchat::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  [[nodiscard]] nlohmann::json json() const { return nlohmann::json::parse(body); }
  [[nodiscard]] std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpConnection {
 public:
  using Clock = std::chrono::steady_clock;

  explicit HttpConnection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      const std::string why = std::strerror(errno);
      ::close(fd_);
      throw std::runtime_error("connect to port " + std::to_string(port) + ": " + why);
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;
  HttpConnection(HttpConnection&&) = delete;
  HttpConnection& operator=(HttpConnection&&) = delete;
  ~HttpConnection() { ::close(fd_); }

  // False if the server closed or reset the connection.
  bool send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return false;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // The next reply (status line, headers, Content-Length body), or nullopt if the connection
  // ends first or `timeout` passes.
  std::optional<HttpReply> read_reply(
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = Clock::now() + timeout;
    std::size_t header_end = std::string::npos;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(deadline)) {
        return std::nullopt;
      }
    }
    HttpReply reply;
    const std::string head = buffer_.substr(0, header_end);
    buffer_.erase(0, header_end + 4);
    std::size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.1 ", 0) != 0 || status_line.size() < 12) {
      throw std::runtime_error("bad status line: " + status_line);
    }
    reply.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end - start);
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) {
        continue;
      }
      std::string name = line.substr(0, colon);
      for (char& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      reply.headers[name] = value;
    }
    const std::size_t length =
        reply.headers.contains("content-length") ? std::stoul(reply.headers["content-length"]) : 0;
    while (buffer_.size() < length) {
      if (!fill(deadline)) {
        return std::nullopt;
      }
    }
    reply.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return reply;
  }

  HttpReply request(std::string_view method, std::string_view target, std::string_view body,
                    std::string_view content_type = "application/json",
                    std::string_view extra_headers = {}) {
    std::string message =
        std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!content_type.empty()) {
      message += "Content-Type: " + std::string(content_type) + "\r\n";
    }
    if (!body.empty() || method == "POST") {
      message += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    message += std::string(extra_headers) + "\r\n" + std::string(body);
    if (!send_raw(message)) {
      throw std::runtime_error("the server closed the connection while we sent");
    }
    auto reply = read_reply();
    if (!reply) {
      throw std::runtime_error("no reply to " + std::string(method) + " " + std::string(target));
    }
    return *reply;
  }

  HttpReply post(std::string_view target, const nlohmann::json& body) {
    return request("POST", target, body.dump());
  }
  HttpReply get(std::string_view target) { return request("GET", target, {}, {}); }

  // Waits until the server closes (or resets) the connection; false if `timeout` passes first.
  // Bytes the server still sends are kept (read_reply sees them).
  bool wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (fill(deadline)) {
    }
    return closed_;
  }

  [[nodiscard]] const std::string& pending() const { return buffer_; }

 private:
  // Reads more bytes into buffer_; false at end of stream, on error or at the deadline.
  bool fill(Clock::time_point deadline) {
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        return false;
      }
      pollfd watch{fd_, POLLIN, 0};
      const int ready = ::poll(&watch, 1, static_cast<int>(left));
      if (ready < 0 && errno == EINTR) {
        continue;
      }
      if (ready <= 0) {
        return false;
      }
      char chunk[16384];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        closed_ = true;
        return false;
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
  }

  int fd_ = -1;
  std::string buffer_;
  bool closed_ = false;
};

}  // namespace saferchat::testing
