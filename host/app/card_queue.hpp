// SPDX-License-Identifier: Apache-2.0
// Card commands, one at a time in arrival order (docs/protocol.md §3.6). A request waits in
// the queue while another uses the card; if its own timeout passes first it is answered
// ERR_SAFERCHAT_HOST_BUSY at that moment, not when the card frees up. `cancel` and the end
// of input stop queued and running requests alike.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "app/reply_writer.hpp"
#include "commands/dispatcher.hpp"
#include "commands/request_registry.hpp"

namespace saferchat {

class CardQueue {
 public:
  CardQueue(const Dispatcher& dispatcher, RequestRegistry& registry, ReplyWriter& writer,
            const Logger& log);
  CardQueue(const CardQueue&) = delete;
  CardQueue& operator=(const CardQueue&) = delete;
  CardQueue(CardQueue&&) = delete;
  CardQueue& operator=(CardQueue&&) = delete;
  // Cancels what is left and joins the threads.
  ~CardQueue();

  // Queues a card command. Throws Error(invalid_argument) when its id is already in flight.
  void submit(Request request, std::size_t payload_bytes);
  // Cancels every request and waits up to `grace` for the running one to end; false when it
  // did not (the caller then exits without waiting for it).
  [[nodiscard]] bool stop(std::chrono::milliseconds grace);

 private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    Request request;
    std::size_t payload_bytes = 0;
    Clock::time_point received;
    Clock::time_point deadline;
    std::shared_ptr<Cancellation> cancellation;
    std::uint64_t handle = 0;
  };

  void work() noexcept;
  void expire() noexcept;
  void run(Job& job) noexcept;
  void finish(const Job& job, const std::string& reply, std::string_view result,
              std::string_view detail) noexcept;

  const Dispatcher& dispatcher_;
  RequestRegistry& registry_;
  ReplyWriter& writer_;
  const Logger& log_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool running_ = false;
  bool stopping_ = false;
  std::thread worker_;
  std::thread timer_;
};

}  // namespace saferchat
