// SPDX-License-Identifier: Apache-2.0
#include "transport/fd_stream.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include "platform/platform.hpp"

namespace saferchat {

std::size_t FdSource::read_some(std::span<std::byte> buffer) {
  for (;;) {
    const std::ptrdiff_t got = platform::read_fd(fd_, buffer.data(), buffer.size());
    if (got >= 0) {
      return static_cast<std::size_t>(got);
    }
    if (errno != EINTR) {
      throw IoError(std::string("read failed: ") + std::strerror(errno));
    }
  }
}

void write_all(int fd, std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const std::ptrdiff_t put = platform::write_fd(fd, bytes.data(), bytes.size());
    if (put < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw IoError(std::string("write failed: ") + std::strerror(errno));
    }
    bytes = bytes.subspan(static_cast<std::size_t>(put));
  }
}

void write_frame(int fd, std::string_view payload) {
  const std::string frame = encode_frame(payload);
  write_all(fd, std::as_bytes(std::span(frame.data(), frame.size())));
}

}  // namespace saferchat
