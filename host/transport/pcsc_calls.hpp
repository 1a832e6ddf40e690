// SPDX-License-Identifier: Apache-2.0
// The seam under the PC/SC transport: exactly the PC/SC calls the host makes, one virtual
// function each, with the platform's types (platform/pcsc_api.hpp: LONG is 64 bits with
// pcsc-lite, 32 on Windows). system_pcsc_calls() calls the real library (pcsc-lite, or winscard
// on Windows) and nothing else; unit tests put a fake PC/SC behind it (tests/support/fake_pcsc.hpp)
// that behaves as Windows, pcsc-lite or macOS do.
#pragma once

#include "platform/pcsc_api.hpp"

namespace saferchat {

class PcscCalls {
 public:
  PcscCalls() = default;
  PcscCalls(const PcscCalls&) = delete;
  PcscCalls& operator=(const PcscCalls&) = delete;
  PcscCalls(PcscCalls&&) = delete;
  PcscCalls& operator=(PcscCalls&&) = delete;
  virtual ~PcscCalls() = default;

  // What the platform's PC/SC does that its API does not say.
  // Windows stops its smart card service with the last reader: SCARD_E_NO_SERVICE and
  // SCARD_E_SERVICE_STOPPED then mean "no reader", and a context made before stays dead.
  [[nodiscard]] virtual bool service_stops_without_readers() const noexcept = 0;
  // Reader arrival reported through the \\?PnP?\Notification pseudo reader (pcsc-lite,
  // Windows); macOS's PCSC.framework has none: readers are listed again instead.
  [[nodiscard]] virtual bool has_reader_notification() const noexcept = 0;
  // A reader's card insertions and removals counted in the upper 16 bits of its event state
  // (pcsc-lite, Windows); zero on macOS, where a swapped card must be told by the card itself.
  [[nodiscard]] virtual bool has_event_counter() const noexcept = 0;

  virtual LONG establish_context(DWORD scope, SCARDCONTEXT* context) const = 0;
  virtual LONG release_context(SCARDCONTEXT context) const = 0;
  virtual LONG is_valid_context(SCARDCONTEXT context) const = 0;
  virtual LONG list_readers(SCARDCONTEXT context, char* names, DWORD* length) const = 0;
  virtual LONG get_status_change(SCARDCONTEXT context, DWORD timeout_ms, SCARD_READERSTATE* states,
                                 DWORD count) const = 0;
  virtual LONG cancel(SCARDCONTEXT context) const = 0;
  virtual LONG connect(SCARDCONTEXT context, const char* reader, DWORD share_mode, DWORD protocols,
                       SCARDHANDLE* card, DWORD* protocol) const = 0;
  virtual LONG reconnect(SCARDHANDLE card, DWORD share_mode, DWORD protocols, DWORD initialization,
                         DWORD* protocol) const = 0;
  virtual LONG disconnect(SCARDHANDLE card, DWORD disposition) const = 0;
  virtual LONG begin_transaction(SCARDHANDLE card) const = 0;
  virtual LONG end_transaction(SCARDHANDLE card, DWORD disposition) const = 0;
  virtual LONG status(SCARDHANDLE card, char* reader_names, DWORD* names_length, DWORD* state,
                      DWORD* protocol, BYTE* atr, DWORD* atr_length) const = 0;
  virtual LONG transmit(SCARDHANDLE card, const SCARD_IO_REQUEST* send_pci, const BYTE* command,
                        DWORD command_length, BYTE* response, DWORD* response_length) const = 0;
  virtual LONG control(SCARDHANDLE card, DWORD code, const void* input, DWORD input_length,
                       void* output, DWORD output_size, DWORD* output_length) const = 0;
};

// The platform's PC/SC library (one instance, for the process's life).
[[nodiscard]] const PcscCalls& system_pcsc_calls() noexcept;

}  // namespace saferchat
