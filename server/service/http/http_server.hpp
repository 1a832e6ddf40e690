// SPDX-License-Identifier: Apache-2.0
// saferchatd's transport: an HTTP/1.1 server (Boost.Beast over Asio) with keep-alive, size
// limits and per-connection timeouts. It knows nothing of the API: each complete request goes
// to an HttpHandler, and the handler's response goes back. Beast stays inside http_server.cpp
// (compile time); this header only has the standard library.
//
// Threads: run(n) serves with n threads on one io_context; each connection's work runs on its
// own strand, so a handler runs concurrently for different connections, never twice at once
// for one connection. Handlers run inline on the worker thread (verification is CPU-bound and
// fast), except requests the handler calls slow (those that may wait on the network, such as
// revocation fetches): they run on a pool of limits.slow_threads threads of their own, so that
// a silent OCSP or CRL server never holds the workers that answer everything else.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace saferchat::service {

struct HttpLimits {
  std::size_t max_body_bytes = std::size_t{16} * 1024;
  std::size_t max_header_bytes = std::size_t{8} * 1024;  // request line and header fields
  // A request must arrive completely within this time of its first byte (slowloris).
  std::chrono::milliseconds read_timeout{10'000};
  // A keep-alive connection may wait this long for the first byte of its next request.
  std::chrono::milliseconds idle_timeout{10'000};
  // A response must be taken by the client within this time.
  std::chrono::milliseconds write_timeout{10'000};
  // Connections above this number are closed as soon as they are accepted.
  std::size_t max_connections = 1024;
  // Threads for slow requests (HttpHandler::slow), apart from the workers.
  std::size_t slow_threads = 16;
  // On shutdown: how long requests in progress may take before the server stops anyway.
  std::chrono::milliseconds shutdown_grace{5'000};
};

struct HttpRequest {
  std::string_view method;        // as sent: "POST"
  std::string_view target;        // as sent: "/v1/verify?x=1"
  std::string_view content_type;  // the Content-Type field, empty when absent
  std::string_view body;
};

struct HttpResponse {
  unsigned status = 200;
  std::string body;           // JSON, sent with Content-Type: application/json
  std::string allow;          // the Allow field (405 responses), empty for none
  std::string cache_control;  // empty: "no-store"
  std::string reason;         // for the access log only: a verdict reason or error code
  std::string detail;         // for the access log only: what exactly failed
};

// Failures the transport meets before a request is complete; the handler turns them into a
// response body. After such a response the connection is closed.
enum class TransportFailure : std::uint8_t {
  malformed_request,  // the HTTP parser refused the bytes
  body_too_large,     // Content-Length or chunks above max_body_bytes
  headers_too_large,  // above max_header_bytes
  handler_failed,     // HttpHandler::handle threw
};

// One finished exchange, for the access log. `method`/`target` are "-" when unknown.
struct ExchangeRecord {
  std::string_view method;
  std::string_view target;
  unsigned status = 0;  // 0: no response was sent (timeout, connection lost)
  std::string_view reason;
  std::string_view detail;
  std::chrono::microseconds duration{};  // from the complete request to the response sent
  std::string_view peer;                 // "127.0.0.1:53412"
};

class HttpHandler {
 public:
  HttpHandler() = default;
  HttpHandler(const HttpHandler&) = delete;
  HttpHandler& operator=(const HttpHandler&) = delete;
  HttpHandler(HttpHandler&&) = delete;
  HttpHandler& operator=(HttpHandler&&) = delete;
  virtual ~HttpHandler() = default;

  // Called concurrently from worker threads. Should not throw; if it does, the client gets
  // failure(handler_failed).
  virtual HttpResponse handle(const HttpRequest& request) = 0;
  // True if handle() may wait on the network for this request: it then runs on the slow pool.
  [[nodiscard]] virtual bool slow(const HttpRequest& /*request*/) const noexcept { return false; }
  virtual HttpResponse failure(TransportFailure failure) noexcept = 0;
  // Called once per exchange, also for timeouts (status 0), concurrently.
  virtual void exchanged(const ExchangeRecord& record) noexcept = 0;
};

class HttpServerState;  // http_server.cpp

class HttpServer {
 public:
  // Binds and listens on `address` (an IPv4 or IPv6 literal) and `port` (0: any free port).
  // Throws std::system_error naming the address when that fails.
  HttpServer(const std::string& address, std::uint16_t port, const HttpLimits& limits,
             HttpHandler& handler);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  HttpServer(HttpServer&&) = delete;
  HttpServer& operator=(HttpServer&&) = delete;
  ~HttpServer();

  // The bound address, e.g. "127.0.0.1:8470" or "[::1]:8470".
  [[nodiscard]] std::string local_endpoint() const;
  [[nodiscard]] std::uint16_t port() const;

  // From now on SIGINT and SIGTERM call stop() (a signal that arrives before run() is kept
  // until run() starts).
  void stop_on_termination_signals();
  // Serves with `threads` threads (the caller's included) until stop(). Then stops accepting,
  // lets requests in progress finish (at most limits.shutdown_grace), closes idle connections
  // and returns.
  void run(unsigned threads);
  // Starts the shutdown above; any thread, any time (also before run()).
  void stop() noexcept;

 private:
  std::unique_ptr<HttpServerState> impl_;
};

}  // namespace saferchat::service
