// SPDX-License-Identifier: Apache-2.0
// Byte I/O on file descriptors for native messaging: stdin as a ByteSource, stdout as a frame
// sink. Both retry on EINTR and on short transfers.
#pragma once

#include <span>
#include <stdexcept>
#include <string_view>

#include "protocol/frame.hpp"

namespace saferchat {

// A read or write on a descriptor failed (for stdout: usually the browser went away).
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class FdSource final : public ByteSource {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  // Throws IoError on anything but data, end of input or EINTR.
  std::size_t read_some(std::span<std::byte> buffer) override;

 private:
  int fd_;
};

// Writes every byte, retrying on EINTR and short writes. Throws IoError (EPIPE when the reader
// is gone: the host ignores SIGPIPE).
void write_all(int fd, std::span<const std::byte> bytes);

// Frames `payload` (docs/protocol.md §2) and writes it in one go.
void write_frame(int fd, std::string_view payload);

}  // namespace saferchat
