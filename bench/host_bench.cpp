// SPDX-License-Identifier: Apache-2.0
// Benchmarks of saferchat-host as a browser sees it (issue targets: cold start to first reply
// under 10 ms, peak RSS under 8 MB). Run: build/ci/bench/host_bench
//   cold_start: spawn → ready message → `version` reply → exit, one process per iteration;
//               counters give the median and p95 over the iterations and the peak RSS.
//   round_trip: one long-lived host, one small `version` request per iteration.
// PC/SC points at a socket with no pcscd behind it, so the figures do not depend on a reader.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "spawned_host.hpp"

namespace {

using Clock = std::chrono::steady_clock;

using saferchat::bench::SpawnedHost;

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values.at(index);
}

void cold_start(benchmark::State& state) {
  const std::string request = R"({"command":"version","id":1})";
  std::vector<double> to_ready_ms;
  std::vector<double> to_reply_ms;
  long peak_rss_kib = 0;
  for (auto _ : state) {
    const auto start = Clock::now();
    SpawnedHost host(SAFERCHAT_HOST_PATH);
    benchmark::DoNotOptimize(host.receive());  // ready message
    const auto ready = Clock::now();
    host.send(request);
    benchmark::DoNotOptimize(host.receive());
    const auto replied = Clock::now();
    peak_rss_kib = std::max(peak_rss_kib, host.finish());
    state.SetIterationTime(std::chrono::duration<double>(replied - start).count());
    to_ready_ms.push_back(std::chrono::duration<double, std::milli>(ready - start).count());
    to_reply_ms.push_back(std::chrono::duration<double, std::milli>(replied - start).count());
  }
  state.counters["ready_median_ms"] = percentile(to_ready_ms, 0.5);
  state.counters["reply_median_ms"] = percentile(to_reply_ms, 0.5);
  state.counters["reply_p95_ms"] = percentile(to_reply_ms, 0.95);
  state.counters["peak_rss_MiB"] = static_cast<double>(peak_rss_kib) / 1024.0;
}
BENCHMARK(cold_start)->Iterations(60)->UseManualTime()->Unit(benchmark::kMillisecond);

void round_trip(benchmark::State& state) {
  const std::string request = R"({"command":"version","id":1})";
  SpawnedHost host(SAFERCHAT_HOST_PATH);
  benchmark::DoNotOptimize(host.receive());
  std::vector<double> rtt_us;
  for (auto _ : state) {
    const auto start = Clock::now();
    host.send(request);
    benchmark::DoNotOptimize(host.receive());
    rtt_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  state.counters["median_us"] = percentile(rtt_us, 0.5);
  state.counters["p95_us"] = percentile(rtt_us, 0.95);
  state.counters["peak_rss_MiB"] = static_cast<double>(host.finish()) / 1024.0;
}
BENCHMARK(round_trip)->Iterations(2000)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  // No pcscd behind this socket: the `version` probe fails fast and the same way everywhere.
  ::setenv("PCSCLITE_CSOCK_NAME", "/nonexistent/saferchat-bench/pcscd.comm", 1);
  ::setenv("SAFERCHAT_LOG_LEVEL", "info", 1);
  ::setenv("SAFERCHAT_LOG_FILE", "/dev/null", 1);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
