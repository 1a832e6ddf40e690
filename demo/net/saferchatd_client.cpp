// SPDX-License-Identifier: Apache-2.0
#include "net/saferchatd_client.hpp"

#include <stdexcept>
#include <utility>

// Asio's scheduler, inlined here, trips GCC 12's -Wnull-dereference (a thread-info pointer it
// knows to be set); the warning stays on for this project's own code below.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop

namespace saferchat::demo::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Tcp = asio::ip::tcp;
using ErrorCode = beast::error_code;

constexpr std::size_t max_reply_bytes = std::size_t{64} * 1024;

class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(asio::io_context& io, std::chrono::milliseconds timeout,
           std::function<void(HttpReply)> done)
      : resolver_(io), stream_(io), timeout_(timeout), done_(std::move(done)) {}

  void run(const std::string& host, const std::string& port, const std::string& path,
           std::string body) {
    request_.method(http::verb::post);
    request_.target(path);
    request_.version(11);
    request_.set(http::field::host, host + ":" + port);
    request_.set(http::field::user_agent, "saferchat-demo-chat");
    request_.set(http::field::content_type, "application/json");
    request_.set(http::field::accept, "application/json");
    request_.keep_alive(false);
    request_.body() = std::move(body);
    request_.prepare_payload();
    resolver_.async_resolve(
        host, port,
        [self = shared_from_this()](ErrorCode ec, const Tcp::resolver::results_type& results) {
          self->on_resolve(ec, results);
        });
  }

 private:
  void on_resolve(ErrorCode ec, const Tcp::resolver::results_type& results) {
    if (ec) {
      fail("resolve: " + ec.message());
      return;
    }
    stream_.expires_after(timeout_);  // one deadline for the whole exchange
    stream_.async_connect(
        results, [self = shared_from_this()](ErrorCode connect_ec, const Tcp::endpoint& /*peer*/) {
          if (connect_ec) {
            self->fail("connect: " + connect_ec.message());
            return;
          }
          self->write();
        });
  }

  void write() {
    http::async_write(stream_, request_,
                      [self = shared_from_this()](ErrorCode ec, std::size_t /*bytes*/) {
                        if (ec) {
                          self->fail("write: " + ec.message());
                          return;
                        }
                        self->read();
                      });
  }

  void read() {
    parser_.body_limit(max_reply_bytes);
    http::async_read(
        stream_, buffer_, parser_,
        [self = shared_from_this()](ErrorCode ec, std::size_t /*bytes*/) {
          if (ec) {
            self->fail("read: " + ec.message());
            return;
          }
          ErrorCode ignored;  // the exchange is complete either way
          self->stream_.socket().shutdown(Tcp::socket::shutdown_both, ignored);
          const auto& reply = self->parser_.get();
          self->done_(HttpReply{
              .reached = true, .error = {}, .status = reply.result_int(), .body = reply.body()});
        });
  }

  void fail(std::string why) {
    done_(HttpReply{.reached = false, .error = std::move(why), .status = 0, .body = {}});
  }

  Tcp::resolver resolver_;
  beast::tcp_stream stream_;
  std::chrono::milliseconds timeout_;
  std::function<void(HttpReply)> done_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
};

}  // namespace

SaferchatdClient::SaferchatdClient(asio::io_context& io, const std::string& base_url,
                                   std::chrono::milliseconds timeout)
    : io_(io), timeout_(timeout) {
  constexpr std::string_view scheme = "http://";
  if (!base_url.starts_with(scheme)) {
    throw std::invalid_argument("saferchatd URL must start with http://: " + base_url);
  }
  std::string authority = base_url.substr(scheme.size());
  if (!authority.empty() && authority.back() == '/') {
    authority.pop_back();
  }
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == authority.size() ||
      authority.find('/') != std::string::npos) {
    throw std::invalid_argument("saferchatd URL must be http://HOST:PORT: " + base_url);
  }
  host_ = authority.substr(0, colon);
  port_ = authority.substr(colon + 1);
}

void SaferchatdClient::post(const std::string& path, std::string json_body,
                            std::function<void(HttpReply)> done) const {
  std::make_shared<Exchange>(io_, timeout_, std::move(done))
      ->run(host_, port_, path, std::move(json_body));
}

}  // namespace saferchat::demo::net
