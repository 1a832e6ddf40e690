// SPDX-License-Identifier: Apache-2.0
// The real PC/SC library behind the seam: one call each, nothing added.
#include "transport/pcsc_calls.hpp"

namespace saferchat {
namespace {

class SystemPcscCalls final : public PcscCalls {
 public:
  [[nodiscard]] bool service_stops_without_readers() const noexcept override {
    return pcsc_service_stops_without_readers;
  }
  [[nodiscard]] bool has_reader_notification() const noexcept override {
    return pcsc_has_reader_notification;
  }
  [[nodiscard]] bool has_event_counter() const noexcept override { return pcsc_has_event_counter; }
  LONG establish_context(DWORD scope, SCARDCONTEXT* context) const override {
    return SCardEstablishContext(scope, nullptr, nullptr, context);
  }
  LONG release_context(SCARDCONTEXT context) const override { return SCardReleaseContext(context); }
  LONG is_valid_context(SCARDCONTEXT context) const override {
    return SCardIsValidContext(context);
  }
  LONG list_readers(SCARDCONTEXT context, char* names, DWORD* length) const override {
    return SCardListReaders(context, nullptr, names, length);
  }
  LONG get_status_change(SCARDCONTEXT context, DWORD timeout_ms, SCARD_READERSTATE* states,
                         DWORD count) const override {
    return SCardGetStatusChange(context, timeout_ms, states, count);
  }
  LONG cancel(SCARDCONTEXT context) const override { return SCardCancel(context); }
  LONG connect(SCARDCONTEXT context, const char* reader, DWORD share_mode, DWORD protocols,
               SCARDHANDLE* card, DWORD* protocol) const override {
    return SCardConnect(context, reader, share_mode, protocols, card, protocol);
  }
  LONG reconnect(SCARDHANDLE card, DWORD share_mode, DWORD protocols, DWORD initialization,
                 DWORD* protocol) const override {
    return SCardReconnect(card, share_mode, protocols, initialization, protocol);
  }
  LONG disconnect(SCARDHANDLE card, DWORD disposition) const override {
    return SCardDisconnect(card, disposition);
  }
  LONG begin_transaction(SCARDHANDLE card) const override { return SCardBeginTransaction(card); }
  LONG end_transaction(SCARDHANDLE card, DWORD disposition) const override {
    return SCardEndTransaction(card, disposition);
  }
  LONG status(SCARDHANDLE card, char* reader_names, DWORD* names_length, DWORD* state,
              DWORD* protocol, BYTE* atr, DWORD* atr_length) const override {
    return SCardStatus(card, reader_names, names_length, state, protocol, atr, atr_length);
  }
  LONG transmit(SCARDHANDLE card, const SCARD_IO_REQUEST* send_pci, const BYTE* command,
                DWORD command_length, BYTE* response, DWORD* response_length) const override {
    return SCardTransmit(card, send_pci, command, command_length, nullptr, response,
                         response_length);
  }
  LONG control(SCARDHANDLE card, DWORD code, const void* input, DWORD input_length, void* output,
               DWORD output_size, DWORD* output_length) const override {
    return SCardControl(card, code, input, input_length, output, output_size, output_length);
  }
};

}  // namespace

const PcscCalls& system_pcsc_calls() noexcept {
  static const SystemPcscCalls calls;
  return calls;
}

}  // namespace saferchat
