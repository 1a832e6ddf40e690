// SPDX-License-Identifier: Apache-2.0
#include "transport/pcsc.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <thread>
#include <utility>

namespace saferchat {
namespace {

struct ScardCode {
  LONG value;
  std::string_view name;
  ErrorCode code;
};

// Every result pcsc-lite defines (pcsclite.h), with the code the browser sees.
const std::array<ScardCode, 59> scard_codes{{
    {static_cast<LONG>(SCARD_F_INTERNAL_ERROR), "SCARD_F_INTERNAL_ERROR",
     ErrorCode::pcsc_unavailable},
    {static_cast<LONG>(SCARD_E_CANCELLED), "SCARD_E_CANCELLED", ErrorCode::card_communication},
    {static_cast<LONG>(SCARD_E_INVALID_HANDLE), "SCARD_E_INVALID_HANDLE", ErrorCode::card_removed},
    {static_cast<LONG>(SCARD_E_INVALID_PARAMETER), "SCARD_E_INVALID_PARAMETER",
     ErrorCode::internal},
    {static_cast<LONG>(SCARD_E_INVALID_TARGET), "SCARD_E_INVALID_TARGET", ErrorCode::internal},
    {static_cast<LONG>(SCARD_E_NO_MEMORY), "SCARD_E_NO_MEMORY", ErrorCode::internal},
    {static_cast<LONG>(SCARD_F_WAITED_TOO_LONG), "SCARD_F_WAITED_TOO_LONG",
     ErrorCode::card_communication},
    {static_cast<LONG>(SCARD_E_INSUFFICIENT_BUFFER), "SCARD_E_INSUFFICIENT_BUFFER",
     ErrorCode::internal},
    {static_cast<LONG>(SCARD_E_UNKNOWN_READER), "SCARD_E_UNKNOWN_READER", ErrorCode::no_reader},
    {static_cast<LONG>(SCARD_E_TIMEOUT), "SCARD_E_TIMEOUT", ErrorCode::card_communication},
    {static_cast<LONG>(SCARD_E_SHARING_VIOLATION), "SCARD_E_SHARING_VIOLATION",
     ErrorCode::card_busy},
    {static_cast<LONG>(SCARD_E_NO_SMARTCARD), "SCARD_E_NO_SMARTCARD", ErrorCode::no_card},
    {static_cast<LONG>(SCARD_E_UNKNOWN_CARD), "SCARD_E_UNKNOWN_CARD", ErrorCode::unknown_card},
    {static_cast<LONG>(SCARD_E_CANT_DISPOSE), "SCARD_E_CANT_DISPOSE", ErrorCode::internal},
    {static_cast<LONG>(SCARD_E_PROTO_MISMATCH), "SCARD_E_PROTO_MISMATCH", ErrorCode::unknown_card},
    {static_cast<LONG>(SCARD_E_NOT_READY), "SCARD_E_NOT_READY", ErrorCode::card_communication},
    {static_cast<LONG>(SCARD_E_INVALID_VALUE), "SCARD_E_INVALID_VALUE", ErrorCode::internal},
    {static_cast<LONG>(SCARD_E_SYSTEM_CANCELLED), "SCARD_E_SYSTEM_CANCELLED",
     ErrorCode::card_communication},
    {static_cast<LONG>(SCARD_F_COMM_ERROR), "SCARD_F_COMM_ERROR", ErrorCode::pcsc_unavailable},
    {static_cast<LONG>(SCARD_F_UNKNOWN_ERROR), "SCARD_F_UNKNOWN_ERROR",
     ErrorCode::card_communication},
    {static_cast<LONG>(SCARD_E_INVALID_ATR), "SCARD_E_INVALID_ATR", ErrorCode::unknown_card},
    {static_cast<LONG>(SCARD_E_NOT_TRANSACTED), "SCARD_E_NOT_TRANSACTED", ErrorCode::card_reset},
    {static_cast<LONG>(SCARD_E_READER_UNAVAILABLE), "SCARD_E_READER_UNAVAILABLE",
     ErrorCode::no_reader},
    {static_cast<LONG>(SCARD_P_SHUTDOWN), "SCARD_P_SHUTDOWN", ErrorCode::pcsc_unavailable},
    {static_cast<LONG>(SCARD_E_PCI_TOO_SMALL), "SCARD_E_PCI_TOO_SMALL", ErrorCode::internal},
    {static_cast<LONG>(SCARD_E_READER_UNSUPPORTED), "SCARD_E_READER_UNSUPPORTED",
     ErrorCode::no_reader},
    {static_cast<LONG>(SCARD_E_DUPLICATE_READER), "SCARD_E_DUPLICATE_READER", ErrorCode::no_reader},
    {static_cast<LONG>(SCARD_E_CARD_UNSUPPORTED), "SCARD_E_CARD_UNSUPPORTED",
     ErrorCode::unknown_card},
    // Windows stops the service with its last reader: no reader, not a broken PC/SC.
    {static_cast<LONG>(SCARD_E_NO_SERVICE), "SCARD_E_NO_SERVICE",
     pcsc_service_stops_without_readers ? ErrorCode::no_reader : ErrorCode::pcsc_unavailable},
    {static_cast<LONG>(SCARD_E_SERVICE_STOPPED), "SCARD_E_SERVICE_STOPPED",
     pcsc_service_stops_without_readers ? ErrorCode::no_reader : ErrorCode::pcsc_unavailable},
    {static_cast<LONG>(SCARD_E_UNEXPECTED), "SCARD_E_UNEXPECTED", ErrorCode::card_communication},
    {static_cast<LONG>(SCARD_E_ICC_INSTALLATION), "SCARD_E_ICC_INSTALLATION",
     ErrorCode::unknown_card},
    {static_cast<LONG>(SCARD_E_ICC_CREATEORDER), "SCARD_E_ICC_CREATEORDER",
     ErrorCode::unknown_card},
    {static_cast<LONG>(SCARD_E_DIR_NOT_FOUND), "SCARD_E_DIR_NOT_FOUND", ErrorCode::card_error},
    {static_cast<LONG>(SCARD_E_FILE_NOT_FOUND), "SCARD_E_FILE_NOT_FOUND", ErrorCode::card_error},
    {static_cast<LONG>(SCARD_E_NO_DIR), "SCARD_E_NO_DIR", ErrorCode::card_error},
    {static_cast<LONG>(SCARD_E_NO_FILE), "SCARD_E_NO_FILE", ErrorCode::card_error},
    {static_cast<LONG>(SCARD_E_NO_ACCESS), "SCARD_E_NO_ACCESS", ErrorCode::card_error},
    {static_cast<LONG>(SCARD_E_WRITE_TOO_MANY), "SCARD_E_WRITE_TOO_MANY", ErrorCode::card_error},
    {static_cast<LONG>(SCARD_E_BAD_SEEK), "SCARD_E_BAD_SEEK", ErrorCode::card_error},
    {static_cast<LONG>(SCARD_E_INVALID_CHV), "SCARD_E_INVALID_CHV", ErrorCode::pin_wrong},
    {static_cast<LONG>(SCARD_E_UNKNOWN_RES_MNG), "SCARD_E_UNKNOWN_RES_MNG",
     ErrorCode::pcsc_unavailable},
    {static_cast<LONG>(SCARD_E_NO_SUCH_CERTIFICATE), "SCARD_E_NO_SUCH_CERTIFICATE",
     ErrorCode::no_auth_certificate},
    {static_cast<LONG>(SCARD_E_CERTIFICATE_UNAVAILABLE), "SCARD_E_CERTIFICATE_UNAVAILABLE",
     ErrorCode::no_auth_certificate},
    {static_cast<LONG>(SCARD_E_NO_READERS_AVAILABLE), "SCARD_E_NO_READERS_AVAILABLE",
     ErrorCode::no_reader},
    {static_cast<LONG>(SCARD_E_COMM_DATA_LOST), "SCARD_E_COMM_DATA_LOST",
     ErrorCode::card_communication},
    {static_cast<LONG>(SCARD_E_NO_KEY_CONTAINER), "SCARD_E_NO_KEY_CONTAINER",
     ErrorCode::card_error},
    {static_cast<LONG>(SCARD_E_SERVER_TOO_BUSY), "SCARD_E_SERVER_TOO_BUSY",
     ErrorCode::pcsc_unavailable},
    {static_cast<LONG>(SCARD_W_UNSUPPORTED_CARD), "SCARD_W_UNSUPPORTED_CARD",
     ErrorCode::unknown_card},
    {static_cast<LONG>(SCARD_W_UNRESPONSIVE_CARD), "SCARD_W_UNRESPONSIVE_CARD",
     ErrorCode::card_communication},
    {static_cast<LONG>(SCARD_W_UNPOWERED_CARD), "SCARD_W_UNPOWERED_CARD",
     ErrorCode::card_communication},
    {static_cast<LONG>(SCARD_W_RESET_CARD), "SCARD_W_RESET_CARD", ErrorCode::card_reset},
    {static_cast<LONG>(SCARD_W_REMOVED_CARD), "SCARD_W_REMOVED_CARD", ErrorCode::card_removed},
    {static_cast<LONG>(SCARD_W_SECURITY_VIOLATION), "SCARD_W_SECURITY_VIOLATION",
     ErrorCode::card_error},
    {static_cast<LONG>(SCARD_W_WRONG_CHV), "SCARD_W_WRONG_CHV", ErrorCode::pin_wrong},
    {static_cast<LONG>(SCARD_W_CHV_BLOCKED), "SCARD_W_CHV_BLOCKED", ErrorCode::pin_blocked},
    {static_cast<LONG>(SCARD_W_EOF), "SCARD_W_EOF", ErrorCode::card_error},
    {static_cast<LONG>(SCARD_W_CANCELLED_BY_USER), "SCARD_W_CANCELLED_BY_USER",
     ErrorCode::card_communication},
    {static_cast<LONG>(SCARD_W_CARD_NOT_AUTHENTICATED), "SCARD_W_CARD_NOT_AUTHENTICATED",
     ErrorCode::card_error},
}};

#if defined(_WIN32)
// winscard also passes on plain Win32 errors from the reader driver and the service.
const std::array<ScardCode, 7> win32_codes{{
    {ERROR_INVALID_HANDLE, "ERROR_INVALID_HANDLE", ErrorCode::card_removed},
    {ERROR_BROKEN_PIPE, "ERROR_BROKEN_PIPE", ErrorCode::pcsc_unavailable},
    {ERROR_NOT_ENOUGH_MEMORY, "ERROR_NOT_ENOUGH_MEMORY", ErrorCode::internal},
    {ERROR_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER", ErrorCode::internal},
    {ERROR_INVALID_FUNCTION, "ERROR_INVALID_FUNCTION", ErrorCode::card_communication},
    {ERROR_NOT_SUPPORTED, "ERROR_NOT_SUPPORTED", ErrorCode::card_communication},
    {ERROR_SEM_TIMEOUT, "ERROR_SEM_TIMEOUT", ErrorCode::card_communication},
}};
#endif

const ScardCode* find_code(LONG result) {
  const auto matches = [result](const ScardCode& c) { return c.value == result; };
  const auto* it = std::find_if(scard_codes.begin(), scard_codes.end(), matches);
  if (it != scard_codes.end()) {
    return it;
  }
#if defined(_WIN32)
  const auto* win32 = std::find_if(win32_codes.begin(), win32_codes.end(), matches);
  if (win32 != win32_codes.end()) {
    return win32;
  }
#endif
  return nullptr;
}

// pcsc-lite's reader name for SCardGetStatusChange's "a reader came or went" notifications.
constexpr const char* pnp_notification = R"(\\?PnP?\Notification)";

std::vector<SCARD_READERSTATE> states_for(const std::vector<ReaderState>& known, bool with_pnp) {
  std::vector<SCARD_READERSTATE> states;
  states.reserve(known.size() + 1);
  for (const ReaderState& reader : known) {
    SCARD_READERSTATE state{};
    state.szReader = reader.name.c_str();
    state.dwCurrentState = reader.pcsc_state & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    states.push_back(state);
  }
  if (with_pnp) {
    SCARD_READERSTATE pnp{};
    pnp.szReader = pnp_notification;
    // The upper 16 bits of its event state count the readers (pcsc-lite and Windows): start
    // from the known count, or the wait returns at once.
    pnp.dwCurrentState = static_cast<DWORD>(known.size() << 16U);
    states.push_back(pnp);
  }
  return states;
}

DWORD timeout_until(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<DWORD>(left.count());
}

}  // namespace

std::string scard_name(LONG result) {
  if (result == SCARD_S_SUCCESS) {
    return "SCARD_S_SUCCESS";
  }
  if (const ScardCode* code = find_code(result)) {
    return std::string(code->name);
  }
  std::array<char, 24> text{};
  static_cast<void>(std::snprintf(text.data(), text.size(), "SCARD_0x%08lX",
                                  static_cast<unsigned long>(static_cast<std::uint32_t>(result))));
  return text.data();
}

ErrorCode scard_error_code(LONG result) noexcept {
  const ScardCode* code = find_code(result);
  return code == nullptr ? ErrorCode::card_communication : code->code;
}

void check_scard(LONG result, std::string_view operation) {
  if (result != SCARD_S_SUCCESS) {
    throw Error(scard_error_code(result), std::string(operation) + ": " + scard_name(result));
  }
}

void check_scard(const PcscCalls& calls, LONG result, std::string_view operation) {
  if (result == static_cast<LONG>(SCARD_E_NO_SERVICE) ||
      result == static_cast<LONG>(SCARD_E_SERVICE_STOPPED)) {
    // Windows stops the service with its last reader: the child is told to plug one in.
    // pcscd does not stop: gone, it is a PC/SC that does not answer.
    throw Error(
        calls.service_stops_without_readers() ? ErrorCode::no_reader : ErrorCode::pcsc_unavailable,
        std::string(operation) + ": " + scard_name(result));
  }
  check_scard(result, operation);
}

namespace {

// How often a stopped service is tried again (Windows), and the readers listed again where no
// pseudo reader announces new ones (macOS): what other PC/SC programs do there too.
constexpr auto service_retry = std::chrono::milliseconds(500);
constexpr auto reader_listing = std::chrono::seconds(1);

bool is_service_gone(LONG result) {
  return result == static_cast<LONG>(SCARD_E_NO_SERVICE) ||
         result == static_cast<LONG>(SCARD_E_SERVICE_STOPPED);
}

}  // namespace

PcscContext::PcscContext(const PcscCalls& calls) : calls_(&calls) {
  SCARDCONTEXT context = 0;
  const LONG result = calls_->establish_context(SCARD_SCOPE_USER, &context);
  if (calls_->service_stops_without_readers() && is_service_gone(result)) {
    return;  // no reader plugged in (Windows): no handle until one comes
  }
  check_scard(result, "SCardEstablishContext");
  context_ = context;
}

PcscContext::~PcscContext() {
  // Fails only for an invalid handle (or a stopped service), which nothing can mend.
  if (context_ != 0) {
    static_cast<void>(calls_->release_context(context_));
  }
}

SCARDCONTEXT PcscContext::handle() const noexcept {
  const std::lock_guard lock(mutex_);
  return context_;
}

bool PcscContext::lost_service(LONG result) const {
  if (!calls_->service_stops_without_readers() || !is_service_gone(result)) {
    return false;
  }
  SCARDCONTEXT dead = 0;
  {
    const std::lock_guard lock(mutex_);
    dead = std::exchange(context_, 0);
  }
  if (dead != 0) {
    static_cast<void>(calls_->release_context(dead));
  }
  return true;
}

bool PcscContext::revive() const {
  if (handle() != 0) {
    return true;
  }
  SCARDCONTEXT context = 0;
  const LONG result = calls_->establish_context(SCARD_SCOPE_USER, &context);
  if (is_service_gone(result)) {
    return false;
  }
  check_scard(result, "SCardEstablishContext");
  const std::lock_guard lock(mutex_);
  context_ = context;
  return true;
}

std::vector<std::string> PcscContext::readers() const {
  const SCARDCONTEXT context = handle();
  if (context == 0) {
    return {};  // the service stopped with the last reader (Windows)
  }
  // Size, then names (no SCARD_AUTOALLOCATE: macOS lacks it); again if a reader came between.
  std::vector<char> names;
  for (int attempt = 0;; ++attempt) {
    DWORD length = 0;
    LONG result = calls_->list_readers(context, nullptr, &length);
    if (result == SCARD_S_SUCCESS) {
      names.assign(length, '\0');
      result = calls_->list_readers(context, names.data(), &length);
    }
    if (result == SCARD_E_NO_READERS_AVAILABLE || lost_service(result)) {
      return {};
    }
    if (result == SCARD_E_INSUFFICIENT_BUFFER && attempt < 3) {
      continue;
    }
    check_scard(*calls_, result, "SCardListReaders");
    names.resize(length);
    break;
  }
  // A multi-string: names separated by NUL, ended by an empty name.
  std::vector<std::string> readers;
  for (std::size_t at = 0; at < names.size() && names[at] != '\0';) {
    readers.emplace_back(&names[at]);
    at += readers.back().size() + 1;
  }
  return readers;
}

namespace {

// A reader's state from what SCardGetStatusChange reported.
void take_state(const SCARD_READERSTATE& from, ReaderState& to) {
  const DWORD event = from.dwEventState;
  to.card_present = (event & SCARD_STATE_PRESENT) != 0 && (event & SCARD_STATE_MUTE) == 0;
  to.exclusive = (event & SCARD_STATE_EXCLUSIVE) != 0;
  to.atr.assign(from.rgbAtr, from.rgbAtr + from.cbAtr);
  to.pcsc_state = event;
}

}  // namespace

std::vector<ReaderState> PcscContext::reader_states() const {
  std::vector<ReaderState> known;
  for (std::string& name : readers()) {
    known.push_back({std::move(name), false, false, {}});
  }
  if (known.empty()) {
    return known;
  }
  std::vector<SCARD_READERSTATE> states = states_for(known, false);
  for (SCARD_READERSTATE& state : states) {
    state.dwCurrentState = SCARD_STATE_UNAWARE;
  }
  const LONG result =
      calls_->get_status_change(handle(), 0, states.data(), static_cast<DWORD>(states.size()));
  if (result == SCARD_E_UNKNOWN_READER) {
    return reader_states();  // a reader went away between the two calls: ask again
  }
  if (lost_service(result)) {
    return {};  // the last reader went away between the two calls (Windows)
  }
  if (result != SCARD_E_TIMEOUT) {
    check_scard(*calls_, result, "SCardGetStatusChange");
  }
  for (std::size_t i = 0; i < known.size(); ++i) {
    take_state(states[i], known[i]);
  }
  return known;
}

std::optional<ReaderState> PcscContext::reader_state(const std::string& name) const {
  const SCARDCONTEXT context = handle();
  if (context == 0) {
    return std::nullopt;
  }
  SCARD_READERSTATE state{};
  state.szReader = name.c_str();
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  const LONG result = calls_->get_status_change(context, 0, &state, 1);
  if (result == SCARD_E_UNKNOWN_READER || lost_service(result)) {
    return std::nullopt;
  }
  if (result != SCARD_E_TIMEOUT) {
    check_scard(*calls_, result, "SCardGetStatusChange");
  }
  if ((state.dwEventState & SCARD_STATE_UNKNOWN) != 0) {
    return std::nullopt;
  }
  ReaderState reader{name, false, false, {}};
  take_state(state, reader);
  return reader;
}

bool PcscContext::pause_until(Deadline until, std::uint64_t cancels) const {
  std::unique_lock lock(mutex_);
  return !cancelled_.wait_until(lock, until, [&] { return cancel_count_ != cancels; });
}

bool PcscContext::wait_for_service(Deadline deadline, std::uint64_t cancels) const {
  for (;;) {
    if (revive()) {
      return true;  // a reader came: the service runs again, with a new context
    }
    const Deadline now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return false;
    }
    if (!pause_until(std::min(deadline, Deadline(now + service_retry)), cancels)) {
      check_scard(static_cast<LONG>(SCARD_E_CANCELLED), "waiting for the smart card service");
    }
  }
}

bool PcscContext::wait_by_listing(const std::vector<ReaderState>& known, Deadline deadline,
                                  std::uint64_t cancels) const {
  std::vector<std::string> names;
  names.reserve(known.size());
  for (const ReaderState& reader : known) {
    names.push_back(reader.name);
  }
  for (;;) {
    const Deadline now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return false;
    }
    const Deadline slice = std::min(deadline, Deadline(now + reader_listing));
    if (known.empty()) {
      if (!pause_until(slice, cancels)) {
        check_scard(static_cast<LONG>(SCARD_E_CANCELLED), "waiting for a reader");
      }
    } else {
      std::vector<SCARD_READERSTATE> states = states_for(known, false);
      const LONG result = calls_->get_status_change(handle(), timeout_until(slice), states.data(),
                                                    static_cast<DWORD>(states.size()));
      if (result == SCARD_E_UNKNOWN_READER) {
        return true;  // a known reader is gone
      }
      if (result != SCARD_E_TIMEOUT) {
        check_scard(*calls_, result, "SCardGetStatusChange");
        return true;
      }
    }
    if (readers() != names) {
      return true;  // a reader came (or went)
    }
  }
}

bool PcscContext::wait_for_change(const std::vector<ReaderState>& known, Deadline deadline) const {
  std::uint64_t cancels = 0;
  {
    // A cancel() before this wait began does not end it (as SCardCancel); one during it does.
    const std::lock_guard lock(mutex_);
    cancels = cancel_count_;
  }
  if (handle() == 0) {
    return wait_for_service(deadline, cancels);
  }
  if (!calls_->has_reader_notification()) {
    return wait_by_listing(known, deadline, cancels);
  }
  std::vector<SCARD_READERSTATE> states = states_for(known, true);
  const LONG result = calls_->get_status_change(handle(), timeout_until(deadline), states.data(),
                                                static_cast<DWORD>(states.size()));
  if (result == SCARD_E_TIMEOUT) {
    return false;
  }
  if (result == SCARD_E_UNKNOWN_READER || lost_service(result)) {
    return true;  // a known reader is gone (on Windows the last one stopped the service)
  }
  check_scard(*calls_, result, "SCardGetStatusChange");
  return true;
}

std::optional<ReaderState> PcscContext::wait_for_card(Deadline deadline) const {
  for (;;) {
    const std::vector<ReaderState> known = reader_states();
    const auto with_card = std::find_if(known.begin(), known.end(),
                                        [](const ReaderState& r) { return r.card_present; });
    if (with_card != known.end()) {
      return *with_card;
    }
    if (!wait_for_change(known, deadline)) {
      return std::nullopt;
    }
  }
}

void PcscContext::cancel() const noexcept {
  SCARDCONTEXT context = 0;
  {
    const std::lock_guard lock(mutex_);
    ++cancel_count_;
    context = context_;
  }
  cancelled_.notify_all();
  if (context != 0) {
    // Fails only when nothing waits, which is fine.
    static_cast<void>(calls_->cancel(context));
  }
}

PcscCard::PcscCard(const PcscContext& context, std::string reader)
    : calls_(&context.calls()), context_(context.handle()), reader_(std::move(reader)) {
  if (context_ == 0) {
    // The service stopped with the last reader (Windows): the reader is gone.
    throw Error(ErrorCode::no_reader, "SCardConnect: the smart card service is stopped");
  }
  check_scard(*calls_,
              calls_->connect(context_, reader_.c_str(), SCARD_SHARE_SHARED,
                              SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card_, &protocol_),
              "SCardConnect");
  refresh_atr();
}

PcscCard::~PcscCard() {
  // Leave the card powered for other programs (unless reset_when_done); failure means the card
  // is already gone.
  static_cast<void>(calls_->disconnect(card_, disposition_));
}

void PcscCard::reset_counters() noexcept {
  apdu_count_ = 0;
  bytes_sent_ = 0;
  bytes_received_ = 0;
  io_time_ = {};
}

void PcscCard::refresh_atr() {
  std::array<BYTE, SCARD_ATR_LENGTH> atr{};
  DWORD atr_length = atr.size();
  DWORD state = 0;
  DWORD protocol = 0;
  DWORD name_length = 0;
  check_scard(
      *calls_,
      calls_->status(card_, nullptr, &name_length, &state, &protocol, atr.data(), &atr_length),
      "SCardStatus");
  atr_.assign(atr.begin(), atr.begin() + atr_length);
}

bool PcscCard::card_gone_within(std::chrono::milliseconds wait) const {
  const Deadline deadline = std::chrono::steady_clock::now() + wait;
  SCARD_READERSTATE state{};
  state.szReader = reader_.c_str();
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  for (;;) {
    const LONG result = calls_->get_status_change(context_, timeout_until(deadline), &state, 1);
    if (result == SCARD_E_UNKNOWN_READER) {
      return true;  // the reader itself went away
    }
    if (result != SCARD_S_SUCCESS) {
      return false;  // timeout: the card is still there
    }
    if ((state.dwEventState & SCARD_STATE_EMPTY) != 0) {
      return true;
    }
    state.dwCurrentState = state.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
  }
}

void PcscCard::reconnect() {
  check_scard(*calls_,
              calls_->reconnect(card_, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                                SCARD_LEAVE_CARD, &protocol_),
              "SCardReconnect");
  refresh_atr();
}

CardTransaction PcscCard::begin_transaction() { return CardTransaction(*this); }

Bytes PcscCard::transmit_raw(std::span<const std::uint8_t> command) {
  const SCARD_IO_REQUEST* pci = protocol_ == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
  std::array<BYTE, 258> response{};  // short APDU: 256 data bytes + SW1 SW2
  DWORD length = response.size();
  const auto started = std::chrono::steady_clock::now();
  const LONG result = calls_->transmit(
      card_, pci, command.data(), static_cast<DWORD>(command.size()), response.data(), &length);
  io_time_ += std::chrono::steady_clock::now() - started;
  const bool maybe_pulled_out =
      result != SCARD_S_SUCCESS && (result == SCARD_E_NOT_TRANSACTED ||
                                    scard_error_code(result) == ErrorCode::card_communication);
  if (maybe_pulled_out && card_gone_within(std::chrono::milliseconds(1500))) {
    // A card pulled out during an exchange shows first as a transaction or communication
    // failure (SCARD_E_NOT_TRANSACTED, SCARD_F_COMM_ERROR, …) and only then in the reader
    // state, which settles within pcscd's polling period.
    throw Error(ErrorCode::card_removed, "SCardTransmit: " + scard_name(result) + ", card gone");
  }
  if (result == SCARD_W_RESET_CARD || result == SCARD_E_NOT_TRANSACTED) {
    // Reset by another program: reconnect, and the caller starts again (PIN included).
    try {
      reconnect();
    } catch (const Error& e) {
      throw Error(ErrorCode::card_removed,
                  "SCardTransmit: " + scard_name(result) + ", then " + std::string(e.detail()));
    }
    throw Error(ErrorCode::card_reset, "SCardTransmit: " + scard_name(result) + ", reconnected");
  }
  if (result == SCARD_W_REMOVED_CARD || result == SCARD_E_NO_SMARTCARD) {
    throw Error(ErrorCode::card_removed, "SCardTransmit: " + scard_name(result));
  }
  check_scard(*calls_, result, "SCardTransmit");
  ++apdu_count_;
  bytes_sent_ += command.size();
  bytes_received_ += length;
  return {response.begin(), response.begin() + length};
}

Bytes PcscCard::control(std::uint32_t code, std::span<const std::uint8_t> input) {
  std::array<BYTE, 512> output{};
  DWORD length = 0;
  const auto started = std::chrono::steady_clock::now();
  const LONG result = calls_->control(card_, code, input.data(), static_cast<DWORD>(input.size()),
                                      output.data(), static_cast<DWORD>(output.size()), &length);
  io_time_ += std::chrono::steady_clock::now() - started;
  if (result == SCARD_W_REMOVED_CARD || result == SCARD_E_NO_SMARTCARD) {
    throw Error(ErrorCode::card_removed, "SCardControl: " + scard_name(result));
  }
  check_scard(*calls_, result, "SCardControl");
  return {output.begin(), output.begin() + length};
}

Bytes CardTransaction::control(std::uint32_t code, std::span<const std::uint8_t> input) {
  return card_.control(code, input);
}

CardTransaction::CardTransaction(PcscCard& card) : card_(card) {
  LONG result = card_.calls_->begin_transaction(card_.card_);
  if (result == SCARD_W_RESET_CARD) {
    // Reset by another program since we connected: take note and go on; nothing was verified
    // in this transaction yet.
    card_.reconnect();
    result = card_.calls_->begin_transaction(card_.card_);
  }
  check_scard(*card_.calls_, result, "SCardBeginTransaction");
}

CardTransaction::~CardTransaction() {
  // A card removed meanwhile makes this fail; there is nothing left to end then.
  static_cast<void>(card_.calls_->end_transaction(card_.card_, card_.disposition_));
}

ResponseApdu CardTransaction::transmit(const CommandApdu& command) {
  TransmitRules rules;
  // BELPIC cards speak T=0 only; a T=1 card gets case 1 commands as four bytes.
  rules.t0 = card_.protocol_ != SCARD_PROTOCOL_T1;
  // After 6Cxx eid-mw waits 50 ms before the repeat (OpenSC 40 ms): some older cards need it.
  // No BELPIC exchange of ours provokes 6Cxx (Le always fits the file), so it costs nothing
  // in the normal flow.
  rules.pause_before_repeat = [] { std::this_thread::sleep_for(std::chrono::milliseconds(50)); };
  return transmit_with_t0_procedures(
      [this](std::span<const std::uint8_t> bytes) { return card_.transmit_raw(bytes); }, command,
      rules);
}

namespace {

// Whether a context outlived a stop of the smart card service (Windows). SCardIsValidContext may
// check the handle only (pcsc-lite's does), so a context whose service is gone would pass and
// answer "no service" (no reader, on Windows) to every request from then on: ask it too.
bool outlived_its_service(const PcscContext& context) {
  if (!context.live() || context.calls().is_valid_context(context.handle()) != SCARD_S_SUCCESS) {
    return true;
  }
  DWORD length = 0;
  const LONG result = context.calls().list_readers(context.handle(), nullptr, &length);
  return result == SCARD_E_NO_SERVICE || result == SCARD_E_SERVICE_STOPPED;
}

}  // namespace

SharedPcscContext::Lease SharedPcscContext::get() {
  const std::lock_guard lock(mutex_);
  if (context_ && context_->calls().service_stops_without_readers() &&
      outlived_its_service(*context_)) {
    // The service stopped with the last reader (and may be back with a new one): the old
    // context is dead for good, and so is a connection kept on it.
    card_.reset();
    context_.reset();
  }
  if (context_) {
    return {context_, true};
  }
  context_ = std::make_shared<const PcscContext>(*calls_);
  return {context_, false};
}

void SharedPcscContext::discard(const std::shared_ptr<const PcscContext>& context) {
  const std::lock_guard lock(mutex_);
  if (context_ == context) {
    card_.reset();
    context_.reset();
  }
}

std::unique_ptr<PcscCard> SharedPcscContext::take_card(
    const std::shared_ptr<const PcscContext>& context, const std::string& reader,
    std::uint32_t insertion) {
  const std::lock_guard lock(mutex_);
  std::unique_ptr<PcscCard> card = std::move(card_);
  if (card && context == context_ && card->reader() == reader && card_insertion_ == insertion) {
    return card;
  }
  return nullptr;  // closes a connection to another card
}

void SharedPcscContext::keep_card(const std::shared_ptr<const PcscContext>& context,
                                  std::unique_ptr<PcscCard> card, std::uint32_t insertion) {
  const std::lock_guard lock(mutex_);
  if (context == context_) {
    card_ = std::move(card);
    card_insertion_ = insertion;
  }
}

}  // namespace saferchat
