// SPDX-License-Identifier: Apache-2.0
#include "keypad.hpp"

#include <algorithm>
#include <cstring>
#include <thread>
#include <utility>

namespace saferchat::pinpad {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  return text;
}

}  // namespace

std::variant<KeypadCommand, std::string> parse_keypad_line(std::string_view line) {
  line = trim(line);
  const std::size_t space = line.find(' ');
  const std::string_view word = line.substr(0, space);
  const std::string_view rest = space == std::string_view::npos ? "" : trim(line.substr(space));
  KeypadCommand command;
  if (word == "pin" || word == "keys") {
    if (rest.empty() || rest.size() > 64 ||
        !std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::string(word) + " needs 1 to 64 digits";
    }
    for (const char c : rest) {
      command.keys.push_back({KeyKind::digit, c});
    }
    if (word == "pin") {
      command.keys.push_back({KeyKind::ok, 0});
    }
    return command;
  }
  if (!rest.empty()) {
    return std::string(word) + " takes no argument";
  }
  if (word == "ok") {
    command.keys.push_back({KeyKind::ok, 0});
  } else if (word == "cancel") {
    command.keys.push_back({KeyKind::cancel, 0});
  } else if (word == "timeout") {
    command.keys.push_back({KeyKind::no_key, 0});
  } else if (word == "clear") {
    command.action = KeypadAction::clear;
  } else if (word == "status") {
    command.action = KeypadAction::status;
  } else {
    return "unknown command \"" + std::string(word) + "\"";
  }
  return command;
}

Entry::Entry(Entry&& other) noexcept : end(other.end), digits(std::move(other.digits)) {
  ::explicit_bzero(other.digits.data(), other.digits.size());
  other.digits.clear();
}

Entry::~Entry() { ::explicit_bzero(digits.data(), digits.size()); }

void Keypad::push(const std::vector<Key>& keys) {
  {
    const std::scoped_lock lock(mutex_);
    keys_.insert(keys_.end(), keys.begin(), keys.end());
  }
  changed_.notify_all();
}

void Keypad::clear() {
  const std::scoped_lock lock(mutex_);
  for (Key& key : keys_) {
    key.digit = 0;
  }
  keys_.clear();
}

std::size_t Keypad::queued() const {
  const std::scoped_lock lock(mutex_);
  return keys_.size();
}

Entry Keypad::collect(const PinVerifyStructure& structure) {
  const auto seconds = [](std::uint8_t value, std::chrono::seconds fallback) {
    return value == 0 ? fallback : std::chrono::seconds(value);
  };
  const std::chrono::seconds first = seconds(structure.timer_out, default_timeout);
  const std::chrono::seconds next = seconds(structure.timer_out2, first);
  Entry entry;
  auto deadline = Clock::now() + first;
  std::unique_lock lock(mutex_);
  const auto complete = [&] {
    return entry.digits.size() >= structure.min_digits() &&
           entry.digits.size() <= structure.max_digits();
  };
  // Time is up: with "entry on timeout" a long enough PIN is taken as it is.
  const auto time_up = [&] {
    entry.end = (structure.entry_validation & entry_on_timeout) != 0 && complete()
                    ? EntryEnd::entered
                    : EntryEnd::timed_out;
  };
  for (;;) {
    if (!changed_.wait_until(lock, deadline, [&] { return !keys_.empty(); })) {
      time_up();
      return entry;
    }
    Key key = keys_.front();
    keys_.pop_front();
    switch (key.kind) {
      case KeyKind::digit:
        if (entry.digits.size() < structure.max_digits()) {
          entry.digits.push_back(key.digit);
        }
        key.digit = 0;
        deadline = Clock::now() + next;
        if ((structure.entry_validation & entry_on_max_size) != 0 &&
            entry.digits.size() == structure.max_digits()) {
          entry.end = EntryEnd::entered;
          return entry;
        }
        break;
      case KeyKind::ok:
        if ((structure.entry_validation & entry_on_ok_key) != 0 && complete()) {
          entry.end = EntryEnd::entered;
          return entry;
        }
        deadline = Clock::now() + next;  // refused (too short): the reader keeps waiting
        break;
      case KeyKind::cancel:
        entry.end = EntryEnd::cancelled;
        return entry;
      case KeyKind::no_key:
        // Nobody touches the keypad: the entry ends when its time runs out.
        lock.unlock();
        std::this_thread::sleep_until(deadline);
        time_up();
        return entry;
    }
  }
}

}  // namespace saferchat::pinpad
