// SPDX-License-Identifier: Apache-2.0
// The Beast side of http_server.hpp. Life of a connection (one strand each):
//   wait_for_request: idle_timeout for the first byte of the next request
//   read_header → (100 Continue) → read_body: all within read_timeout of that first byte
//   respond: handler, then async_write within write_timeout; keep-alive → wait_for_request
//   after a transport failure (413, 431, 400): the response, then a lingering close that
//   reads and drops what the client still sends, so that it sees the response, not a reset.
#include "service/http/http_server.hpp"

#include <array>
#include <atomic>
#include <csignal>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

// Asio's scheduler, inlined here, trips GCC 12's -Wnull-dereference (a thread-info pointer it
// knows to be set); the warning stays on for this project's own code below.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop

namespace saferchat::service {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using Tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// After a failure response: how long, and how many bytes, the lingering close reads.
constexpr std::chrono::milliseconds linger_time{2'000};
constexpr std::size_t linger_max_bytes = std::size_t{1} << 20U;
// After a failed accept (e.g. EMFILE): pause before accepting again.
constexpr std::chrono::milliseconds accept_retry_delay{50};
constexpr std::size_t first_read_bytes = 4096;

std::string_view to_std(beast::string_view text) { return {text.data(), text.size()}; }

std::string format_endpoint(const Tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  const std::string port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

}  // namespace

class Connection;

class HttpServerState {
 public:
  HttpServerState(const std::string& address, std::uint16_t port, const HttpLimits& limits,
                  HttpHandler& handler)
      : limits_(limits),
        handler_(handler),
        control_(net::make_strand(io_)),
        acceptor_(control_),
        signals_(control_),
        grace_timer_(control_),
        accept_retry_timer_(control_),
        slow_(limits.slow_threads == 0 ? 1 : limits.slow_threads) {
    boost::system::error_code ec;
    const net::ip::address ip = net::ip::make_address(address, ec);
    if (ec) {
      throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                              "listen address \"" + address + "\" is not an IP address");
    }
    const Tcp::endpoint endpoint(ip, port);
    const auto fail = [&](const char* what) {
      throw std::system_error(ec, std::string(what) + " " + format_endpoint(endpoint));
    };
    if (acceptor_.open(endpoint.protocol(), ec); ec) {
      fail("cannot open a socket for");
    }
    if (acceptor_.set_option(net::socket_base::reuse_address(true), ec); ec) {
      fail("cannot set SO_REUSEADDR on");
    }
    if (acceptor_.bind(endpoint, ec); ec) {
      fail("cannot listen on");
    }
    if (acceptor_.listen(net::socket_base::max_listen_connections, ec); ec) {
      fail("cannot listen on");
    }
    local_ = acceptor_.local_endpoint();
  }
  HttpServerState(const HttpServerState&) = delete;
  HttpServerState& operator=(const HttpServerState&) = delete;
  HttpServerState(HttpServerState&&) = delete;
  HttpServerState& operator=(HttpServerState&&) = delete;
  ~HttpServerState() = default;

  void stop_on_termination_signals() {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.async_wait([this](const boost::system::error_code& ec, int /*signal*/) {
      if (!ec) {
        begin_shutdown();
      }
    });
  }

  void run(unsigned threads) {
    net::dispatch(control_, [this] {
      if (!draining_) {
        accept();
      }
    });
    serving_ = true;
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) {
      pool.emplace_back([this] { io_.run(); });
    }
    io_.run();
    for (auto& thread : pool) {
      thread.join();
    }
    // Connections still held by handlers that never ran (stopped after the grace period) go
    // with the io_context; they must not post to it any more.
    serving_ = false;
  }

  void stop() noexcept {
    try {
      net::post(control_, [this] { begin_shutdown(); });
    } catch (...) {  // NOLINT(bugprone-empty-catch): only allocation can fail; nothing to do
    }
  }

  // Called by a connection's destructor (any thread).
  void forget(const Connection* connection) noexcept {
    bool last = false;
    {
      const std::lock_guard lock(mutex_);
      connections_.erase(connection);
      last = connections_.empty();
    }
    if (last && draining_ && serving_) {
      try {
        net::post(control_, [this] { grace_timer_.cancel(); });
      } catch (...) {  // NOLINT(bugprone-empty-catch): the grace timer still ends the run
      }
    }
  }

  [[nodiscard]] const HttpLimits& limits() const noexcept { return limits_; }
  [[nodiscard]] HttpHandler& handler() const noexcept { return handler_; }
  [[nodiscard]] bool draining() const noexcept { return draining_; }
  [[nodiscard]] const Tcp::endpoint& local() const noexcept { return local_; }
  [[nodiscard]] net::thread_pool& slow_pool() noexcept { return slow_; }

 private:
  void accept();
  void begin_shutdown();

  // Destroyed in reverse order: the io_context (and with it every pending handler and
  // connection) goes before the registry the connections unregister from.
  HttpLimits limits_;
  HttpHandler& handler_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> serving_{false};
  std::mutex mutex_;
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> connections_;
  Tcp::endpoint local_;
  net::io_context io_;
  net::strand<net::io_context::executor_type> control_;  // acceptor, signals, timers
  Tcp::acceptor acceptor_;
  net::signal_set signals_;
  net::steady_timer grace_timer_;
  net::steady_timer accept_retry_timer_;
  // Slow requests (HttpHandler::slow) run here, apart from the io_context's workers; joined
  // first on destruction, while the io_context they post their responses to still exists.
  net::thread_pool slow_;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Tcp::socket&& socket, HttpServerState& server)
      : stream_(std::move(socket)), server_(server) {
    boost::system::error_code ec;
    const Tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? "-" : format_endpoint(peer);
    // Responses go out in one gathered write; no reason to wait for more.
    static_cast<void>(stream_.socket().set_option(Tcp::no_delay(true), ec));
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) = delete;
  Connection& operator=(Connection&&) = delete;
  ~Connection() { server_.forget(this); }

  void start() {
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this()] { self->wait_for_request(); });
  }

  // Shutdown: an idle connection closes now; a busy one after its response.
  void drain() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) {
        self->close();
      }
    });
  }

 private:
  void wait_for_request() {
    busy_ = false;
    if (server_.draining()) {
      close();
      return;
    }
    const HttpLimits& limits = server_.limits();
    parser_.emplace();
    parser_->body_limit(limits.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    if (buffer_.size() > 0) {  // a pipelined request is already here
      read_header();
      return;
    }
    stream_.expires_after(limits.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(first_read_bytes),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t bytes) {
          if (ec) {  // closed by the client, idle timeout, or shutdown: nothing to log
            self->close();
            return;
          }
          self->buffer_.commit(bytes);
          self->read_header();
        });
  }

  void read_header() {
    busy_ = true;
    // One deadline for the whole request, from its first byte: a client trickling bytes
    // (slowloris) cannot hold the connection longer than this.
    stream_.expires_after(server_.limits().read_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t /*bytes*/) {
          if (ec) {
            self->read_failed(ec);
            return;
          }
          self->header_done();
        });
  }

  void header_done() {
    // RFC 9112 §6.1: chunked, alone in one field, is the only transfer coding we decode; Beast
    // would read "gzip, chunked" or "chunked, identity" as plain chunked. Refused (400).
    const auto& header = parser_->get();
    const std::size_t codings = header.count(http::field::transfer_encoding);
    if (codings > 1 ||
        (codings == 1 && !beast::iequals(header[http::field::transfer_encoding], "chunked"))) {
      started_ = Clock::now();
      respond_failure(TransportFailure::malformed_request);
      return;
    }
    // RFC 9110 §10.1.1: a client that sent "Expect: 100-continue" waits for this before
    // sending the body (curl does for bodies above 1 KiB).
    const auto expect = parser_->get()[http::field::expect];
    if (!beast::iequals(expect, "100-continue")) {
      read_body();
      return;
    }
    continue_.emplace(http::status::continue_, 11);
    http::async_write(
        stream_, *continue_,
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t /*bytes*/) {
          if (ec) {
            self->read_failed(ec);
            return;
          }
          self->read_body();
        });
  }

  void read_body() {
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t /*bytes*/) {
          if (ec) {
            self->read_failed(ec);
            return;
          }
          self->respond();
        });
  }

  void read_failed(const boost::system::error_code& ec) {
    started_ = Clock::now();
    if (ec == http::error::body_limit) {
      respond_failure(TransportFailure::body_too_large);
    } else if (ec == http::error::header_limit) {
      respond_failure(TransportFailure::headers_too_large);
    } else if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
      respond_failure(TransportFailure::malformed_request);
    } else {
      // Timeout (the socket is already closed), or the client went away mid-request.
      detail_.clear();
      log_exchange(0, ec == beast::error::timeout ? "REQUEST_TIMEOUT" : "CONNECTION_CLOSED");
      close();
    }
  }

  void respond() {
    started_ = Clock::now();
    const auto& request = parser_->get();
    // The views stay valid until the response is sent: parser_ is replaced only after that.
    const HttpRequest view{to_std(request.method_string()), to_std(request.target()),
                           to_std(request[http::field::content_type]), request.body()};
    if (!server_.handler().slow(view)) {
      answer(view);
      return;
    }
    // A request that may wait on the network (revocation fetches) leaves the workers free for
    // every other request, then comes back to this connection's strand to be sent.
    net::post(server_.slow_pool(), [self = shared_from_this(), view] {
      HttpResponse response = self->call_handler(view);
      net::dispatch(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->send(std::move(response),
                   self->parser_->get().keep_alive() && !self->server_.draining(), false);
      });
    });
  }

  void answer(const HttpRequest& view) {
    send(call_handler(view), parser_->get().keep_alive() && !server_.draining(), false);
  }

  HttpResponse call_handler(const HttpRequest& view) {
    try {
      return server_.handler().handle(view);
    } catch (...) {
      return server_.handler().failure(TransportFailure::handler_failed);
    }
  }

  void respond_failure(TransportFailure failure) {
    send(server_.handler().failure(failure), false, true);
  }

  void send(HttpResponse response, bool keep_alive, bool linger) {
    response_ = {};
    response_.version(11);
    response_.result(response.status);
    response_.set(http::field::server, "saferchatd");
    response_.set(http::field::content_type, "application/json");
    response_.set(http::field::cache_control,
                  response.cache_control.empty() ? "no-store" : response.cache_control);
    response_.set("X-Content-Type-Options", "nosniff");
    if (!response.allow.empty()) {
      response_.set(http::field::allow, response.allow);
    }
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    reason_ = std::move(response.reason);
    detail_ = std::move(response.detail);
    stream_.expires_after(server_.limits().write_timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this(), linger](const boost::system::error_code& ec,
                                                          std::size_t /*bytes*/) {
                        self->log_exchange(ec ? 0 : self->response_.result_int(), self->reason_);
                        if (!ec && linger) {
                          self->linger();
                        } else if (!ec && self->response_.keep_alive()) {
                          self->wait_for_request();
                        } else {
                          self->close();
                        }
                      });
  }

  void log_exchange(unsigned status, std::string_view reason) noexcept {
    std::string_view method = "-";
    std::string_view target = "-";
    if (parser_) {
      const auto& request = parser_->get();
      if (!request.method_string().empty()) {
        method = to_std(request.method_string());
      }
      if (!request.target().empty()) {
        target = to_std(request.target());
      }
    }
    const auto duration =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_);
    server_.handler().exchanged({method, target, status, reason, detail_, duration, peer_});
  }

  // Half-closes, then reads and drops what the client still sends (a body we refused),
  // until it closes too, linger_time passes or linger_max_bytes arrived.
  void linger() {
    boost::system::error_code ec;
    static_cast<void>(stream_.socket().shutdown(Tcp::socket::shutdown_send, ec));
    stream_.expires_after(linger_time);
    drop_input(0);
  }

  void drop_input(std::size_t dropped) {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this(), dropped](
                                const boost::system::error_code& ec, std::size_t bytes) {
                              if (ec || dropped + bytes > linger_max_bytes) {
                                self->close();
                                return;
                              }
                              self->drop_input(dropped + bytes);
                            });
  }

  void close() {
    boost::system::error_code ec;
    // Both may fail on a socket the peer already reset; it is closed either way.
    static_cast<void>(stream_.socket().shutdown(Tcp::socket::shutdown_both, ec));
    stream_.close();
  }

  beast::tcp_stream stream_;
  HttpServerState& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  http::response<http::string_body> response_;
  std::string reason_;
  std::string detail_;
  std::string peer_;
  Clock::time_point started_ = Clock::now();
  bool busy_ = false;  // from the first byte of a request until its response is sent
  std::array<char, 4096> scratch_{};
};

void HttpServerState::accept() {
  acceptor_.async_accept(
      net::make_strand(io_), [this](const boost::system::error_code& ec, Tcp::socket socket) {
        if (draining_ || !acceptor_.is_open()) {
          return;
        }
        if (ec) {
          // Out of descriptors or memory: pause instead of spinning, then accept again.
          accept_retry_timer_.expires_after(accept_retry_delay);
          accept_retry_timer_.async_wait([this](const boost::system::error_code& wait_ec) {
            if (!wait_ec && !draining_) {
              accept();
            }
          });
          return;
        }
        bool room = false;
        {
          const std::lock_guard lock(mutex_);
          room = connections_.size() < limits_.max_connections;
        }
        if (room) {
          const auto connection = std::make_shared<Connection>(std::move(socket), *this);
          {
            const std::lock_guard lock(mutex_);
            connections_.emplace(connection.get(), connection);
          }
          connection->start();
        } else {
          boost::system::error_code close_ec;
          // Over the connection limit: refuse by closing; the result changes nothing.
          static_cast<void>(socket.close(close_ec));
        }
        accept();
      });
}

void HttpServerState::begin_shutdown() {
  if (draining_.exchange(true)) {
    return;
  }
  boost::system::error_code ec;
  // Closing what may already be closed: errors mean there is nothing left to stop.
  static_cast<void>(acceptor_.close(ec));
  static_cast<void>(signals_.cancel(ec));
  // A second SIGINT or SIGTERM now ends the process at once (default action).
  static_cast<void>(signals_.clear(ec));
  accept_retry_timer_.cancel();
  std::vector<std::shared_ptr<Connection>> live;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [key, weak] : connections_) {
      if (auto connection = weak.lock()) {
        live.push_back(std::move(connection));
      }
    }
  }
  for (const auto& connection : live) {
    connection->drain();
  }
  live.clear();
  bool empty = false;
  {
    const std::lock_guard lock(mutex_);
    empty = connections_.empty();
  }
  if (empty) {
    return;
  }
  grace_timer_.expires_after(limits_.shutdown_grace);
  grace_timer_.async_wait([this](const boost::system::error_code& wait_ec) {
    if (!wait_ec) {  // requests still running after the grace period: stop anyway
      io_.stop();
    }
  });
}

HttpServer::HttpServer(const std::string& address, std::uint16_t port, const HttpLimits& limits,
                       HttpHandler& handler)
    : impl_(std::make_unique<HttpServerState>(address, port, limits, handler)) {}

HttpServer::~HttpServer() = default;

std::string HttpServer::local_endpoint() const { return format_endpoint(impl_->local()); }
std::uint16_t HttpServer::port() const { return impl_->local().port(); }
void HttpServer::stop_on_termination_signals() { impl_->stop_on_termination_signals(); }
void HttpServer::run(unsigned threads) { impl_->run(threads == 0 ? 1 : threads); }
void HttpServer::stop() noexcept { impl_->stop(); }

}  // namespace saferchat::service
