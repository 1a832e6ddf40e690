// SPDX-License-Identifier: Apache-2.0
// TEST ONLY: a winscard.dll for tests under Wine, never installed or shipped (not in the MSI).
// Debian's Wine 8.0 builds winscard.dll without its Unix side, so a Windows program under Wine
// sees no PC/SC service. This DLL has Windows' winscard ABI for the calls saferchat-host.exe
// imports (the A variants, winscard.def) and forwards each call over a TCP connection to
// 127.0.0.1:%SAFERCHAT_WINSCARD_BRIDGE_PORT%, where saferchat-winscard-bridge (bridge.cpp) makes
// it against pcsc-lite's pcscd. Wine loads it instead of its own with WINEDLLOVERRIDES=winscard=n
// and this file beside the program.
//
// What it translates: the handles (64 bits here, pcsc-lite's are 32-bit values in a long),
// DWORD and LONG (32 bits on Windows, 64 in pcsc-lite on Linux), SCARD_READERSTATEA (rgbAtr of
// 36 bytes here, 33 in pcsc-lite), reader names (the ANSI code page here, UTF-8 in pcsc-lite),
// the buffer sizes and SCARD_E_INSUFFICIENT_BUFFER of SCardListReadersA and SCardStatusA, and
// the send/receive PCI. The bridge maps protocol numbers, SCardStatus' state and SCARD_CTL_CODE.
// Not supported (the host uses none of it): SCARD_AUTOALLOCATE, reader groups.
//
// One connection per calling thread (a blocking SCardGetStatusChange and the SCardCancel that
// ends it run on two threads); the process's first connection stays open until the process
// ends, which tells the bridge when to release what the process left open.
#define WIN32_LEAN_AND_MEAN
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#define WINSCARDDATA  // this DLL defines g_rgSCardT0Pci and g_rgSCardT1Pci
#include <winscard.h>
// clang-format on

#include <array>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bridge_wire.hpp"

using saferchat::winscard_bridge::max_reader_states;
using saferchat::winscard_bridge::Op;
using saferchat::winscard_bridge::Reader;
using saferchat::winscard_bridge::WireError;
using saferchat::winscard_bridge::Writer;

extern "C" {
const SCARD_IO_REQUEST g_rgSCardT0Pci{SCARD_PROTOCOL_T0, sizeof(SCARD_IO_REQUEST)};
const SCARD_IO_REQUEST g_rgSCardT1Pci{SCARD_PROTOCOL_T1, sizeof(SCARD_IO_REQUEST)};
}

namespace {

DWORD thread_slot = TLS_OUT_OF_INDEXES;
std::mutex connect_mutex;
bool winsock_started = false;
SOCKET process_socket = INVALID_SOCKET;  // the first connection: open until the process ends

void complain(const char* what, int error) {
  std::fprintf(stderr, "winscard.dll (test bridge): %s (error %d)\n", what, error);
  std::fflush(stderr);
}

bool send_all(SOCKET socket, const std::vector<std::uint8_t>& bytes) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    const int sent = ::send(socket, reinterpret_cast<const char*>(bytes.data() + at),
                            static_cast<int>(bytes.size() - at), 0);
    if (sent <= 0) {
      return false;
    }
    at += static_cast<std::size_t>(sent);
  }
  return true;
}

bool receive_all(SOCKET socket, std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const int got = ::recv(socket, reinterpret_cast<char*>(data), static_cast<int>(size), 0);
    if (got <= 0) {
      return false;
    }
    data += got;
    size -= static_cast<std::size_t>(got);
  }
  return true;
}

// One request and its reply on this thread's connection; false when the bridge is unreachable.
bool exchange(SOCKET socket, const Writer& request, std::vector<std::uint8_t>& reply) {
  if (!send_all(socket, request.framed())) {
    return false;
  }
  std::array<std::uint8_t, 4> header{};
  if (!receive_all(socket, header.data(), header.size())) {
    return false;
  }
  reply.resize(saferchat::winscard_bridge::frame_length(header));
  return receive_all(socket, reply.data(), reply.size());
}

SOCKET open_connection(bool first) {
  char port[16] = {};
  const DWORD length = GetEnvironmentVariableA("SAFERCHAT_WINSCARD_BRIDGE_PORT", port, sizeof port);
  if (length == 0 || length >= sizeof port) {
    complain("SAFERCHAT_WINSCARD_BRIDGE_PORT is not set", 0);
    return INVALID_SOCKET;
  }
  if (!winsock_started) {
    WSADATA data;
    const int error = WSAStartup(MAKEWORD(2, 2), &data);
    if (error != 0) {
      complain("WSAStartup failed", error);
      return INVALID_SOCKET;
    }
    winsock_started = true;
  }
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* address = nullptr;
  if (getaddrinfo("127.0.0.1", port, &hints, &address) != 0) {
    complain("bad SAFERCHAT_WINSCARD_BRIDGE_PORT", 0);
    return INVALID_SOCKET;
  }
  SOCKET socket = ::socket(address->ai_family, address->ai_socktype, address->ai_protocol);
  if (socket == INVALID_SOCKET ||
      ::connect(socket, address->ai_addr, static_cast<int>(address->ai_addrlen)) != 0) {
    complain("cannot connect to the bridge", WSAGetLastError());
    if (socket != INVALID_SOCKET) {
      closesocket(socket);
    }
    freeaddrinfo(address);
    return INVALID_SOCKET;
  }
  freeaddrinfo(address);
  const BOOL on = TRUE;
  setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&on), sizeof on);
  Writer hello(Op::hello);
  hello.u32(saferchat::winscard_bridge::wire_version).u32(GetCurrentProcessId()).u8(first ? 1 : 0);
  std::vector<std::uint8_t> reply;
  if (!exchange(socket, hello, reply) || reply.size() != 4 || Reader(reply).u32() != 0) {
    complain("the bridge refused the connection", 0);
    closesocket(socket);
    return INVALID_SOCKET;
  }
  return socket;
}

SOCKET thread_socket() {
  auto socket = reinterpret_cast<SOCKET>(TlsGetValue(thread_slot));
  if (socket != 0) {
    return socket;
  }
  const std::lock_guard lock(connect_mutex);
  socket = open_connection(process_socket == INVALID_SOCKET);
  if (socket == INVALID_SOCKET) {
    return INVALID_SOCKET;
  }
  if (process_socket == INVALID_SOCKET) {
    process_socket = socket;
  }
  TlsSetValue(thread_slot, reinterpret_cast<void*>(socket));
  return socket;
}

void drop_thread_socket() {
  const auto socket = reinterpret_cast<SOCKET>(TlsGetValue(thread_slot));
  if (socket != 0 && socket != process_socket) {
    closesocket(socket);
  }
  TlsSetValue(thread_slot, nullptr);
}

// A call: the request out, the reply's result in `rv` and its fields in `reply`. A bridge that
// does not answer is SCARD_F_COMM_ERROR ("an internal communications error has been detected").
class Call {
 public:
  explicit Call(const Writer& request) {
    const SOCKET socket = thread_socket();
    try {
      if (socket == INVALID_SOCKET || !exchange(socket, request, bytes_)) {
        if (socket != INVALID_SOCKET) {
          complain("the bridge went away", WSAGetLastError());
          drop_thread_socket();
        }
        return;
      }
      reader_.emplace(bytes_);
      rv_ = static_cast<LONG>(reader_->u32());
    } catch (const WireError&) {
      complain("bad reply from the bridge", 0);
      reader_.reset();
    }
  }
  [[nodiscard]] bool answered() const { return reader_.has_value(); }
  [[nodiscard]] LONG rv() const { return answered() ? rv_ : SCARD_F_COMM_ERROR; }
  Reader& reply() { return *reader_; }

 private:
  std::vector<std::uint8_t> bytes_;
  std::optional<Reader> reader_;
  LONG rv_ = SCARD_F_COMM_ERROR;
};

// Runs `read` over the reply's fields when the call was answered; a short or overlong reply is
// SCARD_F_COMM_ERROR.
template <typename Read>
LONG finish(Call& call, Read read) {
  if (!call.answered()) {
    return SCARD_F_COMM_ERROR;
  }
  try {
    read(call.reply());
    call.reply().end();
  } catch (const WireError&) {
    complain("bad reply from the bridge", 0);
    return SCARD_F_COMM_ERROR;
  }
  return call.rv();
}

std::wstring widen(const std::string& text, UINT code_page) {
  if (text.empty()) {
    return {};
  }
  const int size =
      MultiByteToWideChar(code_page, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring wide(static_cast<std::size_t>(size), L'\0');
  MultiByteToWideChar(code_page, 0, text.data(), static_cast<int>(text.size()), wide.data(), size);
  return wide;
}

std::string narrow(const std::wstring& wide, UINT code_page) {
  if (wide.empty()) {
    return {};
  }
  const int size = WideCharToMultiByte(code_page, 0, wide.data(), static_cast<int>(wide.size()),
                                       nullptr, 0, nullptr, nullptr);
  std::string text(static_cast<std::size_t>(size), '\0');
  WideCharToMultiByte(code_page, 0, wide.data(), static_cast<int>(wide.size()), text.data(), size,
                      nullptr, nullptr);
  return text;
}

// A reader name of the A API (the ANSI code page) for pcsc-lite (UTF-8), and back.
std::string to_utf8(const char* ansi) { return narrow(widen(ansi, CP_ACP), CP_UTF8); }
std::string to_ansi(const std::string& utf8) { return narrow(widen(utf8, CP_UTF8), CP_ACP); }

// pcsc-lite's multi-string (UTF-8 names, each ended by NUL) as Windows' A multi-string:
// ANSI names, each ended by NUL, and one more NUL at the end.
std::string ansi_multi_string(const std::vector<std::uint8_t>& utf8) {
  std::string out;
  std::string name;
  for (const std::uint8_t byte : utf8) {
    if (byte != 0) {
      name.push_back(static_cast<char>(byte));
    } else if (!name.empty()) {
      out += to_ansi(name);
      out.push_back('\0');
      name.clear();
    }
  }
  if (!name.empty()) {
    out += to_ansi(name);
    out.push_back('\0');
  }
  out.push_back('\0');
  return out;
}

// Windows' rule for a caller's buffer: none → the size only; too small → the size and
// SCARD_E_INSUFFICIENT_BUFFER; else the bytes and their size.
template <typename Char>
LONG give(const void* data, DWORD size, Char* buffer, LPDWORD buffer_size) {
  if (buffer == nullptr) {
    *buffer_size = size;
    return SCARD_S_SUCCESS;
  }
  if (*buffer_size < size) {
    *buffer_size = size;
    return SCARD_E_INSUFFICIENT_BUFFER;
  }
  std::memcpy(buffer, data, size);
  *buffer_size = size;
  return SCARD_S_SUCCESS;
}

LONG simple(Op op, std::uint64_t handle) {
  Call call(Writer(op).u64(handle));
  return finish(call, [](Reader&) {});
}

LONG simple(Op op, std::uint64_t handle, DWORD value) {
  Call call(Writer(op).u64(handle).u32(value));
  return finish(call, [](Reader&) {});
}

}  // namespace

extern "C" {

BOOL WINAPI DllMain(HINSTANCE /*instance*/, DWORD reason, LPVOID /*reserved*/) {
  switch (reason) {
    case DLL_PROCESS_ATTACH:
      thread_slot = TlsAlloc();
      return thread_slot != TLS_OUT_OF_INDEXES ? TRUE : FALSE;
    case DLL_THREAD_DETACH:
      // The thread's own connection; the process's first one stays until the process ends.
      drop_thread_socket();
      return TRUE;
    default:
      return TRUE;
  }
}

LONG WINAPI SCardEstablishContext(DWORD scope, LPCVOID /*reserved1*/, LPCVOID /*reserved2*/,
                                  LPSCARDCONTEXT context) {
  if (context == nullptr) {
    return SCARD_E_INVALID_PARAMETER;
  }
  Call call(Writer(Op::establish_context).u32(scope));
  std::uint64_t handle = 0;
  const LONG rv = finish(call, [&](Reader& reply) { handle = reply.u64(); });
  if (rv == SCARD_S_SUCCESS) {
    *context = static_cast<SCARDCONTEXT>(handle);
  }
  return rv;
}

LONG WINAPI SCardReleaseContext(SCARDCONTEXT context) {
  return simple(Op::release_context, context);
}

LONG WINAPI SCardIsValidContext(SCARDCONTEXT context) {
  return simple(Op::is_valid_context, context);
}

LONG WINAPI SCardCancel(SCARDCONTEXT context) { return simple(Op::cancel, context); }

LONG WINAPI SCardListReadersA(SCARDCONTEXT context, LPCSTR /*groups*/, LPSTR readers,
                              LPDWORD readers_size) {
  if (readers_size == nullptr) {
    return SCARD_E_INVALID_PARAMETER;
  }
  if (*readers_size == SCARD_AUTOALLOCATE && readers != nullptr) {
    return SCARD_E_UNSUPPORTED_FEATURE;  // not needed by the host (macOS lacks it)
  }
  Call call(Writer(Op::list_readers).u64(context));
  std::vector<std::uint8_t> names;
  const LONG rv = finish(call, [&](Reader& reply) { names = reply.bytes(); });
  if (rv != SCARD_S_SUCCESS) {
    return rv;
  }
  const std::string list = ansi_multi_string(names);
  return give(list.data(), static_cast<DWORD>(list.size()), readers, readers_size);
}

LONG WINAPI SCardGetStatusChangeA(SCARDCONTEXT context, DWORD timeout, LPSCARD_READERSTATEA states,
                                  DWORD count) {
  if (count > max_reader_states) {
    return SCARD_E_INVALID_VALUE;
  }
  if (count > 0 && states == nullptr) {
    return SCARD_E_INVALID_PARAMETER;
  }
  Writer request(Op::get_status_change);
  request.u64(context).u32(timeout).u32(count);
  for (DWORD i = 0; i < count; ++i) {
    if (states[i].szReader == nullptr) {
      return SCARD_E_INVALID_VALUE;
    }
    request.text(to_utf8(states[i].szReader)).u32(states[i].dwCurrentState);
  }
  Call call(request);
  return finish(call, [&](Reader& reply) {
    if (reply.u32() != count) {
      throw WireError("reader count");
    }
    for (DWORD i = 0; i < count; ++i) {
      states[i].dwEventState = reply.u32();
      const std::vector<std::uint8_t> atr = reply.bytes();
      if (atr.size() > sizeof states[i].rgbAtr) {
        throw WireError("ATR too long");
      }
      std::memcpy(states[i].rgbAtr, atr.data(), atr.size());
      states[i].cbAtr = static_cast<DWORD>(atr.size());
    }
  });
}

LONG WINAPI SCardConnectA(SCARDCONTEXT context, LPCSTR reader, DWORD share, DWORD protocols,
                          LPSCARDHANDLE card, LPDWORD active_protocol) {
  if (reader == nullptr || card == nullptr || active_protocol == nullptr) {
    return SCARD_E_INVALID_PARAMETER;
  }
  Call call(Writer(Op::connect).u64(context).text(to_utf8(reader)).u32(share).u32(protocols));
  std::uint64_t handle = 0;
  DWORD protocol = 0;
  const LONG rv = finish(call, [&](Reader& reply) {
    handle = reply.u64();
    protocol = reply.u32();
  });
  if (rv == SCARD_S_SUCCESS) {
    *card = static_cast<SCARDHANDLE>(handle);
    *active_protocol = protocol;
  }
  return rv;
}

LONG WINAPI SCardReconnect(SCARDHANDLE card, DWORD share, DWORD protocols, DWORD initialization,
                           LPDWORD active_protocol) {
  if (active_protocol == nullptr) {
    return SCARD_E_INVALID_PARAMETER;
  }
  Call call(Writer(Op::reconnect).u64(card).u32(share).u32(protocols).u32(initialization));
  DWORD protocol = 0;
  const LONG rv = finish(call, [&](Reader& reply) { protocol = reply.u32(); });
  if (rv == SCARD_S_SUCCESS) {
    *active_protocol = protocol;
  }
  return rv;
}

LONG WINAPI SCardDisconnect(SCARDHANDLE card, DWORD disposition) {
  return simple(Op::disconnect, card, disposition);
}

LONG WINAPI SCardBeginTransaction(SCARDHANDLE card) { return simple(Op::begin_transaction, card); }

LONG WINAPI SCardEndTransaction(SCARDHANDLE card, DWORD disposition) {
  return simple(Op::end_transaction, card, disposition);
}

LONG WINAPI SCardStatusA(SCARDHANDLE card, LPSTR reader_names, LPDWORD reader_names_size,
                         LPDWORD state, LPDWORD protocol, LPBYTE atr, LPDWORD atr_size) {
  if ((reader_names_size != nullptr && *reader_names_size == SCARD_AUTOALLOCATE &&
       reader_names != nullptr) ||
      (atr_size != nullptr && *atr_size == SCARD_AUTOALLOCATE && atr != nullptr)) {
    return SCARD_E_UNSUPPORTED_FEATURE;
  }
  Call call(Writer(Op::status).u64(card));
  std::vector<std::uint8_t> names;
  std::vector<std::uint8_t> card_atr;
  DWORD card_state = 0;
  DWORD card_protocol = 0;
  LONG rv = finish(call, [&](Reader& reply) {
    names = reply.bytes();
    card_state = reply.u32();
    card_protocol = reply.u32();
    card_atr = reply.bytes();
  });
  if (rv != SCARD_S_SUCCESS) {
    return rv;
  }
  if (state != nullptr) {
    *state = card_state;
  }
  if (protocol != nullptr) {
    *protocol = card_protocol;
  }
  if (reader_names_size != nullptr) {
    const std::string list = ansi_multi_string(names);
    rv = give(list.data(), static_cast<DWORD>(list.size()), reader_names, reader_names_size);
  }
  if (atr_size != nullptr && rv == SCARD_S_SUCCESS) {
    rv = give(card_atr.data(), static_cast<DWORD>(card_atr.size()), atr, atr_size);
  }
  return rv;
}

LONG WINAPI SCardTransmit(SCARDHANDLE card, LPCSCARD_IO_REQUEST send_pci, LPCBYTE command,
                          DWORD command_size, LPSCARD_IO_REQUEST receive_pci, LPBYTE response,
                          LPDWORD response_size) {
  if (send_pci == nullptr || command == nullptr || response_size == nullptr) {
    return SCARD_E_INVALID_PARAMETER;
  }
  if (*response_size == SCARD_AUTOALLOCATE) {
    return SCARD_E_UNSUPPORTED_FEATURE;
  }
  const DWORD room = response == nullptr ? 0 : *response_size;
  Call call(Writer(Op::transmit)
                .u64(card)
                .u32(send_pci->dwProtocol)
                .bytes(command, command_size)
                .u32(room));
  DWORD protocol = 0;
  DWORD length = 0;
  std::vector<std::uint8_t> bytes;
  const LONG rv = finish(call, [&](Reader& reply) {
    protocol = reply.u32();
    length = reply.u32();
    bytes = reply.bytes();
    if (bytes.size() > room) {
      throw WireError("response larger than the buffer");
    }
  });
  if (rv == SCARD_S_SUCCESS) {
    if (!bytes.empty()) {
      std::memcpy(response, bytes.data(), bytes.size());
    }
    *response_size = static_cast<DWORD>(bytes.size());
    if (receive_pci != nullptr) {
      receive_pci->dwProtocol = protocol;
      receive_pci->cbPciLength = sizeof(SCARD_IO_REQUEST);
    }
  } else if (rv == SCARD_E_INSUFFICIENT_BUFFER) {
    *response_size = length;
  }
  return rv;
}

LONG WINAPI SCardControl(SCARDHANDLE card, DWORD code, LPCVOID input, DWORD input_size,
                         LPVOID output, DWORD output_size, LPDWORD returned) {
  if (returned == nullptr || (input == nullptr && input_size > 0)) {
    return SCARD_E_INVALID_PARAMETER;
  }
  const DWORD room = output == nullptr ? 0 : output_size;
  Call call(Writer(Op::control).u64(card).u32(code).bytes(input, input_size).u32(room));
  DWORD length = 0;
  std::vector<std::uint8_t> bytes;
  const LONG rv = finish(call, [&](Reader& reply) {
    length = reply.u32();
    bytes = reply.bytes();
    if (bytes.size() > room) {
      throw WireError("output larger than the buffer");
    }
  });
  if (rv == SCARD_S_SUCCESS) {
    if (!bytes.empty()) {
      std::memcpy(output, bytes.data(), bytes.size());
    }
    *returned = static_cast<DWORD>(bytes.size());
  } else if (rv == SCARD_E_INSUFFICIENT_BUFFER) {
    *returned = length;
  }
  return rv;
}

}  // extern "C"
