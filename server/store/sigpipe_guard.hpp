// SPDX-License-Identifier: Apache-2.0
// Writing to a socket whose peer has gone raises SIGPIPE, which kills a process that has not
// ignored it. hiredis and OpenSSL's BIO sockets write with write(2), so a library cannot ask for
// MSG_NOSIGNAL; instead this guard blocks SIGPIPE in the calling thread for its scope and drops
// a SIGPIPE raised meanwhile (POSIX: a blocked signal stays pending for the thread that caused
// it), so the write fails with EPIPE and the caller sees an error instead. The process's own
// handling of SIGPIPE is left as it was.
#pragma once

#include <pthread.h>

#include <csignal>
#include <ctime>

namespace saferchat::store {

class SigpipeGuard {
 public:
  SigpipeGuard() noexcept {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_set_, &previous_) == 0;
  }
  ~SigpipeGuard() {
    if (!blocked_) {
      return;
    }
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec no_wait{0, 0};
      // Consumes the SIGPIPE our writes raised; the result is irrelevant (nothing else to do).
      (void)sigtimedwait(&pipe_set_, nullptr, &no_wait);
    }
    (void)pthread_sigmask(SIG_SETMASK, &previous_, nullptr);  // restores what was there
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;
  SigpipeGuard(SigpipeGuard&&) = delete;
  SigpipeGuard& operator=(SigpipeGuard&&) = delete;

 private:
  sigset_t pipe_set_{};
  sigset_t previous_{};
  bool was_pending_ = false;
  bool blocked_ = false;
};

}  // namespace saferchat::store
