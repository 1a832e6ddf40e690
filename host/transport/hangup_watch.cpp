#include "transport/hangup_watch.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <system_error>

namespace saferchat {

HangupWatch::HangupWatch(int fd, std::function<void()> on_hangup)
    : stop_fd_(::eventfd(0, EFD_CLOEXEC)) {
  if (stop_fd_ < 0) {
    throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  thread_ = std::thread([fd, stop_fd = stop_fd_, on_hangup = std::move(on_hangup)] {
    std::array<pollfd, 2> fds{{{fd, 0, 0}, {stop_fd, POLLIN, 0}}};
    for (;;) {
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) {
          continue;
        }
        return;
      }
      if ((fds[1].revents & POLLIN) != 0) {
        return;
      }
      if ((fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
        on_hangup();
        return;
      }
    }
  });
}

HangupWatch::~HangupWatch() {
  const std::uint64_t one = 1;
  // An eventfd write of 1 cannot fail short of a counter overflow.
  [[maybe_unused]] const ssize_t written = ::write(stop_fd_, &one, sizeof one);
  thread_.join();
  ::close(stop_fd_);
}

}  // namespace saferchat
