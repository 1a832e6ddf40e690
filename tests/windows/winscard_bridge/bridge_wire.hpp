// SPDX-License-Identifier: Apache-2.0
// TEST ONLY. The messages between the test winscard.dll (winscard_dll.cpp, a Windows program's
// side, under Wine) and saferchat-winscard-bridge (bridge.cpp, a Linux program making the real
// calls against pcsc-lite's pcscd). Never installed or shipped.
//
// A message either way: a 4-byte little-endian length, then that many bytes (at most
// max_message). A request is one byte `Op` and its fields; a reply starts with the call's
// result (u32: Windows' LONG, the same SCARD_* values as pcsc-lite's) and its fields. Fields:
// u8, u32 and u64 little-endian, `bytes` = u32 length + the bytes. Numbers on the wire have
// Windows' meaning (protocols, SCardStatus' state, control codes): the bridge maps them to
// pcsc-lite's. Reader names are UTF-8.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace saferchat::winscard_bridge {

// A short APDU or a control exchange with room to spare; anything longer is refused.
inline constexpr std::uint32_t max_message = 128U * 1024U;
// The protocol's version, sent in `hello`: the two sides are built from one tree.
inline constexpr std::uint32_t wire_version = 1;
// SCardGetStatusChange's reader count (pcsc-lite's 16 readers and the PnP reader, with room).
inline constexpr std::uint32_t max_reader_states = 32;

// Requests → replies (after the result):
//   hello              u32 version, u32 pid, u8 first connection of its process → -
//   establish_context  u32 scope → u64 context
//   release_context, is_valid_context, cancel   u64 context → -
//   list_readers       u64 context → bytes multi-string (UTF-8 names, each ended by NUL)
//   get_status_change  u64 context, u32 timeout, u32 n, n × (bytes name, u32 current state)
//                      → u32 n, n × (u32 event state, bytes ATR)
//   connect            u64 context, bytes reader, u32 share, u32 protocols
//                      → u64 card, u32 protocol
//   reconnect          u64 card, u32 share, u32 protocols, u32 initialization → u32 protocol
//   disconnect, end_transaction   u64 card, u32 disposition → -
//   begin_transaction  u64 card → -
//   status             u64 card → bytes multi-string, u32 state, u32 protocol, bytes ATR
//   transmit           u64 card, u32 protocol, bytes command, u32 room
//                      → u32 protocol, u32 length, bytes response (after success only)
//   control            u64 card, u32 code, bytes input, u32 room
//                      → u32 length, bytes output (after success only)
enum class Op : std::uint8_t {
  hello = 1,
  establish_context,
  release_context,
  is_valid_context,
  list_readers,
  get_status_change,
  cancel,
  connect,
  reconnect,
  disconnect,
  begin_transaction,
  end_transaction,
  status,
  transmit,
  control,
};

class WireError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Writer {
 public:
  explicit Writer(Op op) { u8(static_cast<std::uint8_t>(op)); }
  Writer() = default;

  Writer& u8(std::uint8_t value) {
    bytes_.push_back(value);
    return *this;
  }
  Writer& u32(std::uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) {
      bytes_.push_back(static_cast<std::uint8_t>(value >> shift));
    }
    return *this;
  }
  Writer& u64(std::uint64_t value) {
    for (int shift = 0; shift < 64; shift += 8) {
      bytes_.push_back(static_cast<std::uint8_t>(value >> shift));
    }
    return *this;
  }
  Writer& bytes(const void* data, std::size_t size) {
    if (size > max_message) {
      throw WireError("field too long");
    }
    u32(static_cast<std::uint32_t>(size));
    const auto* begin = static_cast<const std::uint8_t*>(data);
    bytes_.insert(bytes_.end(), begin, begin + size);
    return *this;
  }
  Writer& text(std::string_view value) { return bytes(value.data(), value.size()); }

  // The message with its length in front.
  [[nodiscard]] std::vector<std::uint8_t> framed() const {
    if (bytes_.size() > max_message) {
      throw WireError("message too long");
    }
    Writer frame;
    frame.u32(static_cast<std::uint32_t>(bytes_.size()));
    frame.bytes_.insert(frame.bytes_.end(), bytes_.begin(), bytes_.end());
    return frame.bytes_;
  }

 private:
  std::vector<std::uint8_t> bytes_;
};

// Reads one message's fields; every read is checked against what is left.
class Reader {
 public:
  explicit Reader(const std::vector<std::uint8_t>& message) : message_(message) {}

  std::uint8_t u8() { return take(1)[0]; }
  std::uint32_t u32() {
    const std::uint8_t* at = take(4);
    std::uint32_t value = 0;
    for (int i = 3; i >= 0; --i) {
      value = (value << 8U) | at[i];
    }
    return value;
  }
  std::uint64_t u64() {
    const std::uint8_t* at = take(8);
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i) {
      value = (value << 8U) | at[i];
    }
    return value;
  }
  std::vector<std::uint8_t> bytes() {
    const std::uint32_t size = u32();
    const std::uint8_t* at = take(size);
    return {at, at + size};
  }
  std::string text() {
    const std::vector<std::uint8_t> value = bytes();
    return {value.begin(), value.end()};
  }
  // Every field read, nothing left over.
  void end() const {
    if (at_ != message_.size()) {
      throw WireError("trailing bytes in message");
    }
  }

 private:
  const std::uint8_t* take(std::size_t size) {
    if (size > message_.size() - at_) {
      throw WireError("message too short");
    }
    const std::uint8_t* at = message_.data() + at_;
    at_ += size;
    return at;
  }

  const std::vector<std::uint8_t>& message_;
  std::size_t at_ = 0;
};

// The length in front of a message, checked.
inline std::uint32_t frame_length(const std::array<std::uint8_t, 4>& header) {
  const std::uint32_t length = static_cast<std::uint32_t>(header[0]) |
                               (static_cast<std::uint32_t>(header[1]) << 8U) |
                               (static_cast<std::uint32_t>(header[2]) << 16U) |
                               (static_cast<std::uint32_t>(header[3]) << 24U);
  if (length == 0 || length > max_message) {
    throw WireError("bad message length " + std::to_string(length));
  }
  return length;
}

}  // namespace saferchat::winscard_bridge
