// SPDX-License-Identifier: Apache-2.0
// The demo chat's transport: an HTTPS server (Boost.Beast over Asio and OpenSSL) for the page,
// its JSON API and the room's WebSocket (/ws). It knows nothing of rooms or cards: each request
// goes to a Handler, which answers when it is ready (it may first ask saferchatd). Beast stays
// inside https_server.cpp; this header has the standard library only.
//
// One thread: the io_context runs on the caller's thread, so the handler needs no locks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chat/chat_hub.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace saferchat::demo::net {

struct Request {
  std::string method;  // "GET"
  std::string target;  // "/api/join"
  std::string origin;  // the Origin field, empty when absent
  std::string cookie;  // the Cookie field(s)
  std::string content_type;
  std::string accept_language;
  std::string body;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::string> set_cookies;
  std::string cache_control = "no-store";
  std::string allow;  // 405 responses
};

using Respond = std::function<void(Response)>;

class Handler {
 public:
  Handler() = default;
  Handler(const Handler&) = delete;
  Handler& operator=(const Handler&) = delete;
  Handler(Handler&&) = delete;
  Handler& operator=(Handler&&) = delete;
  virtual ~Handler() = default;

  // A complete request. Call `respond` exactly once, now or later (on the server's thread).
  virtual void handle(const Request& request, Respond respond) = 0;

  // A WebSocket upgrade: whether to accept it (refused ones get 403).
  virtual bool accept_websocket(const Request& request) = 0;
  // The WebSocket is open; `connection` sends frames to it and closes it.
  virtual void websocket_opened(const Request& request,
                                const std::shared_ptr<Connection>& connection) = 0;
  virtual void websocket_frame(const Connection* connection, std::string_view text) = 0;
  // Called once per opened WebSocket, whatever ended it.
  virtual void websocket_closed(const Connection* connection) = 0;
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;        // 0: any free port (see HttpsServer::port)
  std::string certificate_file;  // PEM certificate chain
  std::string private_key_file;  // PEM
  std::size_t max_body_bytes = std::size_t{64} * 1024;
  std::size_t max_header_bytes = std::size_t{8} * 1024;
  std::size_t max_websocket_frame_bytes = 4096;
  std::chrono::seconds request_timeout{30};
};

class HttpsServer {
 public:
  // Loads the certificate and key, binds and listens; throws std::runtime_error with a clear
  // message when it cannot.
  HttpsServer(boost::asio::io_context& io, const ServerOptions& options);
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;
  HttpsServer(HttpsServer&&) = delete;
  HttpsServer& operator=(HttpsServer&&) = delete;
  ~HttpsServer();

  // The port it listens on (the one chosen when options.port was 0).
  [[nodiscard]] std::uint16_t port() const;

  // Starts accepting (the io_context's run() serves). Every response carries
  // `content_security_policy` (the caller knows the public origin only once the port is known).
  void start(Handler& handler, std::string content_security_policy);
  // Stops accepting; connections end as the io_context stops.
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace saferchat::demo::net
