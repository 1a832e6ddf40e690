// SPDX-License-Identifier: Apache-2.0
// saferchat-demo-chat: the demo chat site (demo/README.md). Serves the page, its API and the
// room's WebSocket over HTTPS, and asks saferchatd to check every card login.
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Asio's scheduler, inlined here, trips GCC 12's -Wnull-dereference (a thread-info pointer it
// knows to be set); the warning stays on for this project's own code below.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#pragma GCC diagnostic pop

#include "app/chat_service.hpp"
#include "chat/http_rules.hpp"
#include "net/https_server.hpp"
#include "net/saferchatd_client.hpp"
#include "net/static_files.hpp"

namespace saferchat::demo {
namespace {

constexpr std::string_view usage =
    R"(Usage: saferchat-demo-chat --cert FILE --key FILE --saferchatd URL [options]

The Safer Chat demo chat: rooms by age that children enter with their ID card.

  --cert FILE          TLS certificate (PEM) for https
  --key FILE           its private key (PEM)
  --saferchatd URL     the verifier service, http://HOST:PORT
  --listen ADDRESS     IP address to listen on (default 127.0.0.1)
  --port N             TCP port (default 8443; 0 picks a free one)
  --origin ORIGIN      the public origin the page is opened at (default https://localhost:PORT);
                       the card signs for it and only its requests are served
  --web-dir DIR        the page's files (default: demo/web of the source tree)
  --page-api-dir DIR   the page API's files, served under /page-api/ (the extension build's
                       page-api folder)
  --help

Prints "listening https://…" and then "ready" on standard output once it serves; a log line per
join and message (with the member's pseudonym, for moderators) on standard error. SIGINT or
SIGTERM stops it.
)";

struct Options {
  std::string cert;
  std::string key;
  std::string saferchatd;
  std::string listen = "127.0.0.1";
  std::uint16_t port = 8443;
  std::optional<std::string> origin;
  std::string web_dir = SAFERCHAT_DEMO_WEB_DIR;
  std::optional<std::string> page_api_dir;
};

[[noreturn]] void die(std::string_view message) {
  std::cerr << "saferchat-demo-chat: " << message << "\n";
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options options;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        die(std::string(arg) + " needs a value");
      }
      return std::string(args[++i]);
    };
    if (arg == "--help") {
      std::cout << usage;
      std::exit(0);
    } else if (arg == "--cert") {
      options.cert = value();
    } else if (arg == "--key") {
      options.key = value();
    } else if (arg == "--saferchatd") {
      options.saferchatd = value();
    } else if (arg == "--listen") {
      options.listen = value();
    } else if (arg == "--port") {
      const std::string text = value();
      char* end = nullptr;
      const unsigned long port = std::strtoul(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || port > 65535) {
        die("--port: not a port number: " + text);
      }
      options.port = static_cast<std::uint16_t>(port);
    } else if (arg == "--origin") {
      options.origin = value();
    } else if (arg == "--web-dir") {
      options.web_dir = value();
    } else if (arg == "--page-api-dir") {
      options.page_api_dir = value();
    } else {
      die("unknown option " + std::string(arg) + " (see --help)");
    }
  }
  if (options.cert.empty() || options.key.empty() || options.saferchatd.empty()) {
    die("--cert, --key and --saferchatd are required (see --help)");
  }
  return options;
}

// 256 random bits, base64url without padding (RFC 4648 §5): 43 characters.
std::string random_token() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string token;
  std::uint32_t bits = 0;
  int count = 0;
  for (const unsigned char byte : bytes) {
    bits = (bits << 8U) | byte;
    count += 8;
    while (count >= 6) {
      count -= 6;
      token += alphabet[(bits >> static_cast<unsigned>(count)) & 0x3FU];
    }
  }
  if (count > 0) {
    token += alphabet[(bits << static_cast<unsigned>(6 - count)) & 0x3FU];
  }
  return token;
}

int run(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  boost::asio::io_context io;

  net::StaticFiles files;
  files.add_folder(options.web_dir, "/");
  if (options.page_api_dir) {
    files.add_folder(*options.page_api_dir, "/page-api/");
  }
  const net::SaferchatdClient saferchatd(io, options.saferchatd);

  net::ServerOptions server_options;
  server_options.address = options.listen;
  server_options.port = options.port;
  server_options.certificate_file = options.cert;
  server_options.private_key_file = options.key;
  net::HttpsServer server(io, server_options);
  const std::string origin =
      options.origin.value_or("https://localhost:" + std::to_string(server.port()));
  ChatService service(
      origin, std::move(files), saferchatd, random_token,
      [](std::string_view line) { std::clog << "saferchat-demo-chat: " << line << std::endl; });

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& /*ec*/, int /*signal*/) {
    server.stop();
    io.stop();
  });
  // CSP (W3C CSP 3): scripts, styles and connections only from the chat itself.
  server.start(service,
               "default-src 'none'; script-src 'self'; style-src 'self'; "
               "img-src 'self' data:; connect-src 'self' " +
                   websocket_origin(origin) +
                   "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  std::cout << "listening " << origin << "\nready" << std::endl;
  io.run();
  return 0;
}

}  // namespace
}  // namespace saferchat::demo

int main(int argc, char** argv) {
  try {
    return saferchat::demo::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "saferchat-demo-chat: " << e.what() << "\n";
    return 1;
  }
}
