// SPDX-License-Identifier: Apache-2.0
// What a member may send into a room, checked before anyone else sees it: the WebSocket frame
// the page sends ({"type":"message","text":"…"}), the text's rules, and a per-connection rate
// limit. Pure: time is passed in.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace saferchat::demo {

// Limits. A frame is the whole WebSocket message the page sends; the text is counted in
// Unicode code points (what a child thinks of as letters, near enough).
inline constexpr std::size_t max_frame_bytes = 4096;
inline constexpr std::size_t max_text_code_points = 500;

// Why a message is refused. The page shows a sentence for each (texts.hpp), keyed by code.
enum class ChatError : std::uint8_t {
  none,
  invalid_frame,  // not a JSON object {"type":"message","text":"<string>"} within max_frame_bytes
  empty,          // nothing but spaces
  too_long,       // more than max_text_code_points
  invalid_text,   // not UTF-8, or control or bidirectional-override characters
  too_fast,       // over the rate limit
};

// "INVALID_FRAME", "EMPTY", "TOO_LONG", "INVALID_TEXT", "TOO_FAST" ("" for none).
[[nodiscard]] std::string_view chat_error_code(ChatError error) noexcept;

struct CheckedText {
  ChatError error = ChatError::none;
  std::string text;  // set when error == none: the text without leading and trailing spaces
};

// A chat text: valid UTF-8 (RFC 3629), one line, no C0/C1 controls, no bidirectional
// embedding/override/isolate characters (U+202A–U+202E, U+2066–U+2069: they make a message
// look like someone else's), 1 to max_text_code_points code points after trimming spaces.
[[nodiscard]] CheckedText check_chat_text(std::string_view text);

// The page's frame: exactly {"type":"message","text":"…"} (other fields are refused too, so
// that nothing unchecked is ever relayed), then check_chat_text.
[[nodiscard]] CheckedText parse_client_frame(std::string_view frame);

// A token bucket per connection: `burst` messages at once, then one per `refill`.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int default_burst = 5;
  static constexpr std::chrono::milliseconds default_refill{2000};

  explicit RateLimiter(Clock::time_point now, int burst = default_burst,
                       std::chrono::milliseconds refill = default_refill) noexcept;

  // True (and one message used) when a message may go out now.
  [[nodiscard]] bool allow(Clock::time_point now) noexcept;

 private:
  int burst_;
  std::chrono::milliseconds refill_;
  int tokens_;
  Clock::time_point last_refill_;
};

}  // namespace saferchat::demo
