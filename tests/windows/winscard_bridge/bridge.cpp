// SPDX-License-Identifier: Apache-2.0
// saferchat-winscard-bridge: TEST ONLY, never installed or shipped. The Linux side of the test
// winscard.dll (winscard_dll.cpp): Wine 8.0's own winscard.dll cannot reach pcscd, so the test
// DLL forwards each SCard* call of a Windows program over a loopback TCP connection to this
// program, which makes the same call against pcsc-lite (the private pcscd with the virtual card
// that saferchat-pcsc-env starts: PCSCLITE_CSOCK_NAME) and sends back the result. Messages:
// bridge_wire.hpp. Windows' numbers become pcsc-lite's here (protocols, SCardStatus' state,
// SCARD_CTL_CODE); LONG and DWORD are 32 bits on the wire.
//
//   saferchat-winscard-bridge --port N [--log FILE]
//
// Listens on 127.0.0.1 only (port 0: one the system picks), prints "port <N>" on standard
// output once listening, and serves until its standard input ends. One thread per connection:
// the DLL opens one per calling thread, so a call that blocks (SCardGetStatusChange) and the
// SCardCancel that ends it come on two connections, as on two threads of a Linux program. The
// DLL's first connection in a process stays open until the process ends: when it closes, the
// contexts that process left open are released (its cards disconnected, its transactions
// ended). The log has one line per call, never the bytes sent to or from the card (a PIN
// travels in VERIFY).
#include <PCSC/pcsclite.h>
#include <PCSC/reader.h>
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bridge_wire.hpp"

namespace saferchat::winscard_bridge {
namespace {

// Windows' values where they differ from pcsc-lite's (winsmcrd.h, winscard.h).
constexpr std::uint32_t win_protocol_raw = 0x00010000;
constexpr std::uint32_t win_ctl_device = 0x00310000;  // CTL_CODE(FILE_DEVICE_SMARTCARD, …)

std::mutex log_mutex;
std::FILE* log_file = stderr;

void log_line(const std::string& line) {
  const std::lock_guard lock(log_mutex);
  // A log line that cannot be written is lost; the call's result is not.
  static_cast<void>(std::fprintf(log_file, "%s\n", line.c_str()));
  static_cast<void>(std::fflush(log_file));
}

std::string result_name(LONG rv) {
  return rv == SCARD_S_SUCCESS ? "SCARD_S_SUCCESS" : pcsc_stringify_error(rv);
}

std::uint32_t wire_result(LONG rv) { return static_cast<std::uint32_t>(rv); }

// Windows' protocol bits → pcsc-lite's; false for bits pcsc-lite has no match for.
bool to_pcsc_protocols(std::uint32_t windows, DWORD& pcsc) {
  const std::uint32_t known = SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1 | win_protocol_raw;
  if ((windows & ~known) != 0) {
    return false;
  }
  pcsc = (windows & (SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)) |
         ((windows & win_protocol_raw) != 0 ? SCARD_PROTOCOL_RAW : 0U);
  return true;
}

std::uint32_t to_windows_protocol(DWORD pcsc) {
  return static_cast<std::uint32_t>(pcsc & (SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)) |
         ((pcsc & SCARD_PROTOCOL_RAW) != 0 ? win_protocol_raw : 0U);
}

// pcsc-lite's SCardStatus state is a bit mask, Windows' an enumeration (SCARD_UNKNOWN 0 …
// SCARD_SPECIFIC 6): the highest bit set gives the value.
std::uint32_t to_windows_card_state(DWORD pcsc) {
  constexpr std::array<std::pair<DWORD, std::uint32_t>, 6> states{{{SCARD_SPECIFIC, 6},
                                                                   {SCARD_NEGOTIABLE, 5},
                                                                   {SCARD_POWERED, 4},
                                                                   {SCARD_SWALLOWED, 3},
                                                                   {SCARD_PRESENT, 2},
                                                                   {SCARD_ABSENT, 1}}};
  for (const auto& [bit, value] : states) {
    if ((pcsc & bit) != 0) {
      return value;
    }
  }
  return 0;
}

// SCARD_CTL_CODE(f) is CTL_CODE(FILE_DEVICE_SMARTCARD, f, METHOD_BUFFERED, FILE_ANY_ACCESS) =
// 0x00310000 | f << 2 on Windows, 0x42000000 + f in pcsc-lite. Other codes (those a reader's
// GET_FEATURE_REQUEST answer lists, which come from pcsc-lite's driver) pass as they are.
DWORD to_pcsc_control_code(std::uint32_t windows) {
  if ((windows & 0xFFFFC003U) == win_ctl_device) {
    return SCARD_CTL_CODE((windows >> 2U) & 0xFFFU);
  }
  return windows;
}

bool read_all(int fd, void* data, std::size_t size) {
  auto* at = static_cast<std::uint8_t*>(data);
  while (size > 0) {
    const ssize_t got = ::recv(fd, at, size, 0);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      return false;
    }
    at += got;
    size -= static_cast<std::size_t>(got);
  }
  return true;
}

bool write_all(int fd, const std::vector<std::uint8_t>& bytes) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t sent = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) {
      continue;
    }
    if (sent <= 0) {
      return false;
    }
    at += static_cast<std::size_t>(sent);
  }
  return true;
}

// The contexts each Windows process made, released when its first connection closes.
class Processes {
 public:
  void add(std::uint32_t pid, SCARDCONTEXT context) {
    const std::lock_guard lock(mutex_);
    contexts_[pid].insert(context);
  }
  void remove(std::uint32_t pid, SCARDCONTEXT context) {
    const std::lock_guard lock(mutex_);
    contexts_[pid].erase(context);
  }
  void ended(std::uint32_t pid) {
    std::set<SCARDCONTEXT> left;
    {
      const std::lock_guard lock(mutex_);
      left.swap(contexts_[pid]);
      contexts_.erase(pid);
    }
    for (const SCARDCONTEXT context : left) {
      log_line("pid " + std::to_string(pid) + " ended: SCardReleaseContext -> " +
               result_name(SCardReleaseContext(context)));
    }
  }

 private:
  std::mutex mutex_;
  std::map<std::uint32_t, std::set<SCARDCONTEXT>> contexts_;
};

Processes processes;

class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) = delete;
  Connection& operator=(Connection&&) = delete;
  ~Connection() {
    if (anchor_) {
      processes.ended(pid_);
    }
    static_cast<void>(::close(fd_));  // nothing to do if it fails
  }

  void serve() {
    try {
      for (;;) {
        std::array<std::uint8_t, 4> header{};
        if (!read_all(fd_, header.data(), header.size())) {
          return;  // the Windows thread or process ended
        }
        std::vector<std::uint8_t> message(frame_length(header));
        if (!read_all(fd_, message.data(), message.size())) {
          return;
        }
        Reader request(message);
        const Writer reply = answer(request);
        if (!write_all(fd_, reply.framed())) {
          return;
        }
      }
    } catch (const WireError& e) {
      log_line("pid " + std::to_string(pid_) + ": bad message, connection closed: " + e.what());
    }
  }

 private:
  void log_call(std::string_view call, LONG rv) const {
    log_line("pid " + std::to_string(pid_) + " " + std::string(call) + " -> " + result_name(rv));
  }

  // Reads the whole request (Reader::end: nothing left over) before making any call, so that a
  // bad message changes nothing.
  Writer answer(Reader& request) {
    const auto op = static_cast<Op>(request.u8());
    if (op != Op::hello && !greeted_) {
      throw WireError("no hello first");
    }
    switch (op) {
      case Op::hello: {
        const std::uint32_t version = request.u32();
        const std::uint32_t pid = request.u32();
        const bool anchor = request.u8() != 0;
        request.end();
        pid_ = pid;
        greeted_ = version == wire_version;
        anchor_ = greeted_ && anchor;
        const LONG rv = greeted_ ? SCARD_S_SUCCESS : SCARD_E_INVALID_VALUE;
        log_call(std::string("hello") + (anchor ? " (process)" : " (thread)"), rv);
        return std::move(Writer().u32(wire_result(rv)));
      }
      case Op::establish_context: {
        const DWORD scope = request.u32();
        request.end();
        SCARDCONTEXT context = 0;
        const LONG rv = SCardEstablishContext(scope, nullptr, nullptr, &context);
        if (rv == SCARD_S_SUCCESS) {
          processes.add(pid_, context);
        }
        log_call("SCardEstablishContext", rv);
        return std::move(Writer().u32(wire_result(rv)).u64(static_cast<std::uint64_t>(context)));
      }
      case Op::release_context: {
        const auto context = static_cast<SCARDCONTEXT>(request.u64());
        request.end();
        const LONG rv = SCardReleaseContext(context);
        processes.remove(pid_, context);
        log_call("SCardReleaseContext", rv);
        return std::move(Writer().u32(wire_result(rv)));
      }
      case Op::is_valid_context: {
        const auto context = static_cast<SCARDCONTEXT>(request.u64());
        request.end();
        const LONG rv = SCardIsValidContext(context);
        log_call("SCardIsValidContext", rv);
        return std::move(Writer().u32(wire_result(rv)));
      }
      case Op::list_readers: {
        const auto context = static_cast<SCARDCONTEXT>(request.u64());
        request.end();
        return list_readers(context);
      }
      case Op::get_status_change:
        return get_status_change(request);
      case Op::cancel: {
        const auto context = static_cast<SCARDCONTEXT>(request.u64());
        request.end();
        const LONG rv = SCardCancel(context);
        log_call("SCardCancel", rv);
        return std::move(Writer().u32(wire_result(rv)));
      }
      case Op::connect: {
        const auto context = static_cast<SCARDCONTEXT>(request.u64());
        const std::string reader = request.text();
        const DWORD share = request.u32();
        const std::uint32_t windows_protocols = request.u32();
        request.end();
        DWORD protocols = 0;
        SCARDHANDLE card = 0;
        DWORD active = 0;
        const LONG rv =
            to_pcsc_protocols(windows_protocols, protocols)
                ? SCardConnect(context, reader.c_str(), share, protocols, &card, &active)
                : SCARD_E_INVALID_VALUE;
        log_call("SCardConnect", rv);
        return std::move(Writer()
                             .u32(wire_result(rv))
                             .u64(static_cast<std::uint64_t>(card))
                             .u32(to_windows_protocol(active)));
      }
      case Op::reconnect: {
        const auto card = static_cast<SCARDHANDLE>(request.u64());
        const DWORD share = request.u32();
        const std::uint32_t windows_protocols = request.u32();
        const DWORD initialization = request.u32();
        request.end();
        DWORD protocols = 0;
        DWORD active = 0;
        const LONG rv = to_pcsc_protocols(windows_protocols, protocols)
                            ? SCardReconnect(card, share, protocols, initialization, &active)
                            : SCARD_E_INVALID_VALUE;
        log_call("SCardReconnect", rv);
        return std::move(Writer().u32(wire_result(rv)).u32(to_windows_protocol(active)));
      }
      case Op::disconnect: {
        const auto card = static_cast<SCARDHANDLE>(request.u64());
        const DWORD disposition = request.u32();
        request.end();
        const LONG rv = SCardDisconnect(card, disposition);
        log_call("SCardDisconnect", rv);
        return std::move(Writer().u32(wire_result(rv)));
      }
      case Op::begin_transaction: {
        const auto card = static_cast<SCARDHANDLE>(request.u64());
        request.end();
        const LONG rv = SCardBeginTransaction(card);
        log_call("SCardBeginTransaction", rv);
        return std::move(Writer().u32(wire_result(rv)));
      }
      case Op::end_transaction: {
        const auto card = static_cast<SCARDHANDLE>(request.u64());
        const DWORD disposition = request.u32();
        request.end();
        const LONG rv = SCardEndTransaction(card, disposition);
        log_call("SCardEndTransaction", rv);
        return std::move(Writer().u32(wire_result(rv)));
      }
      case Op::status: {
        const auto card = static_cast<SCARDHANDLE>(request.u64());
        request.end();
        return status(card);
      }
      case Op::transmit:
        return transmit(request);
      case Op::control:
        return control(request);
    }
    throw WireError("unknown operation " + std::to_string(static_cast<int>(op)));
  }

  Writer list_readers(SCARDCONTEXT context) const {
    std::vector<char> names;
    LONG rv = SCARD_S_SUCCESS;
    for (int attempt = 0; attempt < 4; ++attempt) {
      DWORD length = 0;
      rv = SCardListReaders(context, nullptr, nullptr, &length);
      if (rv == SCARD_S_SUCCESS) {
        names.assign(length, '\0');
        rv = SCardListReaders(context, nullptr, names.data(), &length);
        names.resize(length);
      }
      if (rv != SCARD_E_INSUFFICIENT_BUFFER) {
        break;  // a reader came between the two calls otherwise: again
      }
    }
    log_call("SCardListReaders", rv);
    if (rv != SCARD_S_SUCCESS) {
      names.clear();
    }
    return std::move(Writer().u32(wire_result(rv)).bytes(names.data(), names.size()));
  }

  Writer get_status_change(Reader& request) const {
    const auto context = static_cast<SCARDCONTEXT>(request.u64());
    const DWORD timeout = request.u32();
    const std::uint32_t count = request.u32();
    if (count > max_reader_states) {
      throw WireError("too many reader states");
    }
    std::vector<std::string> names(count);
    std::vector<SCARD_READERSTATE> states(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      names[i] = request.text();
      states[i] = {};
      states[i].dwCurrentState = request.u32();
    }
    request.end();
    for (std::uint32_t i = 0; i < count; ++i) {
      states[i].szReader = names[i].c_str();
    }
    const LONG rv = SCardGetStatusChange(context, timeout, states.data(), count);
    log_call("SCardGetStatusChange", rv);
    Writer reply;
    reply.u32(wire_result(rv)).u32(count);
    for (const SCARD_READERSTATE& state : states) {
      const DWORD atr_length = std::min<DWORD>(state.cbAtr, sizeof state.rgbAtr);
      reply.u32(static_cast<std::uint32_t>(state.dwEventState)).bytes(state.rgbAtr, atr_length);
    }
    return reply;
  }

  Writer status(SCARDHANDLE card) const {
    std::array<char, 1024> name{};
    DWORD name_length = name.size();
    std::array<BYTE, MAX_ATR_SIZE> atr{};
    DWORD atr_length = atr.size();
    DWORD state = 0;
    DWORD protocol = 0;
    const LONG rv =
        SCardStatus(card, name.data(), &name_length, &state, &protocol, atr.data(), &atr_length);
    log_call("SCardStatus", rv);
    if (rv != SCARD_S_SUCCESS) {
      name_length = 0;
      atr_length = 0;
    }
    return std::move(Writer()
                         .u32(wire_result(rv))
                         .bytes(name.data(), name_length)
                         .u32(to_windows_card_state(state))
                         .u32(to_windows_protocol(protocol))
                         .bytes(atr.data(), atr_length));
  }

  Writer transmit(Reader& request) const {
    const auto card = static_cast<SCARDHANDLE>(request.u64());
    const std::uint32_t protocol = request.u32();
    const std::vector<std::uint8_t> command = request.bytes();
    const std::uint32_t receive_size = request.u32();
    request.end();
    const SCARD_IO_REQUEST* send_pci = protocol == SCARD_PROTOCOL_T0   ? SCARD_PCI_T0
                                       : protocol == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1
                                       : protocol == win_protocol_raw  ? SCARD_PCI_RAW
                                                                       : nullptr;
    std::vector<BYTE> response(std::min<std::uint32_t>(receive_size, max_message - 64));
    DWORD length = response.size();
    SCARD_IO_REQUEST receive_pci{SCARD_PROTOCOL_UNDEFINED, sizeof(SCARD_IO_REQUEST)};
    const LONG rv = send_pci == nullptr
                        ? SCARD_E_INVALID_VALUE
                        : SCardTransmit(card, send_pci, command.data(), command.size(),
                                        &receive_pci, response.data(), &length);
    log_call("SCardTransmit", rv);  // never the bytes: a VERIFY carries the PIN
    // The length pcsc-lite gives (the size needed after SCARD_E_INSUFFICIENT_BUFFER); the bytes
    // only after success.
    const auto given = static_cast<std::uint32_t>(length);
    return std::move(Writer()
                         .u32(wire_result(rv))
                         .u32(to_windows_protocol(receive_pci.dwProtocol))
                         .u32(given)
                         .bytes(response.data(), rv == SCARD_S_SUCCESS ? length : 0));
  }

  Writer control(Reader& request) const {
    const auto card = static_cast<SCARDHANDLE>(request.u64());
    const std::uint32_t code = request.u32();
    const std::vector<std::uint8_t> input = request.bytes();
    const std::uint32_t output_size = request.u32();
    request.end();
    std::vector<BYTE> output(std::min<std::uint32_t>(output_size, max_message - 64));
    DWORD length = 0;
    const LONG rv = SCardControl(card, to_pcsc_control_code(code), input.data(), input.size(),
                                 output.data(), output.size(), &length);
    log_call("SCardControl", rv);
    const auto given = static_cast<std::uint32_t>(length);
    return std::move(Writer()
                         .u32(wire_result(rv))
                         .u32(given)
                         .bytes(output.data(), rv == SCARD_S_SUCCESS ? length : 0));
  }

  int fd_;
  bool greeted_ = false;
  bool anchor_ = false;
  std::uint32_t pid_ = 0;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "saferchat-winscard-bridge: " << message
            << "\nUsage: saferchat-winscard-bridge --port N [--log FILE]\n";
  std::exit(2);
}

int run(int argc, char** argv) {
  long port = -1;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i + 1 >= args.size()) {
      usage_error(std::string(args[i]) + " needs a value");
    }
    const std::string value(args[++i]);
    if (args[i - 1] == "--port") {
      char* end = nullptr;
      port = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || port < 0 || port > 65535) {
        usage_error("bad port " + value);
      }
    } else if (args[i - 1] == "--log") {
      log_file = std::fopen(value.c_str(), "a");
      if (log_file == nullptr) {
        usage_error("cannot open " + value + ": " + std::strerror(errno));
      }
    } else {
      usage_error("unknown option " + std::string(args[i - 1]));
    }
  }
  if (port < 0) {
    usage_error("--port is required");
  }
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // this machine only
  socklen_t size = sizeof address;
  if (listener < 0 ||
      ::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 16) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    std::cerr << "saferchat-winscard-bridge: cannot listen on 127.0.0.1:" << port << ": "
              << std::strerror(errno) << "\n";
    return 1;
  }
  std::cout << "port " << ntohs(address.sin_port) << std::endl;
  // Serves until the test closes our standard input.
  std::thread([] {
    std::array<char, 256> ignored{};
    while (::read(STDIN_FILENO, ignored.data(), ignored.size()) > 0) {
    }
    log_line("standard input closed: exit");
    std::_Exit(0);
  }).detach();
  for (;;) {
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      std::cerr << "saferchat-winscard-bridge: accept: " << std::strerror(errno) << "\n";
      return 1;
    }
    const int on = 1;
    static_cast<void>(::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on));  // latency
    std::thread([fd] { Connection(fd).serve(); }).detach();
  }
}

}  // namespace
}  // namespace saferchat::winscard_bridge

int main(int argc, char** argv) { return saferchat::winscard_bridge::run(argc, argv); }
