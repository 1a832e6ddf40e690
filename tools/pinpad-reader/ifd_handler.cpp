// SPDX-License-Identifier: Apache-2.0
// saferchat PIN pad reader: a pcsc-lite reader driver (IFD Handler API 3.0, ifdhandler.h) for
// tests. Its one slot holds a card that speaks the vpcd protocol (vsmartcard's: the card is a
// TCP client, every message a 2-byte big-endian length and a payload; 1-byte payloads from the
// reader are power off 00, power on 01, reset 02, get ATR 04), so the unchanged virtual card
// plugs into it. It is a PIN pad reader: GET_FEATURE_REQUEST lists FEATURE_VERIFY_PIN_DIRECT
// (PC/SC Part 10 §2.3), and VERIFY_PIN_DIRECT takes the PIN from a scripted keypad (a Unix
// socket, keypad.hpp), builds the VERIFY APDU as a CCID reader does and sends it to the card.
//
// reader.conf: DEVICENAME is "PORT:KEYPAD_SOCKET" (the TCP port the card connects to on
// 127.0.0.1, the keypad's control socket path), e.g.
//   FRIENDLYNAME "Safer Chat PIN Pad Reader"
//   DEVICENAME   35965:/tmp/x/keypad.sock
//   LIBPATH      /path/to/libifdsaferchatpinpad.so
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "keypad.hpp"
#include "pin_verify.hpp"

extern "C" {
#include <PCSC/ifdhandler.h>
#include <PCSC/reader.h>
}

namespace saferchat::pinpad {
namespace {

// vpcd's control payloads.
constexpr std::uint8_t vpcd_power_off = 0x00;
constexpr std::uint8_t vpcd_power_on = 0x01;
constexpr std::uint8_t vpcd_reset = 0x02;
constexpr std::uint8_t vpcd_get_atr = 0x04;
// How long the card may take to answer one message (a real card: a few hundred ms at most).
constexpr int card_answer_timeout_ms = 20'000;
constexpr std::size_t max_atr_size = 33;

void log(const std::string& text) {
  // pcscd's standard error goes to its log; never a PIN or VERIFY data here.
  static_cast<void>(std::fprintf(stderr, "saferchat-pinpad: %s\n", text.c_str()));
}

std::string hex_sw(std::span<const std::uint8_t> answer) {
  if (answer.size() < 2) {
    return "(" + std::to_string(answer.size()) + " bytes)";
  }
  std::array<char, 5> text{};
  static_cast<void>(std::snprintf(text.data(), text.size(), "%02X%02X", answer[answer.size() - 2],
                                  answer[answer.size() - 1]));
  return text.data();
}

bool send_all(int fd, std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) {
      continue;
    }
    if (sent <= 0) {
      return false;
    }
    bytes = bytes.subspan(static_cast<std::size_t>(sent));
  }
  return true;
}

bool receive_exactly(int fd, std::span<std::uint8_t> bytes, int timeout_ms) {
  while (!bytes.empty()) {
    pollfd ready{fd, POLLIN, 0};
    const int polled = ::poll(&ready, 1, timeout_ms);
    if (polled < 0 && errno == EINTR) {
      continue;
    }
    if (polled <= 0) {
      return false;
    }
    const ssize_t got = ::recv(fd, bytes.data(), bytes.size(), 0);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      return false;
    }
    bytes = bytes.subspan(static_cast<std::size_t>(got));
  }
  return true;
}

// The keypad's control socket, served by a thread of its own.
class KeypadServer {
 public:
  KeypadServer(Keypad& keypad, std::function<std::string()> status)
      : keypad_(keypad), status_(std::move(status)) {}
  KeypadServer(const KeypadServer&) = delete;
  KeypadServer& operator=(const KeypadServer&) = delete;
  KeypadServer(KeypadServer&&) = delete;
  KeypadServer& operator=(KeypadServer&&) = delete;
  ~KeypadServer() { stop(); }

  bool start(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address.sun_path) {
      log("keypad socket path empty or too long");
      return false;
    }
    std::memcpy(address.sun_path, path.data(), path.size());
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    static_cast<void>(::unlink(path.c_str()));
    const mode_t old_mask = ::umask(0077);  // only the owner may type on the keypad
    const bool bound =
        listen_fd_ >= 0 &&
        ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::umask(old_mask);
    if (!bound || ::listen(listen_fd_, 8) != 0 || ::pipe2(wake_.data(), O_CLOEXEC) != 0) {
      log("keypad socket " + path + ": " + std::strerror(errno));
      return false;
    }
    path_ = path;
    thread_ = std::thread([this] { serve(); });
    return true;
  }

  void stop() {
    if (thread_.joinable()) {
      [[maybe_unused]] const ssize_t woken = ::write(wake_[1], "x", 1);
      thread_.join();
    }
    for (int& fd : {std::ref(listen_fd_), std::ref(wake_[0]), std::ref(wake_[1])}) {
      if (fd >= 0) {
        ::close(fd);
        fd = -1;
      }
    }
    if (!path_.empty()) {
      static_cast<void>(::unlink(path_.c_str()));
      path_.clear();
    }
  }

 private:
  struct Client {
    int fd = -1;
    std::string input;
  };

  void serve() {
    std::vector<Client> clients;
    for (;;) {
      std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      for (const Client& client : clients) {
        fds.push_back({client.fd, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) {
          continue;
        }
        break;
      }
      if (fds[0].revents != 0) {
        break;
      }
      if ((fds[1].revents & POLLIN) != 0) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
          clients.push_back({fd, {}});
        }
      }
      for (std::size_t i = 2; i < fds.size(); ++i) {
        if (fds[i].revents == 0) {
          continue;
        }
        Client& client = clients[i - 2];
        if (!serve_client(client)) {
          ::close(client.fd);
          client.fd = -1;
        }
      }
      std::erase_if(clients, [](const Client& client) { return client.fd < 0; });
    }
    for (const Client& client : clients) {
      ::close(client.fd);
    }
  }

  bool serve_client(Client& client) {
    std::array<char, 512> buffer{};
    const ssize_t got = ::recv(client.fd, buffer.data(), buffer.size(), 0);
    if (got <= 0) {
      return got < 0 && errno == EINTR;
    }
    client.input.append(buffer.data(), static_cast<std::size_t>(got));
    for (std::size_t newline = client.input.find('\n'); newline != std::string::npos;
         newline = client.input.find('\n')) {
      const std::string reply = handle(std::string_view(client.input).substr(0, newline)) + "\n";
      // The line may hold digits: wipe it before it is dropped.
      ::explicit_bzero(client.input.data(), newline);
      client.input.erase(0, newline + 1);
      if (!send_all(client.fd,
                    std::span(reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size()))) {
        return false;
      }
    }
    if (client.input.size() > max_keypad_line) {
      static_cast<void>(::send(client.fd, "error line too long\n", 20, MSG_NOSIGNAL));
      return false;
    }
    return true;
  }

  std::string handle(std::string_view line) {
    auto parsed = parse_keypad_line(line);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      return "error " + *error;
    }
    auto& command = std::get<KeypadCommand>(parsed);
    switch (command.action) {
      case KeypadAction::keys:
        keypad_.push(command.keys);
        for (Key& key : command.keys) {
          key.digit = 0;
        }
        return "ok queued=" + std::to_string(keypad_.queued());
      case KeypadAction::clear:
        keypad_.clear();
        return "ok queued=0";
      case KeypadAction::status:
        return status_();
    }
    return "error";
  }

  Keypad& keypad_;
  std::function<std::string()> status_;
  int listen_fd_ = -1;
  std::array<int, 2> wake_{-1, -1};
  std::string path_;
  std::thread thread_;
};

// One reader: its card connection (vpcd protocol) and its keypad.
class Reader {
 public:
  Reader() : keypad_server_(keypad_, [this] { return status(); }) {}
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  Reader(Reader&&) = delete;
  Reader& operator=(Reader&&) = delete;
  ~Reader() {
    keypad_server_.stop();
    drop_card("reader closed");
    if (listen_fd_ >= 0) {
      ::close(listen_fd_);
    }
  }

  // "PORT:KEYPAD_SOCKET".
  RESPONSECODE open(std::string_view device_name) {
    const std::size_t colon = device_name.find(':');
    unsigned port = 0;
    const std::string_view port_text = device_name.substr(0, colon);
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (colon == std::string_view::npos || error != std::errc{} ||
        end != port_text.data() + port_text.size() || port == 0 || port > 0xFFFF) {
      log("DEVICENAME must be PORT:KEYPAD_SOCKET, not \"" + std::string(device_name) + "\"");
      return IFD_COMMUNICATION_ERROR;
    }
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    const int on = 1;
    static_cast<void>(::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // the card runs beside pcscd
    if (listen_fd_ < 0 ||
        ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 1) != 0) {
      log("card port " + std::to_string(port) + ": " + std::strerror(errno));
      return IFD_COMMUNICATION_ERROR;
    }
    if (!keypad_server_.start(std::string(device_name.substr(colon + 1)))) {
      return IFD_COMMUNICATION_ERROR;
    }
    log("waiting for a card on 127.0.0.1:" + std::to_string(port) + ", keypad on " +
        std::string(device_name.substr(colon + 1)));
    return IFD_SUCCESS;
  }

  RESPONSECODE presence() {
    const std::scoped_lock lock(mutex_);
    if (card_fd_ < 0) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        return IFD_ICC_NOT_PRESENT;
      }
      const int on = 1;
      static_cast<void>(::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on));
      card_fd_ = fd;
      log("card connected");
      return IFD_ICC_PRESENT;
    }
    // The card sends nothing unasked: readable means it went away.
    pollfd ready{card_fd_, POLLIN, 0};
    if (::poll(&ready, 1, 0) > 0) {
      drop_card("card connection closed");
      return IFD_ICC_NOT_PRESENT;
    }
    return IFD_ICC_PRESENT;
  }

  RESPONSECODE power(DWORD action, PUCHAR atr, PDWORD atr_length) {
    const std::scoped_lock lock(mutex_);
    if (action == IFD_POWER_DOWN) {
      if (card_fd_ >= 0) {
        static_cast<void>(send_message(std::array{vpcd_power_off}));
      }
      atr_.clear();
      if (atr_length != nullptr) {
        *atr_length = 0;
      }
      return IFD_SUCCESS;
    }
    if (action != IFD_POWER_UP && action != IFD_RESET) {
      return IFD_NOT_SUPPORTED;
    }
    if (card_fd_ < 0) {
      return IFD_ERROR_POWER_ACTION;
    }
    const std::uint8_t code = action == IFD_RESET ? vpcd_reset : vpcd_power_on;
    std::optional<Bytes> answer;
    if (send_message(std::array{code}) && send_message(std::array{vpcd_get_atr})) {
      answer = receive_message();
    }
    if (!answer || answer->empty() || answer->size() > max_atr_size || atr == nullptr ||
        atr_length == nullptr) {
      return IFD_ERROR_POWER_ACTION;
    }
    atr_ = *answer;
    std::memcpy(atr, atr_.data(), atr_.size());
    *atr_length = static_cast<DWORD>(atr_.size());
    return IFD_SUCCESS;
  }

  RESPONSECODE atr(PDWORD length, PUCHAR value) {
    const std::scoped_lock lock(mutex_);
    if (*length < atr_.size()) {
      return IFD_ERROR_INSUFFICIENT_BUFFER;
    }
    std::memcpy(value, atr_.data(), atr_.size());
    *length = static_cast<DWORD>(atr_.size());
    return IFD_SUCCESS;
  }

  RESPONSECODE transmit(std::span<const std::uint8_t> command, PUCHAR rx, PDWORD rx_length) {
    const std::scoped_lock lock(mutex_);
    const std::optional<Bytes> answer = exchange(command);
    if (!answer) {
      *rx_length = 0;
      return IFD_COMMUNICATION_ERROR;
    }
    return copy_out(*answer, rx, *rx_length, rx_length);
  }

  RESPONSECODE control(DWORD code, std::span<const std::uint8_t> input, PUCHAR rx, DWORD rx_length,
                       LPDWORD returned) {
    *returned = 0;
    if (code == get_feature_request) {
      return copy_out(feature_list(), rx, rx_length, returned);
    }
    if (code == verify_pin_direct_code) {
      return verify_pin_direct(input, rx, rx_length, returned);
    }
    return IFD_ERROR_NOT_SUPPORTED;  // as the CCID driver answers an unknown control code
  }

 private:
  RESPONSECODE verify_pin_direct(std::span<const std::uint8_t> input, PUCHAR rx, DWORD rx_length,
                                 LPDWORD returned) {
    auto parsed = parse_pin_verify_structure(input);
    if (const auto* refusal = std::get_if<Refusal>(&parsed)) {
      return refuse(*refusal);
    }
    const auto& structure = std::get<PinVerifyStructure>(parsed);
    if (rx_length < 2) {
      return IFD_ERROR_INSUFFICIENT_BUFFER;
    }
    {
      const std::scoped_lock lock(mutex_);
      if (card_fd_ < 0 || atr_.empty()) {
        record("refused no card");
        return IFD_COMMUNICATION_ERROR;
      }
      ++entries_;
    }
    log("PIN entry: bTimerOut " + std::to_string(structure.timer_out) + " s");
    const Entry entry = keypad_.collect(structure);
    // The CCID driver reports the reader's "cancelled" and "timed out" slot errors (bError EF,
    // F0) as the status words 64 01 and 64 00 (PC/SC Part 10 §2.5.2).
    if (entry.end == EntryEnd::cancelled) {
      record("sw 6401");
      return copy_out(Bytes{0x64, 0x01}, rx, rx_length, returned);
    }
    if (entry.end == EntryEnd::timed_out) {
      record("sw 6400");
      return copy_out(Bytes{0x64, 0x00}, rx, rx_length, returned);
    }
    auto built = build_verify_apdu(structure, entry.digits);
    if (const auto* refusal = std::get_if<Refusal>(&built)) {
      return refuse(*refusal);
    }
    auto& apdu = std::get<Bytes>(built);
    const std::scoped_lock lock(mutex_);
    const std::optional<Bytes> answer = exchange(apdu);
    ::explicit_bzero(apdu.data(), apdu.size());
    if (!answer) {
      record_locked("refused card gone");
      return IFD_COMMUNICATION_ERROR;
    }
    record_locked("sw " + hex_sw(*answer));
    return copy_out(*answer, rx, rx_length, returned);
  }

  RESPONSECODE refuse(const Refusal& refusal) {
    record(std::string("refused ") + refusal.reason);
    log(std::string("PIN_VERIFY_STRUCTURE refused: ") + refusal.reason);
    return refusal.kind == StructureError::length ? IFD_NOT_SUPPORTED : IFD_COMMUNICATION_ERROR;
  }

  static RESPONSECODE copy_out(std::span<const std::uint8_t> bytes, PUCHAR rx, DWORD capacity,
                               PDWORD written) {
    if (rx == nullptr || capacity < bytes.size()) {
      *written = 0;
      return IFD_ERROR_INSUFFICIENT_BUFFER;
    }
    std::memcpy(rx, bytes.data(), bytes.size());
    *written = static_cast<DWORD>(bytes.size());
    return IFD_SUCCESS;
  }

  // With mutex_ held.
  std::optional<Bytes> exchange(std::span<const std::uint8_t> command) {
    if (card_fd_ < 0 || command.size() < 4 || !send_message(command)) {
      return std::nullopt;
    }
    return receive_message();
  }

  bool send_message(std::span<const std::uint8_t> payload) {
    Bytes frame{static_cast<std::uint8_t>(payload.size() >> 8U),
                static_cast<std::uint8_t>(payload.size() & 0xFFU)};
    frame.insert(frame.end(), payload.begin(), payload.end());
    const bool sent = send_all(card_fd_, frame);
    ::explicit_bzero(frame.data(), frame.size());
    if (!sent) {
      drop_card("send to the card failed");
    }
    return sent;
  }

  std::optional<Bytes> receive_message() {
    std::array<std::uint8_t, 2> header{};
    if (!receive_exactly(card_fd_, header, card_answer_timeout_ms)) {
      drop_card("no answer from the card");
      return std::nullopt;
    }
    Bytes payload(static_cast<std::size_t>((header[0] << 8U) | header[1]));
    if (!receive_exactly(card_fd_, payload, card_answer_timeout_ms)) {
      drop_card("the card's answer was cut short");
      return std::nullopt;
    }
    return payload;
  }

  void drop_card(const std::string& why) {
    if (card_fd_ >= 0) {
      log(why + ": card absent");
      ::close(card_fd_);
      card_fd_ = -1;
    }
    atr_.clear();
  }

  void record(const std::string& outcome) {
    const std::scoped_lock lock(mutex_);
    record_locked(outcome);
  }
  void record_locked(const std::string& outcome) { last_ = outcome; }

  std::string status() {
    const std::scoped_lock lock(mutex_);
    return "ok queued=" + std::to_string(keypad_.queued()) +
           " entries=" + std::to_string(entries_) + " card=" + (card_fd_ >= 0 ? "yes" : "no") +
           " last=" + last_;
  }

  std::mutex mutex_;  // the card connection and the counters
  int listen_fd_ = -1;
  int card_fd_ = -1;
  Bytes atr_;
  unsigned entries_ = 0;
  std::string last_ = "none";
  Keypad keypad_;
  KeypadServer keypad_server_;
};

std::mutex readers_mutex;
std::map<DWORD, std::unique_ptr<Reader>>& readers() {
  static std::map<DWORD, std::unique_ptr<Reader>> by_lun;
  return by_lun;
}

Reader* find_reader(DWORD lun) {
  const std::scoped_lock lock(readers_mutex);
  const auto found = readers().find(lun);
  return found == readers().end() ? nullptr : found->second.get();
}

}  // namespace
}  // namespace saferchat::pinpad

// The C ABI pcscd loads (names fixed by ifdhandler.h).
// NOLINTBEGIN(readability-identifier-naming)
using saferchat::pinpad::find_reader;

extern "C" RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName) {
  using saferchat::pinpad::Reader;
  auto reader = std::make_unique<Reader>();
  const RESPONSECODE opened = reader->open(DeviceName == nullptr ? "" : DeviceName);
  if (opened != IFD_SUCCESS) {
    return opened;
  }
  const std::scoped_lock lock(saferchat::pinpad::readers_mutex);
  saferchat::pinpad::readers()[Lun] = std::move(reader);
  return IFD_SUCCESS;
}

// Without DEVICENAME there is no keypad socket to serve: refused.
extern "C" RESPONSECODE IFDHCreateChannel(DWORD /*Lun*/, DWORD /*Channel*/) {
  saferchat::pinpad::log("reader.conf needs DEVICENAME PORT:KEYPAD_SOCKET");
  return IFD_COMMUNICATION_ERROR;
}

extern "C" RESPONSECODE IFDHCloseChannel(DWORD Lun) {
  std::unique_ptr<saferchat::pinpad::Reader> reader;
  {
    const std::scoped_lock lock(saferchat::pinpad::readers_mutex);
    const auto found = saferchat::pinpad::readers().find(Lun);
    if (found == saferchat::pinpad::readers().end()) {
      return IFD_COMMUNICATION_ERROR;
    }
    reader = std::move(found->second);
    saferchat::pinpad::readers().erase(found);
  }
  return IFD_SUCCESS;  // the reader's destructor closes its sockets
}

extern "C" RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value) {
  if (Length == nullptr || Value == nullptr) {
    return IFD_ERROR_TAG;
  }
  switch (Tag) {
    case TAG_IFD_ATR:
    case SCARD_ATTR_ATR_STRING: {
      saferchat::pinpad::Reader* reader = find_reader(Lun);
      return reader == nullptr ? IFD_COMMUNICATION_ERROR : reader->atr(Length, Value);
    }
    case TAG_IFD_SIMULTANEOUS_ACCESS:  // readers this driver can run at once
    case TAG_IFD_SLOTS_NUMBER:
      if (*Length < 1) {
        return IFD_ERROR_INSUFFICIENT_BUFFER;
      }
      *Value = Tag == TAG_IFD_SLOTS_NUMBER ? 1 : 4;
      *Length = 1;
      return IFD_SUCCESS;
    case TAG_IFD_THREAD_SAFE:
    case TAG_IFD_SLOT_THREAD_SAFE:
      if (*Length < 1) {
        return IFD_ERROR_INSUFFICIENT_BUFFER;
      }
      *Value = 0;  // pcscd serialises the calls per reader
      *Length = 1;
      return IFD_SUCCESS;
    default:
      return IFD_ERROR_TAG;
  }
}

extern "C" RESPONSECODE IFDHSetCapabilities(DWORD /*Lun*/, DWORD /*Tag*/, DWORD /*Length*/,
                                            PUCHAR /*Value*/) {
  return IFD_NOT_SUPPORTED;
}

// The card's protocol is what its ATR offers; nothing to negotiate over vpcd.
extern "C" RESPONSECODE IFDHSetProtocolParameters(DWORD Lun, DWORD /*Protocol*/, UCHAR /*Flags*/,
                                                  UCHAR /*PTS1*/, UCHAR /*PTS2*/, UCHAR /*PTS3*/) {
  return find_reader(Lun) == nullptr ? IFD_COMMUNICATION_ERROR : IFD_SUCCESS;
}

extern "C" RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength) {
  saferchat::pinpad::Reader* reader = find_reader(Lun);
  return reader == nullptr ? IFD_COMMUNICATION_ERROR : reader->power(Action, Atr, AtrLength);
}

extern "C" RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER /*SendPci*/, PUCHAR TxBuffer,
                                          DWORD TxLength, PUCHAR RxBuffer, PDWORD RxLength,
                                          PSCARD_IO_HEADER /*RecvPci*/) {
  saferchat::pinpad::Reader* reader = find_reader(Lun);
  if (reader == nullptr || TxBuffer == nullptr || RxLength == nullptr) {
    return IFD_COMMUNICATION_ERROR;
  }
  return reader->transmit(std::span<const std::uint8_t>(TxBuffer, TxLength), RxBuffer, RxLength);
}

extern "C" RESPONSECODE IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer, DWORD TxLength,
                                    PUCHAR RxBuffer, DWORD RxLength, LPDWORD pdwBytesReturned) {
  saferchat::pinpad::Reader* reader = find_reader(Lun);
  if (reader == nullptr || pdwBytesReturned == nullptr) {
    return IFD_COMMUNICATION_ERROR;
  }
  const std::span<const std::uint8_t> input =
      TxBuffer == nullptr ? std::span<const std::uint8_t>{}
                          : std::span<const std::uint8_t>(TxBuffer, TxLength);
  return reader->control(dwControlCode, input, RxBuffer, RxLength, pdwBytesReturned);
}

extern "C" RESPONSECODE IFDHICCPresence(DWORD Lun) {
  saferchat::pinpad::Reader* reader = find_reader(Lun);
  return reader == nullptr ? IFD_COMMUNICATION_ERROR : reader->presence();
}
// NOLINTEND(readability-identifier-naming)
