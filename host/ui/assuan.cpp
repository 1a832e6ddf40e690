// SPDX-License-Identifier: Apache-2.0
#include "ui/assuan.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "wire/error.hpp"

namespace saferchat {
namespace {

constexpr std::array<char, 16> hex_digits{'0', '1', '2', '3', '4', '5', '6', '7',
                                          '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};

bool needs_escape(std::uint8_t byte) noexcept { return byte < 0x20 || byte == 0x7F || byte == '%'; }

int hex_value(std::uint8_t byte) noexcept {
  if (byte >= '0' && byte <= '9') {
    return byte - '0';
  }
  if (byte >= 'A' && byte <= 'F') {
    return byte - 'A' + 10;
  }
  if (byte >= 'a' && byte <= 'f') {
    return byte - 'a' + 10;
  }
  return -1;
}

// Decodes %XX escapes of `text`, handing each byte to `put`.
template <class Put>
void unescape(std::span<const std::uint8_t> text, Put put) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      put(text[i]);
      continue;
    }
    const int high = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      throw Error(ErrorCode::pin_dialog_failed,
                  "pinentry: bad percent escape at offset " + std::to_string(i));
    }
    put(static_cast<std::uint8_t>(high * 16 + low));
    i += 2;
  }
}

std::span<const std::uint8_t> bytes_of(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Printable ASCII for the log; anything else becomes '?'.
std::string printable(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (const std::uint8_t byte : bytes) {
    out.push_back(byte >= 0x20 && byte < 0x7F ? static_cast<char>(byte) : '?');
  }
  return out;
}

bool starts_with_word(std::span<const std::uint8_t> line, std::string_view word) noexcept {
  return line.size() >= word.size() && std::equal(word.begin(), word.end(), line.begin()) &&
         (line.size() == word.size() || line[word.size()] == ' ');
}

// What follows "<word> " (empty when the line is just the word).
std::span<const std::uint8_t> after_word(std::span<const std::uint8_t> line,
                                         std::string_view word) noexcept {
  return line.size() > word.size() ? line.subspan(word.size() + 1) : line.subspan(line.size());
}

[[noreturn]] void malformed(std::span<const std::uint8_t> line, std::string_view why) {
  // Never the line itself: it may be a data line, and data lines may carry a PIN.
  throw Error(ErrorCode::pin_dialog_failed, "pinentry: " + std::string(why) + " (line of " +
                                                std::to_string(line.size()) + " bytes)");
}

AssuanReply parse_error(std::span<const std::uint8_t> line) {
  const std::span<const std::uint8_t> rest = after_word(line, "ERR");
  const auto* first = reinterpret_cast<const char*>(rest.data());
  const auto* last = first + rest.size();
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(first, last, value);
  if (error != std::errc() || end == first || (end != last && *end != ' ')) {
    malformed(line, "ERR without a valid error value");
  }
  AssuanReply reply;
  reply.kind = AssuanReplyKind::error;
  reply.error_value = value;
  if (end != last) {
    reply.text = printable(rest.subspan(static_cast<std::size_t>(end - first) + 1));
  }
  return reply;
}

}  // namespace

std::string assuan_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<std::uint8_t>(c);
    if (needs_escape(byte)) {
      out.push_back('%');
      out.push_back(hex_digits[byte >> 4U]);
      out.push_back(hex_digits[byte & 0x0FU]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string assuan_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  unescape(bytes_of(text), [&out](std::uint8_t byte) { out.push_back(static_cast<char>(byte)); });
  return out;
}

void assuan_unescape_into(std::span<const std::uint8_t> text, SecureBytes& out) {
  // Reserve first, so that growing does not leave copies behind (the allocator wipes them
  // anyway, but one allocation is enough).
  out.reserve(out.size() + text.size());
  unescape(text, [&out](std::uint8_t byte) { out.push_back(byte); });
}

std::string assuan_command(std::string_view verb, std::string_view argument) {
  std::string line(verb);
  if (!argument.empty()) {
    line += ' ';
    line += assuan_escape(argument);
  }
  line += '\n';
  if (line.size() > assuan_max_line) {
    throw Error(ErrorCode::internal, "pinentry: " + std::string(verb) + " line of " +
                                         std::to_string(line.size()) + " bytes is too long");
  }
  return line;
}

SecureBytes assuan_data_lines(std::span<const std::uint8_t> data) {
  // "D " + at most 3 bytes per data byte + LF: stop a line before it could overflow.
  constexpr std::size_t room = assuan_max_line - 3;
  SecureBytes out;
  out.reserve(data.size() * 3 + (data.size() / (room / 3) + 1) * 3);
  std::size_t line_length = 0;
  for (const std::uint8_t byte : data) {
    if (line_length == 0) {
      out.push_back('D');
      out.push_back(' ');
      line_length = 2;
    }
    if (needs_escape(byte)) {
      out.push_back('%');
      out.push_back(static_cast<std::uint8_t>(hex_digits[byte >> 4U]));
      out.push_back(static_cast<std::uint8_t>(hex_digits[byte & 0x0FU]));
      line_length += 3;
    } else {
      out.push_back(byte);
      ++line_length;
    }
    if (line_length + 3 > room) {
      out.push_back('\n');
      line_length = 0;
    }
  }
  if (line_length != 0) {
    out.push_back('\n');
  }
  return out;
}

AssuanReply parse_assuan_reply(std::span<const std::uint8_t> line) {
  if (line.size() >= assuan_max_line) {
    malformed(line, "line too long");
  }
  if (std::find(line.begin(), line.end(), std::uint8_t{'\n'}) != line.end()) {
    malformed(line, "line break inside a line");
  }
  AssuanReply reply;
  if (starts_with_word(line, "OK")) {
    reply.kind = AssuanReplyKind::ok;
    reply.text = printable(after_word(line, "OK"));
  } else if (starts_with_word(line, "ERR")) {
    reply = parse_error(line);
  } else if (starts_with_word(line, "D")) {
    reply.kind = AssuanReplyKind::data;
    assuan_unescape_into(after_word(line, "D"), reply.data);
  } else if (starts_with_word(line, "S") && line.size() > 2) {
    reply.kind = AssuanReplyKind::status;
    reply.text = printable(after_word(line, "S"));
  } else if (!line.empty() && line[0] == '#') {
    reply.kind = AssuanReplyKind::comment;
  } else if (starts_with_word(line, "INQUIRE") && line.size() > 8) {
    reply.kind = AssuanReplyKind::inquire;
    reply.text = printable(after_word(line, "INQUIRE"));
  } else {
    malformed(line, "not an Assuan reply");
  }
  return reply;
}

void AssuanLineReader::feed(std::span<const std::uint8_t> bytes) {
  // Check the new bytes before keeping them: no line may pass the limit, so hostile output
  // never grows the buffer beyond what the caller feeds between two next_line() calls.
  std::size_t open_length = open_length_;
  for (const std::uint8_t byte : bytes) {
    if (byte == '\n') {
      open_length = 0;
    } else if (++open_length >= assuan_max_line) {
      throw Error(ErrorCode::pin_dialog_failed,
                  "pinentry: a line is longer than " + std::to_string(assuan_max_line) + " bytes");
    }
  }
  open_length_ = open_length;
  if (start_ != 0) {
    // Move what is left to the front and zero the bytes it leaves behind before shrinking:
    // resizing down keeps them in the spare capacity otherwise.
    const auto start = static_cast<std::ptrdiff_t>(start_);
    std::copy(buffer_.begin() + start, buffer_.end(), buffer_.begin());
    std::fill(buffer_.end() - start, buffer_.end(), std::uint8_t{0});
    buffer_.resize(buffer_.size() - start_);
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<SecureBytes> AssuanLineReader::next_line() {
  const auto begin = buffer_.begin() + static_cast<std::ptrdiff_t>(start_);
  const auto newline = std::find(begin, buffer_.end(), std::uint8_t{'\n'});
  if (newline == buffer_.end()) {
    return std::nullopt;
  }
  SecureBytes line(begin, newline);
  // The line is handed out: zero its bytes here at once.
  std::fill(begin, newline + 1, std::uint8_t{0});
  start_ = static_cast<std::size_t>(newline - buffer_.begin()) + 1;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  return line;
}

}  // namespace saferchat
