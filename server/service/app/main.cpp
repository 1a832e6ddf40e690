// SPDX-License-Identifier: Apache-2.0
// saferchatd: the composition root. Reads the command line and the configuration, builds the
// verifier and its store, and serves HTTP until SIGINT or SIGTERM.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "service/api/service_config.hpp"
#include "service/app/access_log.hpp"
#include "service/app/command_line.hpp"
#include "service/app/service_handler.hpp"
#include "service/app/service_setup.hpp"
#include "service/http/http_server.hpp"
#include "service/version.hpp"

namespace saferchat::service {
namespace {

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

HttpLimits http_limits(const LimitSettings& limits) {
  HttpLimits out;
  out.max_body_bytes = limits.max_body_bytes;
  out.max_header_bytes = limits.max_header_bytes;
  out.read_timeout = limits.read_timeout;
  out.idle_timeout = limits.idle_timeout;
  out.write_timeout = limits.write_timeout;
  out.max_connections = limits.max_connections;
  return out;
}

bool write_port_file(const std::string& path, std::uint16_t port) {
  // Written under a temporary name, then renamed: a reader never sees half a number.
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) {
      return false;
    }
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

int run(const std::vector<std::string_view>& args) {
  CommandLine options;
  try {
    options = parse_command_line(args);
  } catch (const UsageError& e) {
    std::cerr << "saferchatd: " << e.what() << "\n\n" << saferchatd_usage;
    return exit_usage;
  }
  if (options.help) {
    std::cout << saferchatd_usage;
    return 0;
  }
  if (options.version) {
    std::cout << "saferchatd " << saferchatd_version << "\n";
    return 0;
  }

  const AccessLog log(STDERR_FILENO);
  ServiceConfig config;
  ServiceParts parts;
  try {
    config = load_service_config(options.config_path);
    if (options.listen) {
      parse_listen_endpoint(*options.listen, "--listen", config.listen_address, config.listen_port);
    }
    parts = build_service(config);
  } catch (const ConfigError& e) {
    std::cerr << "saferchatd: " << e.what() << "\n";
    return exit_usage;
  }
  if (options.check_config) {
    std::cout << "saferchatd: configuration " << options.config_path << " is usable ("
              << describe(config) << ")\n";
    return 0;
  }

  ServiceHandler handler(config, parts.verifier, parts.probe, log);
  std::optional<HttpServer> server;
  try {
    server.emplace(config.listen_address, config.listen_port, http_limits(config.limits), handler);
  } catch (const std::system_error& e) {
    std::cerr << "saferchatd: " << e.what() << "\n";
    return exit_failure;
  }
  unsigned threads = config.threads;
  if (threads == 0) {
    threads = std::max(1U, std::thread::hardware_concurrency());
  }
  const std::string endpoint = server->local_endpoint();
  if (!options.port_file.empty() && !write_port_file(options.port_file, server->port())) {
    std::cerr << "saferchatd: cannot write the port file " << options.port_file << "\n";
    return exit_failure;
  }
  server->stop_on_termination_signals();
  log.info("started version=" + std::string(saferchatd_version) + " listen=" + endpoint +
           " threads=" + std::to_string(threads) + " " + describe(config));
  std::cout << "listening on " << endpoint << std::endl;  // flushed: tests and scripts wait for it

  server->run(threads);
  log.info("stopped");
  return 0;
}

}  // namespace
}  // namespace saferchat::service

int main(int argc, char** argv) {
  // A client that goes away must give EPIPE on our socket, not kill the service.
  static_cast<void>(std::signal(SIGPIPE, SIG_IGN));
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  try {
    return saferchat::service::run(args);
  } catch (const std::exception& e) {
    std::cerr << "saferchatd: " << e.what() << "\n";
    return 1;
  }
}
