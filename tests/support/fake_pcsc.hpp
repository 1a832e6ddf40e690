// SPDX-License-Identifier: Apache-2.0
// Test code only: a fake of the PC/SC API behind the transport's seam (transport/pcsc_calls.hpp),
// behaving as one of three platforms does. What it models, and where the facts come from:
//  - windows: the smart card service (SCardSvr) stops when the last reader is unplugged and
//    starts again with the next one; calls on a context made before then fail (SCardListReaders
//    with SCARD_E_NO_SERVICE, SCardGetStatusChange, a wait in progress included, with
//    SCARD_E_SERVICE_STOPPED), and SCardEstablishContext without a reader gives
//    SCARD_E_NO_SERVICE. Reader arrival through \\?PnP?\Notification, whose event state's
//    upper 16 bits carry the reader count; a reader's upper 16 bits count its card events.
//  - pcsc_lite: pcscd keeps running without readers (SCARD_E_NO_READERS_AVAILABLE); the same
//    pseudo reader and counters.
//  - macos: PCSC.framework: no event counter (upper bits zero) and no pseudo reader (asking
//    for it is answered SCARD_E_UNKNOWN_READER here); pcscd-like otherwise.
// Cards are answered by a function from command APDU to response APDU.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "transport/pcsc_calls.hpp"

namespace saferchat::fake {

enum class FakePlatform : std::uint8_t { windows, pcsc_lite, macos };

struct FakeCard {
  std::vector<std::uint8_t> atr;
  // Command APDU → response APDU (data ‖ SW1 SW2).
  std::function<std::vector<std::uint8_t>(std::span<const std::uint8_t>)> answer;
};

class FakePcsc final : public PcscCalls {
 public:
  explicit FakePcsc(FakePlatform platform)
      : platform_(platform), running_(platform != FakePlatform::windows) {}

  // The world, changed by the test (from any thread): wakes waits that see the change.
  void plug_reader(const std::string& name);
  void unplug_reader(const std::string& name);
  void insert_card(const std::string& reader, FakeCard card);
  void remove_card(const std::string& reader);

  // Observations.
  [[nodiscard]] int contexts_established() const;
  [[nodiscard]] bool service_running() const;
  // How many SCardGetStatusChange calls asked for the \\?PnP?\Notification pseudo reader.
  [[nodiscard]] int pnp_waits() const;
  // SCardGetStatusChange calls blocking now (a test waits for one before changing the world).
  [[nodiscard]] int waiting() const;
  void wait_until_waiting(int count) const;

  [[nodiscard]] bool service_stops_without_readers() const noexcept override {
    return platform_ == FakePlatform::windows;
  }
  [[nodiscard]] bool has_reader_notification() const noexcept override {
    return platform_ != FakePlatform::macos;
  }
  [[nodiscard]] bool has_event_counter() const noexcept override {
    return platform_ != FakePlatform::macos;
  }
  LONG establish_context(DWORD scope, SCARDCONTEXT* context) const override;
  LONG release_context(SCARDCONTEXT context) const override;
  LONG is_valid_context(SCARDCONTEXT context) const override;
  LONG list_readers(SCARDCONTEXT context, char* names, DWORD* length) const override;
  LONG get_status_change(SCARDCONTEXT context, DWORD timeout_ms, SCARD_READERSTATE* states,
                         DWORD count) const override;
  LONG cancel(SCARDCONTEXT context) const override;
  LONG connect(SCARDCONTEXT context, const char* reader, DWORD share_mode, DWORD protocols,
               SCARDHANDLE* card, DWORD* protocol) const override;
  LONG reconnect(SCARDHANDLE card, DWORD share_mode, DWORD protocols, DWORD initialization,
                 DWORD* protocol) const override;
  LONG disconnect(SCARDHANDLE card, DWORD disposition) const override;
  LONG begin_transaction(SCARDHANDLE card) const override;
  LONG end_transaction(SCARDHANDLE card, DWORD disposition) const override;
  LONG status(SCARDHANDLE card, char* reader_names, DWORD* names_length, DWORD* state,
              DWORD* protocol, BYTE* atr, DWORD* atr_length) const override;
  LONG transmit(SCARDHANDLE card, const SCARD_IO_REQUEST* send_pci, const BYTE* command,
                DWORD command_length, BYTE* response, DWORD* response_length) const override;
  LONG control(SCARDHANDLE card, DWORD code, const void* input, DWORD input_length, void* output,
               DWORD output_size, DWORD* output_length) const override;

 private:
  struct Reader {
    std::string name;
    std::optional<FakeCard> card;
    std::uint64_t insertion = 0;  // which insertion the card is (0: none yet)
    std::uint16_t events = 0;     // card insertions and removals, modulo 2^16
  };
  struct Context {
    std::uint64_t service_run = 0;  // the service's run it was made in
    std::uint64_t cancels = 0;
  };
  struct Connection {
    std::string reader;
    std::uint64_t insertion = 0;
  };

  // Under mutex_.
  [[nodiscard]] const Reader* find_reader(const std::string& name) const;
  [[nodiscard]] LONG check_context(SCARDCONTEXT context) const;
  [[nodiscard]] LONG check_card(SCARDHANDLE card, const Reader** reader) const;
  [[nodiscard]] DWORD event_state(const Reader& reader) const;
  void changed();

  FakePlatform platform_;
  mutable std::mutex mutex_;
  mutable std::condition_variable world_changed_;
  std::vector<Reader> readers_;
  bool running_ = false;           // windows: the service; others: always running
  std::uint64_t service_run_ = 1;  // incremented each time the Windows service starts again
  std::uint64_t insertions_ = 0;
  mutable std::uint64_t next_handle_ = 0x100;
  mutable std::map<SCARDCONTEXT, Context> contexts_;
  mutable std::map<SCARDHANDLE, Connection> connections_;
  mutable int established_ = 0;
  mutable int pnp_waits_ = 0;
  mutable int waiting_ = 0;
};

// A card answering as a BELPIC applet 1.8 does to SELECT (9000), GET CARD DATA (80 E4: a
// 16-byte serial of `serial_byte`, applet version 0x18, 3 PIN tries) and READ BINARY (any
// selected file holds fake_certificate(serial_byte)); 6D00 to anything else.
[[nodiscard]] FakeCard belpic_like_card(std::vector<std::uint8_t> atr, std::uint8_t serial_byte);
// A DER element (SEQUENCE { INTEGER serial_byte }): not a certificate, but read as one.
[[nodiscard]] std::vector<std::uint8_t> fake_certificate(std::uint8_t serial_byte);

}  // namespace saferchat::fake
