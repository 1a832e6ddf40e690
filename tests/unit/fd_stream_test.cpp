// SPDX-License-Identifier: Apache-2.0
// FdSource and write_all on real pipes: partial reads, EINTR and a closed reader.
#include "transport/fd_stream.hpp"

#include <pthread.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include <gtest/gtest.h>

#include "support/memory_source.hpp"

namespace saferchat {
namespace {

struct Pipe {
  std::array<int, 2> fds{-1, -1};
  Pipe() { EXPECT_EQ(::pipe(fds.data()), 0); }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  Pipe(Pipe&&) = delete;
  Pipe& operator=(Pipe&&) = delete;
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (fds[0] >= 0) {
      ::close(fds[0]);
      fds[0] = -1;
    }
  }
  void close_write() {
    if (fds[1] >= 0) {
      ::close(fds[1]);
      fds[1] = -1;
    }
  }
};

std::atomic<int> signals_seen{0};
void count_signal(int /*signal*/) { signals_seen.fetch_add(1); }

TEST(FdSource, FramesArriveWhenWrittenOneByteAtATime) {
  Pipe pipe;
  const std::string bytes = testing::frame_of("{\"command\":\"version\"}");
  std::thread writer([&] {
    for (const char c : bytes) {
      ASSERT_EQ(::write(pipe.fds[1], &c, 1), 1);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    pipe.close_write();
  });
  FdSource source(pipe.fds[0]);
  FrameReader reader(source);
  const FrameEvent first = reader.next();
  ASSERT_TRUE(std::holds_alternative<Frame>(first));
  EXPECT_EQ(std::get<Frame>(first).payload, "{\"command\":\"version\"}");
  EXPECT_TRUE(std::holds_alternative<EndOfInput>(reader.next()));
  writer.join();
}

TEST(FdSource, ReadInterruptedBySignalsIsRetried) {
  // A handler installed without SA_RESTART makes a blocked read() fail with EINTR.
  struct sigaction action {};
  action.sa_handler = count_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  struct sigaction previous {};
  ASSERT_EQ(::sigaction(SIGUSR1, &action, &previous), 0);
  signals_seen = 0;

  Pipe pipe;
  const pthread_t reader_thread = ::pthread_self();
  std::thread interrupter([&] {
    for (int i = 0; i < 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ::pthread_kill(reader_thread, SIGUSR1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::string bytes = testing::frame_of("{}");
    ASSERT_EQ(::write(pipe.fds[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    pipe.close_write();
  });
  FdSource source(pipe.fds[0]);
  FrameReader reader(source);
  const FrameEvent event = reader.next();
  interrupter.join();
  ASSERT_EQ(::sigaction(SIGUSR1, &previous, nullptr), 0);
  ASSERT_TRUE(std::holds_alternative<Frame>(event));
  EXPECT_EQ(std::get<Frame>(event).payload, "{}");
  EXPECT_EQ(signals_seen.load(), 5);
}

TEST(FdSource, ReadErrorIsAnIoError) {
  FdSource source(-1);
  std::array<std::byte, 4> buffer{};
  EXPECT_THROW(static_cast<void>(source.read_some(buffer)), IoError);
}

TEST(WriteFrame, WritesHeaderAndPayload) {
  Pipe pipe;
  write_frame(pipe.fds[1], "{\"x\":1}");
  std::array<char, 16> got{};
  ASSERT_EQ(::read(pipe.fds[0], got.data(), got.size()), 11);
  EXPECT_EQ(std::string(got.data(), 11), std::string("\x07\x00\x00\x00{\"x\":1}", 11));
}

TEST(WriteFrame, ClosedReaderGivesIoErrorNotSigpipe) {
  const auto previous = std::signal(SIGPIPE, SIG_IGN);
  Pipe pipe;
  pipe.close_read();
  try {
    write_frame(pipe.fds[1], "{}");
    FAIL() << "no exception";
  } catch (const IoError& e) {
    EXPECT_STREQ(e.what(), "write failed: Broken pipe");
  }
  std::signal(SIGPIPE, previous);
}

}  // namespace
}  // namespace saferchat
