// SPDX-License-Identifier: Apache-2.0
// Writes framed replies from any thread (the reader loop, the card queue, its expiry timer):
// one frame at a time. A reply too large for the browser is replaced by that error; a lost
// output is remembered instead of thrown, so that worker threads never die of it.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "protocol/reply.hpp"
#include "transport/fd_stream.hpp"
#include "transport/log.hpp"

namespace saferchat {

class ReplyWriter {
 public:
  ReplyWriter(int out_fd, const Logger& log) : out_fd_(out_fd), log_(log) {}

  void send(const std::string& reply, const RequestEnvelope& envelope) noexcept {
    const std::lock_guard lock(mutex_);
    if (lost_) {
      return;
    }
    try {
      try {
        write_frame(out_fd_, reply);
      } catch (const Error& e) {
        log_.write(LogLevel::error, e.detail());
        write_frame(out_fd_, error_reply(envelope, e.code()));
      }
    } catch (const std::exception& e) {
      log_.write(LogLevel::warn, std::string("stream lost: ") + e.what());
      lost_ = true;
    }
  }

  [[nodiscard]] bool lost() const noexcept { return lost_.load(); }

 private:
  int out_fd_;
  const Logger& log_;
  std::mutex mutex_;
  std::atomic<bool> lost_{false};
};

}  // namespace saferchat
