// SPDX-License-Identifier: Apache-2.0
// The demo chat's client for saferchatd (its HTTP API: POST /v1/challenge, POST /v1/verify):
// one HTTP/1.1 request per call over a fresh TCP connection, with a deadline. Beast stays in
// the .cpp file.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace saferchat::demo::net {

struct HttpReply {
  bool reached = false;  // false: no HTTP answer (refused, timeout, broken); `error` says why
  std::string error;
  unsigned status = 0;
  std::string body;
};

class SaferchatdClient {
 public:
  // `base_url`: "http://127.0.0.1:8390" (plain HTTP on the provider's own machine or network).
  // Throws std::invalid_argument for anything else.
  SaferchatdClient(boost::asio::io_context& io, const std::string& base_url,
                   std::chrono::milliseconds timeout = std::chrono::seconds(15));

  // POSTs `json_body` to `path` ("/v1/verify"); `done` runs on the io_context's thread.
  void post(const std::string& path, std::string json_body,
            std::function<void(HttpReply)> done) const;

 private:
  boost::asio::io_context& io_;
  std::string host_;
  std::string port_;
  std::chrono::milliseconds timeout_;
};

}  // namespace saferchat::demo::net
