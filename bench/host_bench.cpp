// Benchmarks of saferchat-host as a browser sees it (issue targets: cold start to first reply
// under 10 ms, peak RSS under 8 MB). Run: build/ci/bench/host_bench
//   cold_start: spawn → ready message → `version` reply → exit, one process per iteration;
//               counters give the median and p95 over the iterations and the peak RSS.
//   round_trip: one long-lived host, one small `version` request per iteration.
// PC/SC points at a socket with no pcscd behind it, so the figures do not depend on a reader.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "protocol/frame.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

const std::string chrome_caller = "chrome-extension://nmgdeinpncakphdmdpndhifioncieboe/";

class Host {
 public:
  Host() {
    std::array<int, 2> to_host{};
    std::array<int, 2> from_host{};
    if (::pipe2(to_host.data(), O_CLOEXEC) != 0 || ::pipe2(from_host.data(), O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_host[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, from_host[1], STDOUT_FILENO);
    std::string path = SAFERCHAT_HOST_PATH;
    std::string caller = chrome_caller;
    std::array<char*, 3> argv{path.data(), caller.data(), nullptr};
    if (posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("spawn");
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_host[0]);
    ::close(from_host[1]);
    in_ = to_host[1];
    out_ = from_host[0];
  }
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;
  Host(Host&&) = delete;
  Host& operator=(Host&&) = delete;
  ~Host() {
    if (in_ >= 0) {
      ::close(in_);
    }
    ::close(out_);
    if (pid_ > 0) {
      ::waitpid(pid_, nullptr, 0);
    }
  }

  void send(const std::string& frame) const {
    if (::write(in_, frame.data(), frame.size()) != static_cast<ssize_t>(frame.size())) {
      throw std::runtime_error("write");
    }
  }
  std::string receive() const {
    std::uint32_t length = 0;
    read_exactly(&length, sizeof length);
    std::string payload(length, '\0');
    read_exactly(payload.data(), length);
    return payload;
  }
  // Closes stdin, waits for the exit and returns the peak RSS in KiB.
  long finish() {
    ::close(in_);
    in_ = -1;
    int status = 0;
    rusage usage{};
    ::wait4(pid_, &status, 0, &usage);
    pid_ = -1;
    return usage.ru_maxrss;
  }

 private:
  void read_exactly(void* buffer, std::size_t size) const {
    auto* bytes = static_cast<char*>(buffer);
    while (size > 0) {
      const ssize_t n = ::read(out_, bytes, size);
      if (n <= 0) {
        throw std::runtime_error("host output ended");
      }
      bytes += n;
      size -= static_cast<std::size_t>(n);
    }
  }

  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
};

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values.at(index);
}

void cold_start(benchmark::State& state) {
  const std::string request = saferchat::encode_frame(R"({"command":"version","id":1})");
  std::vector<double> to_ready_ms;
  std::vector<double> to_reply_ms;
  long peak_rss_kib = 0;
  for (auto _ : state) {
    const auto start = Clock::now();
    Host host;
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
  const std::string request = saferchat::encode_frame(R"({"command":"version","id":1})");
  Host host;
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
