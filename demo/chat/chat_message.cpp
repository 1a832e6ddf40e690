// SPDX-License-Identifier: Apache-2.0
#include "chat/chat_message.hpp"

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "wire/utf8.hpp"

namespace saferchat::demo {
namespace {

// Decodes the code point starting at text[i] (text is valid UTF-8) and advances i.
char32_t next_code_point(std::string_view text, std::size_t& i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 1;
  char32_t value = lead;
  if (lead >= 0xF0) {
    length = 4;
    value = lead & 0x07U;
  } else if (lead >= 0xE0) {
    length = 3;
    value = lead & 0x0FU;
  } else if (lead >= 0xC0) {
    length = 2;
    value = lead & 0x1FU;
  }
  for (std::size_t k = 1; k < length; ++k) {
    value = (value << 6U) | (byte(i + k) & 0x3FU);
  }
  i += length;
  return value;
}

bool is_forbidden(char32_t c) noexcept {
  const bool control = c < 0x20 || (c >= 0x7F && c <= 0x9F);
  const bool bidi = (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
  return control || bidi;
}

}  // namespace

std::string_view chat_error_code(ChatError error) noexcept {
  switch (error) {
    case ChatError::none:
      return "";
    case ChatError::invalid_frame:
      return "INVALID_FRAME";
    case ChatError::empty:
      return "EMPTY";
    case ChatError::too_long:
      return "TOO_LONG";
    case ChatError::invalid_text:
      return "INVALID_TEXT";
    case ChatError::too_fast:
      return "TOO_FAST";
  }
  return "INVALID_FRAME";
}

CheckedText check_chat_text(std::string_view text) {
  if (!is_valid_utf8(text)) {
    return {.error = ChatError::invalid_text, .text = {}};
  }
  std::size_t code_points = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (is_forbidden(next_code_point(text, i))) {
      return {.error = ChatError::invalid_text, .text = {}};
    }
    ++code_points;
  }
  const std::size_t first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) {
    return {.error = ChatError::empty, .text = {}};
  }
  const std::size_t last = text.find_last_not_of(' ');
  code_points -= first + (text.size() - 1 - last);  // the trimmed spaces are one byte each
  if (code_points > max_text_code_points) {
    return {.error = ChatError::too_long, .text = {}};
  }
  return {.error = ChatError::none, .text = std::string(text.substr(first, last - first + 1))};
}

CheckedText parse_client_frame(std::string_view frame) {
  const auto invalid = [] { return CheckedText{.error = ChatError::invalid_frame, .text = {}}; };
  if (frame.size() > max_frame_bytes) {
    return invalid();
  }
  const nlohmann::json value = nlohmann::json::parse(frame, nullptr, false);
  if (!value.is_object() || value.size() != 2) {
    return invalid();
  }
  const auto type = value.find("type");
  const auto text = value.find("text");
  if (type == value.end() || text == value.end() || *type != "message" || !text->is_string()) {
    return invalid();
  }
  return check_chat_text(text->get_ref<const std::string&>());
}

RateLimiter::RateLimiter(Clock::time_point now, int burst,
                         std::chrono::milliseconds refill) noexcept
    : burst_(burst), refill_(refill), tokens_(burst), last_refill_(now) {}

bool RateLimiter::allow(Clock::time_point now) noexcept {
  if (now > last_refill_) {
    const auto earned = (now - last_refill_) / refill_;
    if (earned > 0) {
      tokens_ = static_cast<int>(std::min<long long>(burst_, tokens_ + earned));
      last_refill_ = tokens_ == burst_ ? now : last_refill_ + earned * refill_;
    }
  }
  if (tokens_ == 0) {
    return false;
  }
  --tokens_;
  return true;
}

}  // namespace saferchat::demo
