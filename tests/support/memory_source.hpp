// SPDX-License-Identifier: Apache-2.0
// A ByteSource over bytes in memory that hands them out in chunks of chosen sizes, to test
// framing against partial reads.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "protocol/frame.hpp"

namespace saferchat::testing {

class MemorySource final : public ByteSource {
 public:
  // `chunks` are the sizes of successive reads, repeated cyclically; empty = all at once.
  explicit MemorySource(std::string bytes, std::vector<std::size_t> chunks = {})
      : bytes_(std::move(bytes)), chunks_(std::move(chunks)) {}

  std::size_t read_some(std::span<std::byte> buffer) override {
    std::size_t n = std::min(buffer.size(), bytes_.size() - offset_);
    if (!chunks_.empty()) {
      n = std::min(n, std::max<std::size_t>(1, chunks_[reads_ % chunks_.size()]));
    }
    ++reads_;
    std::memcpy(buffer.data(), bytes_.data() + offset_, n);
    offset_ += n;
    return n;
  }

  [[nodiscard]] std::size_t consumed() const { return offset_; }
  [[nodiscard]] std::size_t reads() const { return reads_; }

 private:
  std::string bytes_;
  std::vector<std::size_t> chunks_;
  std::size_t offset_ = 0;
  std::size_t reads_ = 0;
};

// Header (native byte order, 4 bytes) + payload, without encode_frame's size cap.
inline std::string frame_of(std::string_view payload, std::uint32_t declared) {
  std::string out(4, '\0');
  std::memcpy(out.data(), &declared, 4);
  out.append(payload);
  return out;
}
inline std::string frame_of(std::string_view payload) {
  return frame_of(payload, static_cast<std::uint32_t>(payload.size()));
}

}  // namespace saferchat::testing
