// SPDX-License-Identifier: Apache-2.0
// Stopping a request from outside (the browser closed stdin, the card was pulled out): a
// thread-safe flag plus the callbacks that unblock what the request waits on (close the PIN
// dialog, cancel SCardGetStatusChange). Callbacks run at once if already cancelled.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

namespace saferchat {

class Cancellation {
 public:
  void cancel() {
    std::vector<std::function<void()>> callbacks;
    {
      const std::lock_guard lock(mutex_);
      if (cancelled_) {
        return;
      }
      cancelled_ = true;
      callbacks.swap(callbacks_);
      running_ = true;
    }
    for (auto& callback : callbacks) {
      callback();
    }
    const std::lock_guard lock(mutex_);
    running_ = false;
    done_.notify_all();
  }

  [[nodiscard]] bool cancelled() const {
    const std::lock_guard lock(mutex_);
    return cancelled_;
  }

  // Runs `callback` on cancel(); at once when already cancelled. The request that registers
  // it calls clear() before the objects it touches go away.
  void on_cancel(std::function<void()> callback) {
    {
      const std::lock_guard lock(mutex_);
      if (!cancelled_) {
        callbacks_.push_back(std::move(callback));
        return;
      }
    }
    callback();
  }

  // Forgets the callbacks, and waits for those cancel() is running now: the objects they touch
  // are about to go away. Not to be called from a callback.
  void clear() {
    std::unique_lock lock(mutex_);
    callbacks_.clear();
    done_.wait(lock, [this] { return !running_; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable done_;
  bool cancelled_ = false;
  bool running_ = false;  // cancel() is calling the callbacks
  std::vector<std::function<void()>> callbacks_;
};

}  // namespace saferchat
