// SPDX-License-Identifier: Apache-2.0
#include "protocol/frame.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace saferchat {

std::size_t FrameReader::read_up_to(std::span<std::byte> buffer) {
  std::size_t done = 0;
  while (done < buffer.size()) {
    const std::size_t got = source_.read_some(buffer.subspan(done));
    if (got == 0) {
      break;
    }
    done += got;
  }
  return done;
}

bool FrameReader::skip(std::size_t count) {
  std::array<std::byte, 4096> sink{};
  while (count > 0) {
    const std::size_t want = std::min(count, sink.size());
    const std::size_t got = read_up_to(std::span(sink).first(want));
    if (got < want) {
      return false;
    }
    count -= got;
  }
  return true;
}

FrameEvent FrameReader::next() {
  std::array<std::byte, frame_header_size> header{};
  const std::size_t header_bytes = read_up_to(header);
  if (header_bytes == 0) {
    return EndOfInput{};
  }
  if (header_bytes < header.size()) {
    return FrameError{ErrorCode::message_truncated,
                      "input ended after " + std::to_string(header_bytes) + " of 4 header bytes",
                      true};
  }
  std::uint32_t length = 0;
  std::memcpy(&length, header.data(), sizeof length);  // native byte order by definition
  if (length == 0) {
    return FrameError{ErrorCode::empty_message, "message length 0", false};
  }
  if (length > max_message_size_) {
    const std::string what = "message length " + std::to_string(length) + " above the cap of " +
                             std::to_string(max_message_size_);
    if (length > max_skippable_size) {
      return FrameError{ErrorCode::message_too_large, what + ", not skippable", true};
    }
    if (!skip(length)) {
      return FrameError{ErrorCode::message_truncated, what + ", input ended inside it", true};
    }
    return FrameError{ErrorCode::message_too_large, what + ", skipped", false};
  }
  Frame frame;
  frame.payload.resize(length);
  const std::size_t got =
      read_up_to(std::as_writable_bytes(std::span(frame.payload.data(), frame.payload.size())));
  if (got < length) {
    return FrameError{ErrorCode::message_truncated,
                      "input ended after " + std::to_string(got) + " of " + std::to_string(length) +
                          " message bytes",
                      true};
  }
  return frame;
}

std::array<std::byte, frame_header_size> encode_frame_header(std::uint32_t size) {
  std::array<std::byte, frame_header_size> header{};
  std::memcpy(header.data(), &size, sizeof size);
  return header;
}

std::string encode_frame(std::string_view payload) {
  if (payload.size() > max_response_size) {
    throw Error(ErrorCode::response_too_large,
                "reply of " + std::to_string(payload.size()) + " bytes above 1 MB");
  }
  const auto header = encode_frame_header(static_cast<std::uint32_t>(payload.size()));
  std::string out(frame_header_size + payload.size(), '\0');
  std::memcpy(out.data(), header.data(), header.size());
  std::memcpy(out.data() + header.size(), payload.data(), payload.size());
  return out;
}

}  // namespace saferchat
