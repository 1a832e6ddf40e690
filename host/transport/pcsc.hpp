// PC/SC access (pcsc-lite): a context, reader and card-state queries, waiting for changes with
// SCardGetStatusChange and a deadline, card connections, and the RAII transaction that is the
// only way to transmit. Every SCARD_* result is mapped to a typed Error here, in one place.
#pragma once

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "apdu/card_channel.hpp"
#include "protocol/error.hpp"

namespace saferchat {

// "SCARD_E_NO_SMARTCARD" for SCARD_E_NO_SMARTCARD, "SCARD_0x…" for a value pcsc-lite lacks.
[[nodiscard]] std::string scard_name(LONG result);
// The stable code the browser sees for a PC/SC result.
[[nodiscard]] ErrorCode scard_error_code(LONG result) noexcept;
// Throws Error(scard_error_code(result), "<operation>: SCARD_…") unless result is success.
void check_scard(LONG result, std::string_view operation);

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

class PcscContext {
 public:
  // Throws Error(pcsc_unavailable) when pcscd does not answer.
  PcscContext();
  PcscContext(const PcscContext&) = delete;
  PcscContext& operator=(const PcscContext&) = delete;
  PcscContext(PcscContext&&) = delete;
  PcscContext& operator=(PcscContext&&) = delete;
  ~PcscContext();

  [[nodiscard]] std::vector<std::string> readers() const;
  [[nodiscard]] std::vector<ReaderState> reader_states() const;
  // Blocks until a reader comes or goes or a card is inserted or removed (relative to
  // `known`, as returned by reader_states()), or until `deadline`: false on timeout.
  // SCardGetStatusChange does the waiting: no polling.
  [[nodiscard]] bool wait_for_change(const std::vector<ReaderState>& known,
                                     Deadline deadline) const;
  // The first reader holding a card, waiting for one until `deadline`.
  [[nodiscard]] std::optional<ReaderState> wait_for_card(Deadline deadline) const;
  // Makes a blocking wait_for_change return (thread-safe, SCardCancel).
  void cancel() const noexcept;

  [[nodiscard]] SCARDCONTEXT handle() const noexcept { return context_; }

 private:
  SCARDCONTEXT context_ = 0;
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

 private:
  friend class CardTransaction;
  Bytes transmit_raw(std::span<const std::uint8_t> command);
  Bytes control(std::uint32_t code, std::span<const std::uint8_t> input);
  void refresh_atr();
  // Waits (SCardGetStatusChange) up to `wait` for the reader to report no card.
  [[nodiscard]] bool card_gone_within(std::chrono::milliseconds wait) const;

  SCARDCONTEXT context_;
  std::string reader_;
  SCARDHANDLE card_ = 0;
  DWORD protocol_ = 0;
  Bytes atr_;
  std::size_t apdu_count_ = 0;
  std::size_t bytes_sent_ = 0;
  std::size_t bytes_received_ = 0;
  std::chrono::steady_clock::duration io_time_{};
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

// Watches one reader from its own thread and calls `on_removed` once when its card is pulled
// out (SCardGetStatusChange, no polling). Stops and joins when destroyed.
class CardRemovalWatch {
 public:
  CardRemovalWatch(std::string reader, std::function<void()> on_removed);
  CardRemovalWatch(const CardRemovalWatch&) = delete;
  CardRemovalWatch& operator=(const CardRemovalWatch&) = delete;
  CardRemovalWatch(CardRemovalWatch&&) = delete;
  CardRemovalWatch& operator=(CardRemovalWatch&&) = delete;
  ~CardRemovalWatch();

  [[nodiscard]] bool removed() const noexcept { return removed_.load(); }

 private:
  void watch(const std::function<void()>& on_removed) noexcept;

  PcscContext context_;
  std::string reader_;
  std::atomic<bool> removed_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace saferchat
