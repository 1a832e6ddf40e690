// SPDX-License-Identifier: Apache-2.0
// saferchatd under concurrent load on loopback: throughput and latency (p50, p99) of
// POST /v1/challenge, POST /v1/verify and the pair, with the in-memory store and with Redis.
// Starts the real saferchatd (and redis-server) itself; tokens come from the test card kid-9
// (ES384, P-384), signed with its key (tests/service/support/test_token.hpp).
//
//   saferchatd_bench [--connections N] [--seconds S] [--server-threads T] [--store
//   memory|redis|both]
//
// Scenarios, each for S seconds over N keep-alive connections (one client thread each):
//   challenge         POST /v1/challenge in a loop
//   verify            POST /v1/verify with tokens made beforehand for nonces issued beforehand
//                     (only the service's work is timed: no client signing)
//   challenge+verify  the real sequence: challenge, sign (client side), verify; latency is the
//                     two requests' time, without the client's signing
// "server cores" is saferchatd's CPU time over wall time (/proc/PID/stat), "client cores" the
// load generator's: both share the same machine.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "service/support/http_client.hpp"
#include "service/support/redis_server.hpp"
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
  int connections = 16;
  double seconds = 5;
  int server_threads = 2;
  std::string stores = "both";
};

struct Figures {
  std::size_t requests = 0;  // completed operations (a pair counts once)
  std::size_t errors = 0;
  double wall_s = 0;
  std::vector<double> latencies_ms;
  double server_cores = 0;
  double client_cores = 0;
};

double cpu_seconds_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) {  // utime, stime
      ticks += std::stod(field);
    }
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[index];
}

// One operation on a connection: returns its latency in ms (excluding client-side work it
// chose to leave out), or a negative value on a wrong answer. Returns nullopt when out of work.
using Operation = std::function<std::optional<double>(HttpConnection&, int client)>;

Figures run(Saferchatd& server, const Options& options, const Operation& operation) {
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::atomic<int> finished{0};
  std::mutex mutex;
  Figures figures;
  std::vector<std::thread> clients;
  for (int c = 0; c < options.connections; ++c) {
    clients.emplace_back([&, c] {
      HttpConnection connection(server.port());
      std::vector<double> mine;
      std::size_t errors = 0;
      while (!go) {
        std::this_thread::yield();
      }
      while (!stop) {
        std::optional<double> latency;
        try {
          latency = operation(connection, c);
        } catch (const std::exception&) {
          latency = -1;
        }
        if (!latency) {
          break;
        }
        if (*latency < 0) {
          ++errors;
        } else {
          mine.push_back(*latency);
        }
      }
      const std::lock_guard lock(mutex);
      figures.latencies_ms.insert(figures.latencies_ms.end(), mine.begin(), mine.end());
      figures.errors += errors;
      ++finished;
    });
  }
  const double server_cpu = cpu_seconds_of(server.process().pid());
  const double client_cpu = own_cpu_seconds();
  const auto start = Clock::now();
  go = true;
  // Until the time is up, or every client ran out of work (the verify scenario's tokens).
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(options.seconds));
  while (Clock::now() < deadline && finished < options.connections) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& client : clients) {
    client.join();
  }
  figures.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  figures.server_cores = (cpu_seconds_of(server.process().pid()) - server_cpu) / figures.wall_s;
  figures.client_cores = (own_cpu_seconds() - client_cpu) / figures.wall_s;
  figures.requests = figures.latencies_ms.size();
  return figures;
}

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

void print(const std::string& store, const std::string& scenario, Figures figures) {
  std::printf("%-7s %-17s %9zu %9.0f %8.2f %8.2f %8.2f %8.2f %7zu\n", store.c_str(),
              scenario.c_str(), figures.requests,
              static_cast<double>(figures.requests) / figures.wall_s,
              percentile(figures.latencies_ms, 0.50), percentile(figures.latencies_ms, 0.99),
              figures.server_cores, figures.client_cores, figures.errors);
  std::fflush(stdout);
}

void bench_store(const std::string& store, const Options& options, const TestCard& card) {
  TempDir dir;
  std::unique_ptr<saferchat::testing::RedisServer> redis;
  json config = saferchat::testing::test_config(dir);
  config["threads"] = options.server_threads;
  config["limits"] = {{"maxConnections", 4096}};
  if (store == "redis") {
    redis = std::make_unique<saferchat::testing::RedisServer>(dir);
    config["store"] = {{"type", "redis"}, {"unixSocket", redis->socket()}};
  }
  Saferchatd server(config, dir);
  const std::string origin = saferchat::testing::test_origin;
  const auto verify_body = [&](const std::string& nonce) {
    return json{{"token", card.token(origin, nonce)},
                {"challengeNonce", nonce},
                {"origin", origin},
                {"room", "kids"}}
        .dump();
  };
  const auto is_accepted = [](const saferchat::testing::HttpReply& reply) {
    return reply.status == 200 && reply.body.rfind(R"({"verdict":"accepted")", 0) == 0;
  };

  // Warm-up: connections, the chain cache, Redis's script cache.
  for (int i = 0; i < 20; ++i) {
    const std::string nonce = server.challenge();
    HttpConnection connection(server.port());
    connection.request("POST", "/v1/verify", verify_body(nonce));
  }

  print(store, "challenge", run(server, options, [](HttpConnection& connection, int) {
          const auto start = Clock::now();
          const auto reply = connection.request("POST", "/v1/challenge", "{}");
          return reply.status == 200 ? elapsed_ms(start) : -1.0;
        }));

  // Tokens for nonces issued beforehand (signing is the slow part: a few thousand in all); the
  // scenario ends when they are used up, or when its time is.
  constexpr std::size_t presigned_tokens = 4000;
  const std::size_t per_client = presigned_tokens / static_cast<std::size_t>(options.connections);
  std::vector<std::vector<std::string>> bodies(static_cast<std::size_t>(options.connections));
  {
    std::vector<std::thread> makers;
    for (int c = 0; c < options.connections; ++c) {
      makers.emplace_back([&, c] {
        HttpConnection connection(server.port());
        auto& mine = bodies[static_cast<std::size_t>(c)];
        for (std::size_t i = 0; i < per_client; ++i) {
          const auto reply = connection.request("POST", "/v1/challenge", "{}");
          mine.push_back(verify_body(reply.json().at("challengeNonce").get<std::string>()));
        }
      });
    }
    for (auto& maker : makers) {
      maker.join();
    }
  }
  std::vector<std::size_t> next(static_cast<std::size_t>(options.connections), 0);
  print(store, "verify", run(server, options, [&](HttpConnection& connection, int c) {
          auto& mine = bodies[static_cast<std::size_t>(c)];
          auto& index = next[static_cast<std::size_t>(c)];
          if (index >= mine.size()) {
            return std::optional<double>();
          }
          const auto start = Clock::now();
          const auto reply = connection.request("POST", "/v1/verify", mine[index++]);
          return std::optional<double>(is_accepted(reply) ? elapsed_ms(start) : -1.0);
        }));

  print(store, "challenge+verify", run(server, options, [&](HttpConnection& connection, int) {
          auto start = Clock::now();
          const auto challenge = connection.request("POST", "/v1/challenge", "{}");
          double spent = elapsed_ms(start);
          const std::string body =
              verify_body(challenge.json().at("challengeNonce").get<std::string>());
          start = Clock::now();
          const auto reply = connection.request("POST", "/v1/verify", body);
          spent += elapsed_ms(start);
          return is_accepted(reply) ? spent : -1.0;
        }));
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const std::string value = argv[i + 1];
    if (name == "--connections") {
      options.connections = std::stoi(value);
    } else if (name == "--seconds") {
      options.seconds = std::stod(value);
    } else if (name == "--server-threads") {
      options.server_threads = std::stoi(value);
    } else if (name == "--store") {
      options.stores = value;
    } else {
      std::cerr << "unknown option " << name << "\n";
      return 2;
    }
  }
  try {
    const TestCard card(saferchat::testing::card_dir("kid-9"));
    std::printf(
        "saferchatd load: %d keep-alive connections, %.0f s per scenario, saferchatd "
        "threads=%d, %u CPUs shared with the load generator; token ES384 (kid-9)\n",
        options.connections, options.seconds, options.server_threads,
        std::thread::hardware_concurrency());
    std::printf("%-7s %-17s %9s %9s %8s %8s %8s %8s %7s\n", "store", "scenario", "requests",
                "per_s", "p50_ms", "p99_ms", "srv_cpu", "cli_cpu", "errors");
    for (const std::string store : {"memory", "redis"}) {
      if (options.stores == "both" || options.stores == store) {
        bench_store(store, options, card);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "saferchatd_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
