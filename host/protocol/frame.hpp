// SPDX-License-Identifier: Apache-2.0
// Native messaging framing (docs/protocol.md §2): each message is a 32-bit length in native
// byte order followed by that many bytes of UTF-8 JSON. Pure logic over an abstract byte
// source, so tests and fuzzers drive it from memory and the host from stdin.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "wire/error.hpp"

namespace saferchat {

inline constexpr std::size_t frame_header_size = 4;
// The host refuses requests above 8 KiB: every valid request is far smaller.
inline constexpr std::size_t max_request_size = std::size_t{8} * 1024;
// Chrome drops host-to-browser messages above 1 MB.
inline constexpr std::size_t max_response_size = std::size_t{1024} * 1024;
// Chrome never sends more than 64 MiB in one message: a larger length means the stream is not
// native messaging at all, so the host does not try to skip it.
inline constexpr std::size_t max_skippable_size = std::size_t{64} * 1024 * 1024;

class ByteSource {
 public:
  ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  ByteSource(ByteSource&&) = delete;
  ByteSource& operator=(ByteSource&&) = delete;
  virtual ~ByteSource() = default;

  // Reads at least one and at most buffer.size() bytes; returns 0 only at end of input.
  // Throws Error on a read failure.
  virtual std::size_t read_some(std::span<std::byte> buffer) = 0;
};

struct Frame {
  std::string payload;
};

struct EndOfInput {};

struct FrameError {
  ErrorCode code;
  std::string detail;
  // True when the reader cannot find the next message boundary: the host must stop reading.
  bool stream_lost;
};

using FrameEvent = std::variant<Frame, EndOfInput, FrameError>;

class FrameReader {
 public:
  explicit FrameReader(ByteSource& source, std::size_t max_message_size = max_request_size)
      : source_(source), max_message_size_(max_message_size) {}

  // The next message, a clean end of input (only between messages), or a framing error.
  // An oversized message that the browser could have sent is skipped so the next one can be
  // read; everything after a stream_lost error is undefined.
  [[nodiscard]] FrameEvent next();

 private:
  std::size_t read_up_to(std::span<std::byte> buffer);
  bool skip(std::size_t count);

  ByteSource& source_;
  std::size_t max_message_size_;
};

// The 4 header bytes for a payload of `size` bytes (native byte order).
[[nodiscard]] std::array<std::byte, frame_header_size> encode_frame_header(std::uint32_t size);

// Header plus payload, ready to write. Throws Error(response_too_large) above 1 MB.
[[nodiscard]] std::string encode_frame(std::string_view payload);

}  // namespace saferchat
