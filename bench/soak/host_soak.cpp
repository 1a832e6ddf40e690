// SPDX-License-Identifier: Apache-2.0
// Soak of the native messaging host: LOGINS authenticate requests (default 10,000) over one warm
// host connection, as a chat page kept open would send them, with the virtual card behind the
// real pcscd and scripted-pinentry answering each PIN dialog. Every REPORT logins (default
// 1,000) prints the host's resident set (VmRSS) and open descriptors; a growth beyond noise is
// a leak. Run inside a private PC/SC stack (bench/soak/run_soak.sh does this):
//   saferchat-pcsc-env --profile DIR -- host_soak HOST PINENTRY PIN [LOGINS] [REPORT]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "soak/proc_figures.hpp"
#include "spawned_host.hpp"

namespace {

// base64 (RFC 4648 §4) of a 32-byte text carrying the login's number: a distinct nonce each time.
std::string nonce_for(long login) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char raw[64] = {};  // "saferchat-soak-login-" and 11 digits: 32 bytes
  std::snprintf(raw, sizeof raw, "saferchat-soak-login-%011lu", static_cast<unsigned long>(login));
  std::string out;
  for (std::size_t i = 0; i < 32; i += 3) {
    const std::size_t left = 32 - i;
    const unsigned b0 = static_cast<unsigned char>(raw[i]);
    const unsigned b1 = left > 1 ? static_cast<unsigned char>(raw[i + 1]) : 0U;
    const unsigned b2 = left > 2 ? static_cast<unsigned char>(raw[i + 2]) : 0U;
    const unsigned v = (b0 << 16U) | (b1 << 8U) | b2;
    out.push_back(alphabet[(v >> 18U) & 63U]);
    out.push_back(alphabet[(v >> 12U) & 63U]);
    out.push_back(left > 1 ? alphabet[(v >> 6U) & 63U] : '=');
    out.push_back(left > 2 ? alphabet[v & 63U] : '=');
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::getenv("PCSCLITE_CSOCK_NAME") == nullptr) {
    std::fprintf(stderr,
                 "usage: saferchat-pcsc-env --profile DIR -- "
                 "host_soak HOST PINENTRY PIN [LOGINS] [REPORT]\n");
    return 2;
  }
  const long logins = argc > 4 ? std::atol(argv[4]) : 10'000;
  const long report = argc > 5 ? std::atol(argv[5]) : 1'000;
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("saferchat-host-soak-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream script(dir / "script");
    for (long i = 0; i < logins; ++i) {
      script << "pin " << argv[3] << "\n";
    }
  }
  ::setenv("SAFERCHAT_PINENTRY", argv[2], 1);
  ::setenv("SCRIPTED_PINENTRY_SCRIPT", (dir / "script").c_str(), 1);
  ::setenv("SCRIPTED_PINENTRY_STATE", (dir / "state").c_str(), 1);

  saferchat::bench::SpawnedHost host(argv[1]);
  static_cast<void>(host.receive());  // ready
  const auto started = std::chrono::steady_clock::now();
  std::printf("%8s %10s %8s %8s %10s\n", "logins", "rss_kib", "fds", "failed", "logins/s");
  std::printf("%8d %10ld %8ld %8d %10s\n", 0, saferchat::bench::rss_kib(host.pid()),
              saferchat::bench::open_descriptors(host.pid()), 0, "-");
  long failed = 0;
  for (long login = 1; login <= logins; ++login) {
    host.send(R"({"command":"authenticate","arguments":{"origin":"https://chat.example",)"
              R"("challengeNonce":")" +
              nonce_for(login) + R"(","timeout":60}})");
    const std::string reply = host.receive();
    if (reply.find("\"result\"") == std::string::npos) {
      ++failed;
      if (failed <= 3) {
        std::fprintf(stderr, "login %ld failed: %s\n", login, reply.c_str());
      }
    }
    if (login % report == 0) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::printf("%8ld %10ld %8ld %8ld %10.1f\n", login, saferchat::bench::rss_kib(host.pid()),
                  saferchat::bench::open_descriptors(host.pid()), failed,
                  static_cast<double>(login) / seconds);
      std::fflush(stdout);
    }
  }
  std::printf("peak RSS %.1f MiB\n", static_cast<double>(host.finish()) / 1024.0);
  std::filesystem::remove_all(dir);
  return failed == 0 ? 0 : 1;
}
