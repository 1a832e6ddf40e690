// Watches a pipe for its writer going away (the browser closing the host's stdin) while a
// request runs, and calls `on_hangup` from its own thread when it does. Data waiting on the
// pipe does not wake it (poll with no events still reports POLLHUP / POLLERR).
#pragma once

#include <functional>
#include <thread>

namespace saferchat {

class HangupWatch {
 public:
  HangupWatch(int fd, std::function<void()> on_hangup);
  HangupWatch(const HangupWatch&) = delete;
  HangupWatch& operator=(const HangupWatch&) = delete;
  HangupWatch(HangupWatch&&) = delete;
  HangupWatch& operator=(HangupWatch&&) = delete;
  // Stops watching and joins the thread.
  ~HangupWatch();

 private:
  int stop_fd_ = -1;  // eventfd that wakes the thread to stop
  std::thread thread_;
};

}  // namespace saferchat
