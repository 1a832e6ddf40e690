// SPDX-License-Identifier: Apache-2.0
#include "revocation/http_fetch.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/http.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "store/sigpipe_guard.hpp"

namespace saferchat::revocation {
namespace {

struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct UrlParts {
  std::string host;
  std::string port;
  std::string path;  // with the query, if any
};

std::optional<UrlParts> parse_http_url(const std::string& url) {
  int use_ssl = 0;
  char* host = nullptr;
  char* port = nullptr;
  char* path = nullptr;
  char* query = nullptr;
  if (OSSL_HTTP_parse_url(url.c_str(), &use_ssl, nullptr, &host, &port, nullptr, &path, &query,
                          nullptr) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::optional<UrlParts> parts;
  if (use_ssl == 0 && url.starts_with("http://")) {
    parts = UrlParts{host, port, path};
    if (query != nullptr) {
      parts->path += "?";
      parts->path += query;
    }
  }
  OPENSSL_free(host);
  OPENSSL_free(port);
  OPENSSL_free(path);
  OPENSSL_free(query);
  return parts;
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<long long>(0, left.count()));
}

// One connection attempt per address, non-blocking, bounded by `deadline`. (OpenSSL's own
// connect retries a refused connection until its timeout; a responder that is down must fail
// at once.) Returns a non-blocking socket; throws std::runtime_error.
using AddressList = std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)>;

// getaddrinfo has no time limit (a silent DNS server holds it for the resolver's own timeouts,
// retries and search domains): it runs on a thread of its own while we wait until `deadline`;
// after that the thread is left to finish alone and frees what it found.
AddressList resolve(const UrlParts& parts, std::chrono::steady_clock::time_point deadline) {
  struct Lookup {
    std::mutex mutex;
    std::condition_variable done_signal;
    bool done = false;
    bool abandoned = false;
    int status = 0;
    addrinfo* found = nullptr;
  };
  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, host = parts.host, port = parts.port] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int status = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
    const std::scoped_lock lock(lookup->mutex);
    if (lookup->abandoned) {
      if (found != nullptr) {
        ::freeaddrinfo(found);
      }
      return;
    }
    lookup->status = status;
    lookup->found = found;
    lookup->done = true;
    lookup->done_signal.notify_one();
  }).detach();
  std::unique_lock lock(lookup->mutex);
  if (!lookup->done_signal.wait_until(lock, deadline, [&] { return lookup->done; })) {
    lookup->abandoned = true;
    throw std::runtime_error("cannot resolve " + parts.host + ": no answer within the timeout");
  }
  if (lookup->status != 0) {
    throw std::runtime_error("cannot resolve " + parts.host + ": " +
                             ::gai_strerror(lookup->status));
  }
  return {lookup->found, ::freeaddrinfo};
}

int connect_socket(const UrlParts& parts, std::chrono::steady_clock::time_point deadline) {
  const AddressList addresses = resolve(parts, deadline);
  addrinfo* found = addresses.get();
  std::string error = "no address";
  for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
    const int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                            address->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    int result = ::connect(fd, address->ai_addr, address->ai_addrlen);
    if (result != 0 && errno == EINPROGRESS) {
      pollfd wait{fd, POLLOUT, 0};
      if (::poll(&wait, 1, remaining_ms(deadline)) == 1) {
        int socket_error = 0;
        socklen_t length = sizeof socket_error;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &socket_error, &length);
        errno = socket_error;
        result = socket_error == 0 ? 0 : -1;
      } else {
        errno = ETIMEDOUT;
      }
    }
    if (result == 0) {
      return fd;
    }
    error = std::strerror(errno);
    ::close(fd);
  }
  throw std::runtime_error("cannot connect to " + parts.host + ":" + parts.port + ": " + error);
}

// One exchange on a connection of our own, all within `deadline`.
std::vector<std::uint8_t> exchange(const std::string& url, const UrlParts& parts,
                                   std::chrono::steady_clock::time_point deadline,
                                   std::optional<std::string_view> content_type, BIO* request,
                                   std::string_view expected_content_type, std::size_t max_bytes) {
  const int fd = connect_socket(parts, deadline);
  const BioPtr connection(BIO_new_socket(fd, BIO_CLOSE));
  if (!connection) {
    ::close(fd);
    throw std::runtime_error("BIO_new_socket failed");
  }
  // OSSL_HTTP_transfer counts whole seconds (0 = none): what is left, rounded up, at least 1.
  const int seconds = std::max(1, (remaining_ms(deadline) + 999) / 1000);
  const std::string content_type_text(content_type.value_or(""));
  const std::string expected(expected_content_type);
  ERR_clear_error();
  const store::SigpipeGuard no_sigpipe;  // a responder that hangs up must not kill us
  // Our connected socket as both `bio` and `rbio`: OpenSSL neither connects nor uses a proxy.
  BioPtr response(OSSL_HTTP_transfer(
      nullptr, parts.host.c_str(), parts.port.c_str(), parts.path.c_str(), /*use_ssl=*/0,
      /*proxy=*/nullptr, /*no_proxy=*/nullptr, /*bio=*/connection.get(), /*rbio=*/connection.get(),
      /*bio_update_fn=*/nullptr, /*arg=*/nullptr, /*buf_size=*/0, /*headers=*/nullptr,
      content_type ? content_type_text.c_str() : nullptr, request,
      expected.empty() ? nullptr : expected.c_str(), /*expect_asn1=*/1, max_bytes, seconds,
      /*keep_alive=*/0));
  if (!response) {
    throw std::runtime_error("HTTP exchange with " + url + " failed: " + openssl_error_text());
  }
  std::vector<std::uint8_t> out;
  std::array<std::uint8_t, 4096> buffer{};
  while (true) {
    const int n = BIO_read(response.get(), buffer.data(), static_cast<int>(buffer.size()));
    if (n <= 0) {
      break;
    }
    out.insert(out.end(), buffer.begin(), buffer.begin() + n);
    if (out.size() > max_bytes) {
      throw std::runtime_error("HTTP response from " + url + " larger than the limit");
    }
  }
  ERR_clear_error();
  return out;
}

constexpr std::size_t max_in_flight_per_responder = 4;
constexpr std::size_t max_in_flight = 32;
constexpr std::chrono::seconds rest_after_timeout{30};

// Per responder (host:port), process-wide: at most max_in_flight_per_responder exchanges at
// once, max_in_flight in all, and after an exchange that ran out of time (DNS, connect or
// answer) none for rest_after_timeout. A login that needs a silent responder waits at most one
// timeout, and only a few logins do: the others that need it are told at once, and logins that
// need other responders (or none) never wait behind it.
class ResponderGate {
 public:
  // Throws std::runtime_error when `responder` is resting or busy, or all fetches are.
  void enter(const std::string& responder) {
    const std::scoped_lock lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    State& state = responders_[responder];
    if (now < state.resting_until) {
      throw std::runtime_error(responder + " did not answer in time lately; not asked again for " +
                               std::to_string(rest_after_timeout.count()) + " s");
    }
    if (state.in_flight >= max_in_flight_per_responder) {
      throw std::runtime_error(responder + " already has " +
                               std::to_string(max_in_flight_per_responder) +
                               " requests in progress");
    }
    if (total_ >= max_in_flight) {
      throw std::runtime_error("too many revocation fetches in progress (" +
                               std::to_string(max_in_flight) + ")");
    }
    ++state.in_flight;
    ++total_;
  }
  void leave(const std::string& responder, bool timed_out) noexcept {
    const std::scoped_lock lock(mutex_);
    State& state = responders_[responder];
    --state.in_flight;
    --total_;
    if (timed_out) {
      state.resting_until = std::chrono::steady_clock::now() + rest_after_timeout;
    }
    if (state.in_flight == 0 && !timed_out &&
        state.resting_until <= std::chrono::steady_clock::now()) {
      responders_.erase(responder);  // keeps the map as small as the responders in use
    }
  }

 private:
  struct State {
    std::size_t in_flight = 0;
    std::chrono::steady_clock::time_point resting_until{};
  };
  std::mutex mutex_;
  std::map<std::string, State> responders_;
  std::size_t total_ = 0;
};

ResponderGate& responder_gate() {
  static ResponderGate gate;
  return gate;
}

}  // namespace

std::string openssl_error_text() {
  const unsigned long error = ERR_peek_last_error();
  ERR_clear_error();
  if (error == 0) {
    return "no OpenSSL error";
  }
  std::array<char, 256> text{};
  ERR_error_string_n(error, text.data(), text.size());
  return text.data();
}

bool is_http_url(const std::string& url) { return parse_http_url(url).has_value(); }

std::vector<std::uint8_t> http_exchange(const std::string& url,
                                        std::optional<std::string_view> content_type,
                                        std::span<const std::uint8_t> body,
                                        std::string_view expected_content_type,
                                        std::chrono::milliseconds timeout, std::size_t max_bytes) {
  const std::optional<UrlParts> parts = parse_http_url(url);
  if (!parts) {
    throw std::runtime_error("not an http:// URL: " + url);
  }
  BioPtr request;
  if (content_type) {
    request.reset(BIO_new_mem_buf(body.data(), static_cast<int>(body.size())));
    if (!request) {
      throw std::runtime_error("BIO_new_mem_buf failed");
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string responder = parts->host + ":" + parts->port;
  responder_gate().enter(responder);
  try {
    std::vector<std::uint8_t> out = exchange(url, *parts, deadline, content_type, request.get(),
                                             expected_content_type, max_bytes);
    responder_gate().leave(responder, false);
    return out;
  } catch (...) {
    // Out of time (a silent DNS server or responder), as opposed to a quick refusal.
    const bool timed_out =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(50) >= deadline;
    responder_gate().leave(responder, timed_out);
    throw;
  }
}

}  // namespace saferchat::revocation
