// SPDX-License-Identifier: Apache-2.0
// One client floods saferchatd's POST /v1/challenge while another child logs in (issue 15 §2):
// the flood must run into its own cap (429 TOO_MANY_CHALLENGES) and the other child's login
// (challenge → token signed with the TEST card kid-9's key → verify) must still be accepted.
// Starts the real saferchatd (in-memory store, default caps: 10 per session, 100 per client).
//
//   challenge_flood_bench [--flooders N] [--seconds S] [--vary-sessions 0|1]
//
// Prints, for a run without the flood and one with it: the flood's rate and its answers (200,
// 429, other), and the other children's logins, one after another (count, accepted, latency
// p50/p99/max of the two requests, without the client's signing).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/support/http_client.hpp"
#include "service/support/saferchatd_fixture.hpp"
#include "service/support/test_token.hpp"

namespace {

using saferchat::testing::HttpConnection;
using saferchat::testing::Saferchatd;
using saferchat::testing::TempDir;
using saferchat::testing::TestCard;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
  int flooders = 4;
  double seconds = 5;
  bool vary_sessions = true;  // a new session per request (only the per-client cap holds it)
};

struct FloodFigures {
  std::size_t ok = 0;
  std::size_t refused_429 = 0;
  std::size_t other = 0;
  std::size_t first_429_after = 0;  // how many were issued before the first 429
};

struct LoginFigures {
  std::size_t attempts = 0;
  std::size_t accepted = 0;
  std::vector<double> latencies_ms;
};

double percentile(std::vector<double> values, double p) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[index];
}

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

void run(const Options& options, const TestCard& card, bool flood) {
  TempDir dir;
  json config = saferchat::testing::test_config(dir);
  config["limits"] = {{"maxConnections", 4096}};
  const Saferchatd server(config, dir);
  const std::string origin = saferchat::testing::test_origin;

  std::atomic<bool> stop{false};
  std::atomic<std::size_t> issued{0};
  FloodFigures flood_figures;
  std::mutex mutex;
  std::vector<std::thread> flooders;
  const auto start = Clock::now();
  if (flood) {
    for (int f = 0; f < options.flooders; ++f) {
      flooders.emplace_back([&, f] {
        HttpConnection connection(server.port());
        FloodFigures mine;
        std::size_t n = 0;
        while (!stop) {
          json body = {{"client", "203.0.113.7"}};
          body["session"] = options.vary_sessions
                                ? "flood-" + std::to_string(f) + "-" + std::to_string(n++)
                                : std::string("flood");
          const auto reply = connection.post("/v1/challenge", body);
          if (reply.status == 200) {
            ++mine.ok;
            ++issued;
          } else if (reply.status == 429) {
            if (mine.refused_429 == 0 && mine.first_429_after == 0) {
              mine.first_429_after = issued.load();
            }
            ++mine.refused_429;
          } else {
            ++mine.other;
          }
        }
        const std::lock_guard lock(mutex);
        flood_figures.ok += mine.ok;
        flood_figures.refused_429 += mine.refused_429;
        flood_figures.other += mine.other;
        if (mine.first_429_after != 0 && (flood_figures.first_429_after == 0 ||
                                          mine.first_429_after < flood_figures.first_429_after)) {
          flood_figures.first_429_after = mine.first_429_after;
        }
      });
    }
    // Let the flood reach its cap before the child comes.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }

  // Other children: one login after another, each its own session and client (the cap counts a
  // client's challenges until they expire, used or not, so one client logging in thousands of
  // times would meet its own cap).
  LoginFigures logins;
  {
    HttpConnection connection(server.port());
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(options.seconds));
    int n = 0;
    while (Clock::now() < deadline) {
      const std::string session = "child-" + std::to_string(n++);
      auto begin = Clock::now();
      const auto challenge = connection.post(
          "/v1/challenge", json{{"session", session}, {"client", "child-" + std::to_string(n)}});
      double spent = elapsed_ms(begin);
      ++logins.attempts;
      if (challenge.status != 200) {
        continue;
      }
      const std::string nonce = challenge.json().at("challengeNonce").get<std::string>();
      const json body = {{"token", card.token(origin, nonce)},
                         {"challengeNonce", nonce},
                         {"origin", origin},
                         {"session", session},
                         {"room", "kids"}};
      begin = Clock::now();
      const auto verdict = connection.post("/v1/verify", body);
      spent += elapsed_ms(begin);
      if (verdict.status == 200 && verdict.json().value("verdict", "") == "accepted") {
        ++logins.accepted;
        logins.latencies_ms.push_back(spent);
      }
    }
  }
  stop = true;
  for (auto& flooder : flooders) {
    flooder.join();
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const std::size_t flood_total =
      flood_figures.ok + flood_figures.refused_429 + flood_figures.other;
  std::printf("%-8s %9.0f %8zu %9zu %6zu %8zu %8zu %8.2f %8.2f %8.2f\n",
              flood ? "flood" : "no-flood", static_cast<double>(flood_total) / wall,
              flood_figures.ok, flood_figures.refused_429, flood_figures.other, logins.attempts,
              logins.accepted, percentile(logins.latencies_ms, 0.5),
              percentile(logins.latencies_ms, 0.99),
              logins.latencies_ms.empty()
                  ? 0.0
                  : *std::max_element(logins.latencies_ms.begin(), logins.latencies_ms.end()));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const std::string value = argv[i + 1];
    if (name == "--flooders") {
      options.flooders = std::stoi(value);
    } else if (name == "--seconds") {
      options.seconds = std::stod(value);
    } else if (name == "--vary-sessions") {
      options.vary_sessions = value != "0";
    } else {
      std::cerr << "unknown option " << name << "\n";
      return 2;
    }
  }
  try {
    const TestCard card(saferchat::testing::card_dir("kid-9"));
    std::printf(
        "challenge flood: %d keep-alive connections of one client (\"client\" 203.0.113.7, %s), "
        "%.0f s; other children log in meanwhile (ES384, kid-9); %u CPUs shared\n",
        options.flooders, options.vary_sessions ? "a new session each time" : "one session",
        options.seconds, std::thread::hardware_concurrency());
    std::printf("%-8s %9s %8s %9s %6s %8s %8s %8s %8s %8s\n", "run", "flood/s", "flood200",
                "flood429", "other", "logins", "accepted", "p50_ms", "p99_ms", "max_ms");
    run(options, card, false);
    run(options, card, true);
  } catch (const std::exception& e) {
    std::cerr << "challenge_flood_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
