// SPDX-License-Identifier: Apache-2.0
// The scripted keypad of the PIN pad reader: what a test "types" on the reader, and how the
// reader turns key strokes into a PIN entry under PIN_VERIFY_STRUCTURE's rules (bTimerOut,
// bTimerOut2, wPINMaxExtraDigit, bEntryValidationCondition).
//
// Control lines (tools/pinpad-reader/README.md), one per line, each answered "ok …" or
// "error …":
//   pin DIGITS   type DIGITS, then press OK
//   keys DIGITS  type DIGITS (no OK)
//   ok           press OK
//   cancel       press Cancel (the reader answers 64 01)
//   timeout      press nothing for this entry: it ends when bTimerOut runs out (64 00)
//   clear        forget keys not used yet
//   status       "ok queued=N entries=N last=…": keys waiting, PIN entries so far, the last
//                one's outcome (none, sw XXXX, refused …)
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pin_verify.hpp"

namespace saferchat::pinpad {

enum class KeyKind : std::uint8_t { digit, ok, cancel, no_key };

struct Key {
  KeyKind kind = KeyKind::ok;
  char digit = 0;
};

enum class KeypadAction : std::uint8_t { keys, clear, status };

struct KeypadCommand {
  KeypadAction action = KeypadAction::keys;
  std::vector<Key> keys;
};

inline constexpr std::size_t max_keypad_line = 256;

// One line without its newline; a trailing '\r' and surrounding blanks are ignored. Returns
// the command or the text of the error.
[[nodiscard]] std::variant<KeypadCommand, std::string> parse_keypad_line(std::string_view line);

// An entry's end: the digits (wiped by the destructor), or why there are none.
enum class EntryEnd : std::uint8_t { entered, cancelled, timed_out };

class Entry {
 public:
  Entry() = default;
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;
  Entry(Entry&& other) noexcept;
  Entry& operator=(Entry&&) = delete;
  ~Entry();

  EntryEnd end = EntryEnd::timed_out;
  std::string digits;
};

// The keys typed and not yet used, shared by the control socket's thread (push) and the
// reader's VERIFY_PIN_DIRECT (collect).
class Keypad {
 public:
  using Clock = std::chrono::steady_clock;

  // bTimerOut 0: the reader's default wait for the first key.
  static constexpr std::chrono::seconds default_timeout{30};

  void push(const std::vector<Key>& keys);
  void clear();
  [[nodiscard]] std::size_t queued() const;

  // One PIN entry as a reader runs it: waits up to bTimerOut for the first key and up to
  // bTimerOut2 (bTimerOut when 0) after each key; digits beyond the maximum are ignored, OK
  // below the minimum is ignored; the entry ends on OK (bEntryValidationCondition 02), on
  // reaching the maximum (01), or on the timeout with at least the minimum typed (04).
  [[nodiscard]] Entry collect(const PinVerifyStructure& structure);

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Key> keys_;
};

}  // namespace saferchat::pinpad
