// SPDX-License-Identifier: Apache-2.0
#include "vcard/vpcd_frame.hpp"

#include <stdexcept>

namespace saferchat::vcard {

void VpcdFrameDecoder::feed(std::span<const std::uint8_t> bytes) {
  if (start_ > 0 && start_ == buffer_.size()) {
    clear();
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<std::vector<std::uint8_t>> VpcdFrameDecoder::next() {
  if (buffered() < vpcd_header_size) {
    return std::nullopt;
  }
  const std::size_t length = (static_cast<std::size_t>(buffer_[start_]) << 8) | buffer_[start_ + 1];
  if (buffered() < vpcd_header_size + length) {
    return std::nullopt;
  }
  const auto begin = buffer_.begin() + static_cast<std::ptrdiff_t>(start_ + vpcd_header_size);
  std::vector<std::uint8_t> payload(begin, begin + static_cast<std::ptrdiff_t>(length));
  start_ += vpcd_header_size + length;
  if (start_ == buffer_.size()) {
    clear();
  }
  return payload;
}

void VpcdFrameDecoder::clear() noexcept {
  buffer_.clear();
  start_ = 0;
}

std::vector<std::uint8_t> encode_vpcd_frame(std::span<const std::uint8_t> payload) {
  if (payload.size() > max_vpcd_payload) {
    throw std::length_error("vpcd payload above 65535 bytes");
  }
  std::vector<std::uint8_t> frame;
  frame.reserve(vpcd_header_size + payload.size());
  frame.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
  frame.push_back(static_cast<std::uint8_t>(payload.size() & 0xFFU));
  frame.insert(frame.end(), payload.begin(), payload.end());
  return frame;
}

}  // namespace saferchat::vcard
