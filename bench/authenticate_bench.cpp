// SPDX-License-Identifier: Apache-2.0
// `authenticate` as a browser and a child would run it, the child replaced by scripted-pinentry
// (so the figures exclude the human). Run inside a private PC/SC stack:
//   saferchat-pcsc-env --profile DIR -- authenticate_bench HOST PINENTRY PIN [RUNS]
// (bench/run_authenticate_bench.sh does this per profile). Each run starts a host, waits for
// its ready message, authenticates three times on the same host (first time, repeat, and a
// repeat with a sealKey: the token sealed to a P-256 key, docs/protocol.md §4.4), and ends it; the
// host's debug log gives the split of each authentication (APDUs, card I/O, dialog, crypto). Prints
// medians over the runs and the host's peak RSS.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "spawned_host.hpp"
#include "wire/jwe.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::getenv("PCSCLITE_CSOCK_NAME") == nullptr) {
    std::fprintf(stderr,
                 "usage: saferchat-pcsc-env --profile DIR -- "
                 "authenticate_bench HOST PINENTRY PIN [RUNS]\n");
    return 2;
  }
  const std::string host_path = argv[1];
  const int runs = argc > 4 ? std::atoi(argv[4]) : 20;
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("saferchat-auth-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "script") << "pin " << argv[3] << "\npin " << argv[3] << "\npin " << argv[3]
                                << "\n";
  ::setenv("SAFERCHAT_PINENTRY", argv[2], 1);
  ::setenv("SCRIPTED_PINENTRY_SCRIPT", (dir / "script").c_str(), 1);
  ::setenv("SAFERCHAT_LOG_LEVEL", "debug", 1);
  ::setenv("SAFERCHAT_LOG_FILE", (dir / "host.log").c_str(), 1);

  const std::string request =
      R"({"command":"authenticate","arguments":{"origin":"https://chat.example",)"
      R"("challengeNonce":"MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI+/w==","timeout":60}})";
  // The same request with a site's public sealing key, as the extension adds it.
  const saferchat::jwe::PrivateKey site_key =
      saferchat::jwe::PrivateKey::generate(saferchat::jwe::Curve::p256, "bench-site");
  const std::string sealed_request =
      R"({"command":"authenticate","arguments":{"origin":"https://chat.example",)"
      R"("challengeNonce":"MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI+/w==","timeout":60,)"
      R"("sealKey":)" +
      site_key.public_jwk().to_json().dump() + "}}";
  std::vector<double> start_ms;
  std::vector<double> first_ms;
  std::vector<double> repeat_ms;
  std::vector<double> sealed_ms;
  long peak_rss = 0;
  for (int run = 0; run < runs; ++run) {
    std::filesystem::remove(dir / "state");
    ::setenv("SCRIPTED_PINENTRY_STATE", (dir / "state").c_str(), 1);
    const auto spawned = Clock::now();
    saferchat::bench::SpawnedHost host(host_path);
    static_cast<void>(host.receive());
    start_ms.push_back(ms(Clock::now() - spawned));
    for (std::vector<double>* series : {&first_ms, &repeat_ms, &sealed_ms}) {
      const bool sealed = series == &sealed_ms;
      const auto asked = Clock::now();
      host.send(sealed ? sealed_request : request);
      const std::string reply = host.receive();
      if (reply.find(sealed ? "saferchat-sealed:1" : "\"result\"") == std::string::npos) {
        std::fprintf(stderr, "authenticate failed: %s\n", reply.c_str());
        return 1;
      }
      series->push_back(ms(Clock::now() - asked));
    }
    peak_rss = std::max(peak_rss, host.finish());
  }

  // The host's own split, from its debug lines: first, repeat and sealed repeat in turn.
  std::ifstream log(dir / "host.log");
  const std::regex split(
      R"(authenticate apdus=(\d+) bytes_sent=(\d+) bytes_received=(\d+) total_ms=([\d.]+) )"
      R"(card_io_ms=([\d.]+) dialog_ms=([\d.]+) crypto_ms=([\d.]+))");
  // A cold login's APDUs: the read ahead when the card came (its own transaction), plus the
  // first login's (which reads the card itself when it came before the read ahead).
  const std::regex read_ahead_line(R"(card read ahead apdus=(\d+))");
  const std::regex read_ahead_flag(R"( read_ahead=(\d))");
  const std::regex seal_line(R"( sealed=1 seal_ms=([\d.]+))");
  std::vector<double> seal_in_host_ms;
  std::vector<double> read_ahead_apdus;
  std::vector<double> cold_apdus;
  std::array<std::map<std::string, std::vector<double>>, 3> fields;
  std::size_t index = 0;
  for (std::string line; std::getline(log, line);) {
    std::smatch m;
    if (std::regex_search(line, m, read_ahead_line)) {
      read_ahead_apdus.push_back(std::stod(m[1].str()));
      continue;
    }
    if (std::smatch sealed; std::regex_search(line, sealed, seal_line)) {
      seal_in_host_ms.push_back(std::stod(sealed[1].str()));
    }
    std::smatch flag;
    if (index % 3 == 0 && std::regex_search(line, m, split) &&
        std::regex_search(line, flag, read_ahead_flag)) {
      const double read =
          flag[1].str() == "1" && !read_ahead_apdus.empty() ? read_ahead_apdus.back() : 0.0;
      cold_apdus.push_back(read + std::stod(m[1].str()));
    }
    if (std::regex_search(line, m, split)) {
      auto& f = fields.at(index++ % 3);
      const std::array<const char*, 7> names{"apdus",    "bytes_sent", "bytes_received",
                                             "total_ms", "card_io_ms", "dialog_ms",
                                             "crypto_ms"};
      for (std::size_t i = 0; i < names.size(); ++i) {
        f[names.at(i)].push_back(std::stod(m[i + 1].str()));
      }
    }
  }
  std::printf("runs %d, medians:\n", runs);
  std::printf("  host start to ready message      %8.2f ms\n", median(start_ms));
  std::printf("  peak RSS of the host             %8.2f MiB\n",
              static_cast<double>(peak_rss) / 1024.0);
  const std::array<const char*, 3> labels{"first", "repeat", "sealed"};
  const std::array<const std::vector<double>*, 3> seen{&first_ms, &repeat_ms, &sealed_ms};
  for (std::size_t i = 0; i < 3; ++i) {
    auto& f = fields.at(i);
    std::printf(
        "  %-6s request to token %8.2f ms (in host %.2f: card I/O %.2f, PIN dialog %.2f, "
        "crypto %.3f), %.0f APDUs, %.0f bytes sent, %.0f received\n",
        labels.at(i), median(*seen.at(i)), median(f["total_ms"]), median(f["card_io_ms"]),
        median(f["dialog_ms"]), median(f["crypto_ms"]), median(f["apdus"]), median(f["bytes_sent"]),
        median(f["bytes_received"]));
  }
  std::printf(
      "  sealing in the host: seal step %.3f ms (host log); sealed repeat - repeat %.2f ms\n",
      median(seal_in_host_ms), median(sealed_ms) - median(repeat_ms));
  std::printf("  APDUs per cold login (read ahead + first) %.0f, per warm login (repeat) %.0f\n",
              median(cold_apdus), median(fields.at(1)["apdus"]));
  std::filesystem::remove_all(dir);
  return 0;
}
