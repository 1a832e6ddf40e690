// SPDX-License-Identifier: Apache-2.0
// PC/SC access (pcsc-lite, or winscard on Windows: platform/pcsc_api.hpp): a context, reader and
// card-state queries, waiting for changes with SCardGetStatusChange and a deadline, card
// connections, and the RAII transaction that is the only way to transmit. Every SCARD_* result is
// mapped to a typed Error here, in one place.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apdu/card_channel.hpp"
#include "platform/pcsc_api.hpp"
#include "transport/pcsc_calls.hpp"
#include "wire/error.hpp"

namespace saferchat {

// "SCARD_E_NO_SMARTCARD" for SCARD_E_NO_SMARTCARD, "SCARD_0x…" for a value pcsc-lite lacks.
[[nodiscard]] std::string scard_name(LONG result);
// The stable code the browser sees for a PC/SC result.
[[nodiscard]] ErrorCode scard_error_code(LONG result) noexcept;
// Throws Error(scard_error_code(result), "<operation>: SCARD_…") unless result is success.
void check_scard(LONG result, std::string_view operation);
// The same, where `calls` says whether SCARD_E_NO_SERVICE and SCARD_E_SERVICE_STOPPED mean
// "no reader" (Windows' service stopped with its last reader) or a broken PC/SC.
void check_scard(const PcscCalls& calls, LONG result, std::string_view operation);

using Deadline = std::chrono::steady_clock::time_point;

struct ReaderState {
  std::string name;
  bool card_present = false;
  bool exclusive = false;  // another program holds the card exclusively
  Bytes atr;
  // The reader's state as pcsc-lite reported it, event counter (upper 16 bits) included:
  // waiting from exactly this state sees only real changes.
  DWORD pcsc_state = SCARD_STATE_UNAWARE;
};

// Where the service stops with the last reader (Windows), a context may be without a handle:
// it then sees no readers, and wait_for_change makes a new one when a reader comes back. The
// same happens when the service stops under a context made before.
class PcscContext {
 public:
  // Throws Error(pcsc_unavailable) when pcscd does not answer.
  explicit PcscContext(const PcscCalls& calls = system_pcsc_calls());
  PcscContext(const PcscContext&) = delete;
  PcscContext& operator=(const PcscContext&) = delete;
  PcscContext(PcscContext&&) = delete;
  PcscContext& operator=(PcscContext&&) = delete;
  ~PcscContext();

  [[nodiscard]] std::vector<std::string> readers() const;
  [[nodiscard]] std::vector<ReaderState> reader_states() const;
  // One reader's state now (one SCardGetStatusChange); nullopt when the reader is gone.
  [[nodiscard]] std::optional<ReaderState> reader_state(const std::string& name) const;
  // Blocks until a reader comes or goes or a card is inserted or removed (relative to
  // `known`, as returned by reader_states()), or until `deadline`: false on timeout.
  // SCardGetStatusChange does the waiting, with the \\?PnP?\Notification pseudo reader for
  // reader arrival. Where the platform has no such reader (macOS), the readers are listed again
  // every second; while the service is stopped (Windows), a context is tried every half second.
  [[nodiscard]] bool wait_for_change(const std::vector<ReaderState>& known,
                                     Deadline deadline) const;
  // The first reader holding a card, waiting for one until `deadline`.
  [[nodiscard]] std::optional<ReaderState> wait_for_card(Deadline deadline) const;
  // Makes a blocking wait_for_change return (thread-safe, SCardCancel).
  void cancel() const noexcept;

  // The current handle: 0 while the service is stopped (Windows).
  [[nodiscard]] SCARDCONTEXT handle() const noexcept;
  // Whether the context has a handle (false: the service stopped with the last reader).
  [[nodiscard]] bool live() const noexcept { return handle() != 0; }
  [[nodiscard]] const PcscCalls& calls() const noexcept { return *calls_; }

 private:
  // For a result meaning the service stopped (Windows): lets the dead handle go and says true.
  bool lost_service(LONG result) const;
  // Makes a handle when there is none: false while the service is still stopped.
  bool revive() const;
  bool wait_for_service(Deadline deadline, std::uint64_t cancels) const;
  bool wait_by_listing(const std::vector<ReaderState>& known, Deadline deadline,
                       std::uint64_t cancels) const;
  // Sleeps until `until` (true) or until cancel() is called after cancel_count_ was `cancels`.
  bool pause_until(Deadline until, std::uint64_t cancels) const;

  const PcscCalls* calls_;
  mutable std::mutex mutex_;
  mutable std::condition_variable cancelled_;
  mutable std::uint64_t cancel_count_ = 0;
  mutable SCARDCONTEXT context_ = 0;
};

class CardTransaction;

class PcscCard {
 public:
  // Shared connection, T=0 or T=1 (BELPIC cards speak T=0). Throws Error(no_card, …).
  PcscCard(const PcscContext& context, std::string reader);
  PcscCard(const PcscCard&) = delete;
  PcscCard& operator=(const PcscCard&) = delete;
  PcscCard(PcscCard&&) = delete;
  PcscCard& operator=(PcscCard&&) = delete;
  ~PcscCard();

  [[nodiscard]] const Bytes& atr() const noexcept { return atr_; }
  [[nodiscard]] const std::string& reader() const noexcept { return reader_; }
  [[nodiscard]] DWORD protocol() const noexcept { return protocol_; }

  // Reconnects after another program reset the card (SCARD_W_RESET_CARD); the card's
  // security state (verified PIN) is gone afterwards.
  void reconnect();

  // Opens a transaction: no other program can send APDUs to the card until it ends.
  [[nodiscard]] CardTransaction begin_transaction();

  // Number of APDUs exchanged with the card (procedure-byte follow-ups included).
  [[nodiscard]] std::size_t apdu_count() const noexcept { return apdu_count_; }
  [[nodiscard]] std::size_t bytes_sent() const noexcept { return bytes_sent_; }
  [[nodiscard]] std::size_t bytes_received() const noexcept { return bytes_received_; }
  // Time spent in SCardTransmit and SCardControl: the card and reader I/O.
  [[nodiscard]] std::chrono::steady_clock::duration io_time() const noexcept { return io_time_; }
  // Starts the counts above again (a kept connection counts per login).
  void reset_counters() noexcept;

  // From now on the open transaction ends, and the connection closes, with SCARD_RESET_CARD
  // instead of leaving the card as it is: for when LOG OFF failed, so that a verified PIN does
  // not stay usable by other programs (the reset discards the card's security state).
  void reset_when_done() noexcept { disposition_ = SCARD_RESET_CARD; }

 private:
  friend class CardTransaction;
  Bytes transmit_raw(std::span<const std::uint8_t> command);
  Bytes control(std::uint32_t code, std::span<const std::uint8_t> input);
  void refresh_atr();
  // Waits (SCardGetStatusChange) up to `wait` for the reader to report no card.
  [[nodiscard]] bool card_gone_within(std::chrono::milliseconds wait) const;

  const PcscCalls* calls_;
  SCARDCONTEXT context_;
  std::string reader_;
  SCARDHANDLE card_ = 0;
  DWORD protocol_ = 0;
  Bytes atr_;
  std::size_t apdu_count_ = 0;
  std::size_t bytes_sent_ = 0;
  std::size_t bytes_received_ = 0;
  std::chrono::steady_clock::duration io_time_{};
  DWORD disposition_ = SCARD_LEAVE_CARD;
};

// The only way to send APDUs: [[nodiscard]] so that a transaction cannot end by accident.
// Ends the PC/SC transaction (leaving the card powered) when destroyed.
class [[nodiscard]] CardTransaction final : public CardChannel, public ReaderControl {
 public:
  explicit CardTransaction(PcscCard& card);
  CardTransaction(const CardTransaction&) = delete;
  CardTransaction& operator=(const CardTransaction&) = delete;
  CardTransaction(CardTransaction&&) = delete;
  CardTransaction& operator=(CardTransaction&&) = delete;
  ~CardTransaction() override;

  // Resolves 61xx/6Cxx itself. A reset by another program reconnects the card and throws
  // Error(card_reset): the caller starts its sequence again, PIN included.
  ResponseApdu transmit(const CommandApdu& command) override;
  // SCardControl on the card's reader (PIN pad features and PIN entry).
  Bytes control(std::uint32_t code, std::span<const std::uint8_t> input) override;

 private:
  PcscCard& card_;
};

// The PC/SC context, and the card connection, kept from one card request to the next:
// establishing a context costs a connection to pcscd and two round trips, connecting to the
// card two more. A context that failed with pcsc_unavailable (pcscd restarted since) is
// handed back with discard(), and the next get() establishes a new one.
class SharedPcscContext {
 public:
  struct Lease {
    std::shared_ptr<const PcscContext> context;
    bool reused = false;  // established for an earlier request
  };
  explicit SharedPcscContext(const PcscCalls& calls = system_pcsc_calls()) : calls_(&calls) {}
  // Throws Error(pcsc_unavailable) when pcscd does not answer.
  [[nodiscard]] Lease get();
  void discard(const std::shared_ptr<const PcscContext>& context);

  // The connection an earlier request kept, if it was made on `context` to `reader`'s card of
  // insertion `insertion` (the caller's count of the reader's card events); else nullptr, and
  // a connection kept for another card is closed. pcsc-lite invalidates a connection when its
  // card leaves the reader (SCARD_W_REMOVED_CARD, even if another card comes), so a kept
  // connection can only ever reach the card it was made for.
  [[nodiscard]] std::unique_ptr<PcscCard> take_card(
      const std::shared_ptr<const PcscContext>& context, const std::string& reader,
      std::uint32_t insertion);
  // Keeps `card`, known to be insertion `insertion` of its reader, for the next request
  // (closed instead when `context` is no longer the shared one).
  void keep_card(const std::shared_ptr<const PcscContext>& context, std::unique_ptr<PcscCard> card,
                 std::uint32_t insertion);

 private:
  const PcscCalls* calls_;
  std::mutex mutex_;
  std::shared_ptr<const PcscContext> context_;
  std::unique_ptr<PcscCard> card_;  // declared after the context: closed before it
  std::uint32_t card_insertion_ = 0;
};

}  // namespace saferchat
