// Stopping a request from outside (the browser closed stdin, the card was pulled out): a
// thread-safe flag plus the callbacks that unblock what the request waits on (close the PIN
// dialog, cancel SCardGetStatusChange). Callbacks run at once if already cancelled.
#pragma once

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
    }
    for (auto& callback : callbacks) {
      callback();
    }
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

  // Forgets the callbacks (the objects they touch are about to go away).
  void clear() {
    const std::lock_guard lock(mutex_);
    callbacks_.clear();
  }

 private:
  mutable std::mutex mutex_;
  bool cancelled_ = false;
  std::vector<std::function<void()>> callbacks_;
};

}  // namespace saferchat
