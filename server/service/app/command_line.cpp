// SPDX-License-Identifier: Apache-2.0
#include "service/app/command_line.hpp"

namespace saferchat::service {

const std::string_view saferchatd_usage =
    R"(Usage: saferchatd --config FILE [--listen IP:PORT] [--port-file FILE] [--check-config]
       saferchatd --help | --version

The Safer Chat verification service: a chat provider's backend asks it for challenge nonces
(POST /v1/challenge) and for verdicts on the tokens children's browsers return
(POST /v1/verify). GET /healthz reports whether it and its nonce store are up.

  --config FILE     the configuration (JSON; see saferchatd.example.json)
  --listen IP:PORT  listen here instead of the file's "listen" (port 0: any free port)
  --port-file FILE  once listening, write the port number to FILE
  --check-config    read the configuration and every file it names, then exit
                    (0: usable; 2: not, with the reason on standard error)
  --help            print this text
  --version         print the version

Once listening it prints "listening on IP:PORT" on standard output. SIGINT or SIGTERM
stops it: no new connections, requests in progress finish, then it exits with status 0.
Exit status 1: it could not start (address in use, ...); 2: bad command line or configuration.
)";

CommandLine parse_command_line(const std::vector<std::string_view>& args) {
  CommandLine out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        throw UsageError(std::string(arg) + " needs a value");
      }
      return std::string(args[++i]);
    };
    if (arg == "--help" || arg == "-h") {
      out.help = true;
    } else if (arg == "--version") {
      out.version = true;
    } else if (arg == "--check-config") {
      out.check_config = true;
    } else if (arg == "--config") {
      out.config_path = value();
    } else if (arg == "--listen") {
      out.listen = value();
    } else if (arg == "--port-file") {
      out.port_file = value();
    } else {
      throw UsageError("unknown argument: " + std::string(arg));
    }
  }
  if (!out.help && !out.version && out.config_path.empty()) {
    throw UsageError("--config FILE is required");
  }
  return out;
}

}  // namespace saferchat::service
