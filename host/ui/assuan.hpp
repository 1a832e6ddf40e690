// SPDX-License-Identifier: Apache-2.0
// Assuan, the line protocol of GnuPG's PIN programs (pinentry): encoding the commands a client
// sends and decoding the lines a server answers with. Pure: no I/O.
//
// Lines end with LF and are at most 1000 bytes long, LF included. In command arguments and in
// data lines, '%', CR, LF (and here every other control byte) travel as %XX. The server
// answers a command with any number of status (`S`), comment (`#`) and data (`D`) lines, then
// `OK [text]` or `ERR <gpg-error value> [text]`; it may also ask back with `INQUIRE`.
//
// The server is a program we start, but its output is untrusted: every malformed line throws
// Error(pin_dialog_failed). Decoded data (a PIN) only ever lands in SecureBytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "apdu/secure_bytes.hpp"

namespace saferchat {

// The longest Assuan line, final LF included.
inline constexpr std::size_t assuan_max_line = 1000;

// gpg-error values are (source << 24) | code; pinentry's source is 5, so a cancelled dialog
// answers `ERR 83886179` (5 << 24 | 99). Clients compare codes, not sources.
[[nodiscard]] constexpr std::uint32_t gpg_error_code(std::uint32_t value) noexcept {
  return value & 0xFFFFU;
}
inline constexpr std::uint32_t gpg_err_timeout = 62;          // SETTIMEOUT expired
inline constexpr std::uint32_t gpg_err_canceled = 99;         // Cancel, Escape, window closed
inline constexpr std::uint32_t gpg_err_not_confirmed = 114;   // CONFIRM answered "not OK"
inline constexpr std::uint32_t gpg_err_fully_canceled = 198;  // cancelled, do not ask again

// Percent-escapes a command argument: '%' → %25, LF → %0A, CR → %0D, other bytes below 0x20
// and 0x7F → %XX; everything else (UTF-8 included) passes through.
[[nodiscard]] std::string assuan_escape(std::string_view text);

// Decodes %XX escapes (either case). Throws Error(pin_dialog_failed) on a '%' not followed by
// two hex digits.
[[nodiscard]] std::string assuan_unescape(std::string_view text);
// The same, appending to a wiped buffer: for data that may be a PIN.
void assuan_unescape_into(std::span<const std::uint8_t> text, SecureBytes& out);

// One command line, "VERB argument\n" ("VERB\n" without argument); the argument is escaped.
// Throws Error(internal) when the line would exceed assuan_max_line: our texts are too long.
[[nodiscard]] std::string assuan_command(std::string_view verb, std::string_view argument = {});

// `data` as one or more "D <escaped>\n" lines, each within assuan_max_line, in a wiped buffer.
// Empty data gives no line.
[[nodiscard]] SecureBytes assuan_data_lines(std::span<const std::uint8_t> data);

enum class AssuanReplyKind : std::uint8_t { ok, error, data, status, comment, inquire };

struct AssuanReply {
  AssuanReplyKind kind = AssuanReplyKind::comment;
  // ok: the text after "OK"; error: the description; status and inquire: the keyword and its
  // arguments; comment and data: empty. Bytes outside printable ASCII become '?': the text is
  // meant for the log, and the peer may be hostile.
  std::string text;
  // error: the gpg-error value.
  std::uint32_t error_value = 0;
  // data: the decoded bytes. May be a PIN: never copy them into a std::string.
  SecureBytes data;
};

// Parses one server line, given without its LF. Throws Error(pin_dialog_failed) on anything
// that is not one of the forms above.
[[nodiscard]] AssuanReply parse_assuan_reply(std::span<const std::uint8_t> line);

// Splits the bytes a server writes into lines. Bytes are zeroed as soon as their line is
// handed out or they move, and every buffer that held them is wiped when freed.
class AssuanLineReader {
 public:
  // Appends bytes read from the server. Throws Error(pin_dialog_failed) as soon as a line is
  // longer than assuan_max_line.
  void feed(std::span<const std::uint8_t> bytes);
  // The next complete line without its LF, or nullopt when none is complete yet.
  [[nodiscard]] std::optional<SecureBytes> next_line();
  // After next_line() gave nullopt: bytes of an unfinished line are waiting (at end of
  // output, the server broke off mid-line).
  [[nodiscard]] bool has_partial_line() const noexcept { return start_ < buffer_.size(); }

 private:
  SecureBytes buffer_;
  std::size_t start_ = 0;        // where the first line not yet handed out begins
  std::size_t open_length_ = 0;  // bytes after the last LF fed
};

}  // namespace saferchat
