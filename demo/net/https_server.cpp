// SPDX-License-Identifier: Apache-2.0
#include "net/https_server.hpp"

#include <deque>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <utility>

// Asio's scheduler, inlined here, trips GCC 12's -Wnull-dereference (a thread-info pointer it
// knows to be set); the warning stays on for this project's own code below.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#pragma GCC diagnostic pop

namespace saferchat::demo::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using Tcp = asio::ip::tcp;
using ErrorCode = beast::error_code;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr const char* server_name = "saferchat-demo-chat";
constexpr std::size_t max_queued_frames = 256;  // a client that reads slower is dropped
constexpr std::chrono::seconds handshake_timeout{10};

// Failures of one connection are the client's business: they are not logged, except TLS
// handshake failures, which say the browser did not accept the certificate.
void log_line(const std::string& line) { std::clog << server_name << ": " << line << std::endl; }

Request to_request(const http::request<http::string_body>& message) {
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.origin = std::string(message[http::field::origin]);
  const auto cookies = message.equal_range(http::field::cookie);
  for (auto field = cookies.first; field != cookies.second; ++field) {
    if (!request.cookie.empty()) {
      request.cookie += "; ";
    }
    request.cookie += std::string(field->value());
  }
  request.content_type = std::string(message[http::field::content_type]);
  request.accept_language = std::string(message[http::field::accept_language]);
  request.body = message.body();
  return request;
}

class WebSocketSession : public Connection, public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(TlsStream&& stream, Handler& handler, Request request,
                   std::size_t max_frame_bytes)
      : ws_(std::move(stream)), handler_(handler), request_(std::move(request)) {
    ws_.read_message_max(max_frame_bytes);
  }

  void start(http::request<http::string_body> upgrade) {
    upgrade_ = std::move(upgrade);
    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket's own timeouts from here
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
      response.set(http::field::server, server_name);
    }));
    ws_.async_accept(upgrade_, [self = shared_from_this()](ErrorCode ec) { self->on_accept(ec); });
  }

  void send(std::string text) override {
    if (finished_ || closing_) {
      return;
    }
    if (outbox_.size() >= max_queued_frames) {
      close();
      return;
    }
    outbox_.push_back(std::move(text));
    if (outbox_.size() == 1) {
      write_next();
    }
  }

  void close() override {
    if (finished_ || closing_) {
      return;
    }
    closing_ = true;
    if (outbox_.empty()) {
      // Never inside the handler's call: the hub may be iterating its connections.
      asio::post(ws_.get_executor(), [self = shared_from_this()] { self->close_now(); });
    }
  }

 private:
  void on_accept(ErrorCode ec) {
    if (ec) {
      return;  // never opened: the handler was not told
    }
    opened_ = true;
    handler_.websocket_opened(request_, shared_from_this());
    read();
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](ErrorCode ec, std::size_t /*bytes*/) {
      self->on_read(ec);
    });
  }

  void on_read(ErrorCode ec) {
    if (ec) {
      finish();
      return;
    }
    if (!ws_.got_text()) {
      buffer_.consume(buffer_.size());
      close();  // the page sends text only
      return;
    }
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (!finished_ && !closing_) {
      handler_.websocket_frame(this, text);
    }
    if (!finished_) {
      read();
    }
  }

  void write_next() {
    ws_.text(true);
    ws_.async_write(
        asio::buffer(outbox_.front()),
        [self = shared_from_this()](ErrorCode ec, std::size_t /*bytes*/) { self->on_write(ec); });
  }

  void on_write(ErrorCode ec) {
    if (ec) {
      outbox_.clear();
      finish();
      return;
    }
    outbox_.pop_front();
    if (!outbox_.empty()) {
      write_next();
    } else if (closing_) {
      close_now();
    }
  }

  void close_now() {
    if (finished_ || close_started_) {
      return;
    }
    close_started_ = true;
    ws_.async_close(websocket::close_code::normal,
                    [self = shared_from_this()](ErrorCode /*ec*/) { self->finish(); });
  }

  void finish() {
    if (finished_) {
      return;
    }
    finished_ = true;
    if (opened_) {
      handler_.websocket_closed(this);
    }
  }

  websocket::stream<TlsStream> ws_;
  Handler& handler_;
  Request request_;
  http::request<http::string_body> upgrade_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  bool opened_ = false;
  bool closing_ = false;
  bool close_started_ = false;
  bool finished_ = false;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `owner` keeps the TLS context and the options alive as long as the connection.
  HttpSession(Tcp::socket&& socket, ssl::context& tls, Handler& handler,
              const ServerOptions& options, const std::string& content_security_policy,
              std::shared_ptr<const void> owner)
      : stream_(std::move(socket), tls),
        handler_(handler),
        options_(options),
        content_security_policy_(content_security_policy),
        owner_(std::move(owner)) {}

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->handshake(); });
  }

 private:
  void handshake() {
    beast::get_lowest_layer(stream_).expires_after(handshake_timeout);
    stream_.async_handshake(ssl::stream_base::server, [self = shared_from_this()](ErrorCode ec) {
      if (ec) {
        log_line("TLS handshake failed: " + ec.message());
        return;
      }
      self->read();
    });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    beast::get_lowest_layer(stream_).expires_after(options_.request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](ErrorCode ec, std::size_t /*bytes*/) { self->on_read(ec); });
  }

  void on_read(ErrorCode ec) {
    if (ec == http::error::end_of_stream) {
      shutdown();
      return;
    }
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      keep_alive_ = false;
      const bool body = ec == http::error::body_limit;
      write(Response{.status = body ? 413U : 431U,
                     .content_type = "application/json",
                     .body = body ? R"({"error":{"code":"REQUEST_TOO_LARGE"}})"
                                  : R"({"error":{"code":"HEADERS_TOO_LARGE"}})",
                     .set_cookies = {},
                     .cache_control = "no-store",
                     .allow = {}});
      return;
    }
    if (ec) {
      return;  // timeout, reset, garbage: drop the connection
    }
    http::request<http::string_body> message = parser_->release();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    Request request = to_request(message);
    if (websocket::is_upgrade(message)) {
      if (handler_.accept_websocket(request)) {
        std::make_shared<WebSocketSession>(std::move(stream_), handler_, std::move(request),
                                           options_.max_websocket_frame_bytes)
            ->start(std::move(message));
        return;
      }
      keep_alive_ = false;
      write(Response{.status = 403,
                     .content_type = "application/json",
                     .body = R"({"error":{"code":"FORBIDDEN"}})",
                     .set_cookies = {},
                     .cache_control = "no-store",
                     .allow = {}});
      return;
    }
    beast::get_lowest_layer(stream_).expires_never();  // the handler has its own deadlines
    handler_.handle(request, [self = shared_from_this()](Response response) {
      self->write(std::move(response));
    });
  }

  void write(Response response) {
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    message->set(http::field::server, server_name);
    message->set(http::field::content_type, response.content_type);
    message->set(http::field::cache_control, response.cache_control);
    message->set("Content-Security-Policy", content_security_policy_);
    message->set("X-Content-Type-Options", "nosniff");
    message->set("X-Frame-Options", "DENY");
    message->set("Referrer-Policy", "no-referrer");
    message->set("Cross-Origin-Opener-Policy", "same-origin");
    message->set("Cross-Origin-Resource-Policy", "same-origin");
    for (const std::string& cookie : response.set_cookies) {
      message->insert(http::field::set_cookie, cookie);
    }
    if (!response.allow.empty()) {
      message->set(http::field::allow, response.allow);
    }
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_);
    message->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(options_.request_timeout);
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message](ErrorCode ec, std::size_t /*bytes*/) {
                        if (ec) {
                          return;
                        }
                        if (self->keep_alive_) {
                          self->read();
                        } else {
                          self->shutdown();
                        }
                      });
  }

  void shutdown() {
    beast::get_lowest_layer(stream_).expires_after(handshake_timeout);
    stream_.async_shutdown([self = shared_from_this()](ErrorCode /*ec*/) {});
  }

  TlsStream stream_;
  Handler& handler_;
  const ServerOptions& options_;
  const std::string& content_security_policy_;
  std::shared_ptr<const void> owner_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = false;
  unsigned version_ = 11;
};

}  // namespace

struct HttpsServer::State : std::enable_shared_from_this<HttpsServer::State> {
  State(asio::io_context& io, ServerOptions server_options)
      : options(std::move(server_options)), tls(ssl::context::tls_server), acceptor(io) {}

  void accept() {
    acceptor.async_accept([self = shared_from_this()](ErrorCode ec, Tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) {
        return;
      }
      if (!ec) {
        std::make_shared<HttpSession>(std::move(socket), self->tls, *self->handler, self->options,
                                      self->content_security_policy, self)
            ->start();
      }
      self->accept();
    });
  }

  ServerOptions options;
  Handler* handler = nullptr;
  std::string content_security_policy;
  ssl::context tls;
  Tcp::acceptor acceptor;
};

HttpsServer::HttpsServer(asio::io_context& io, const ServerOptions& options)
    : state_(std::make_shared<State>(io, options)) {
  ssl::context& tls = state_->tls;
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::single_dh_use);
  ErrorCode ec;
  tls.use_certificate_chain_file(options.certificate_file, ec);
  if (ec) {
    throw std::runtime_error("cannot load the certificate " + options.certificate_file + ": " +
                             ec.message());
  }
  tls.use_private_key_file(options.private_key_file, ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("cannot load the private key " + options.private_key_file + ": " +
                             ec.message());
  }
  const auto address = asio::ip::make_address(options.address, ec);
  if (ec) {
    throw std::runtime_error("not an IP address: " + options.address);
  }
  const Tcp::endpoint endpoint(address, options.port);
  Tcp::acceptor& acceptor = state_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    throw std::runtime_error("cannot listen on " + options.address + ":" +
                             std::to_string(options.port) + ": " + ec.message());
  }
}

HttpsServer::~HttpsServer() { stop(); }

std::uint16_t HttpsServer::port() const {
  ErrorCode ec;
  const Tcp::endpoint endpoint = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void HttpsServer::start(Handler& handler, std::string content_security_policy) {
  state_->handler = &handler;
  state_->content_security_policy = std::move(content_security_policy);
  state_->accept();
}

void HttpsServer::stop() {
  ErrorCode ignored;  // closing an already closed acceptor is fine
  state_->acceptor.close(ignored);
}

}  // namespace saferchat::demo::net
