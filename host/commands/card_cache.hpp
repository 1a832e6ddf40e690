// SPDX-License-Identifier: Apache-2.0
// The warm host's memory of the cards in the readers (docs/protocol.md §3.6): when a card comes,
// a watcher reads what it shows without a PIN (card data, authentication certificate, PIN
// tries, the reader's PIN pad) in one short transaction, so that a login on that card needs
// only VERIFY, MSE SET, PSO (+ GET RESPONSE) and LOG OFF. Entries live in memory only and are
// dropped when the card goes.
//
// An entry belongs to one insertion: pcsc-lite counts insertions and removals in the upper 16
// bits of a reader's event state (SCardGetStatusChange dwEventState), so a card swapped for
// another, even between two of our calls, has another count and never matches an old entry.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "card/belpic_card.hpp"
#include "transport/log.hpp"
#include "transport/pcsc.hpp"
#include "wire/token.hpp"

namespace saferchat {

// What a card shows without a PIN.
struct CardFacts {
  BelpicCard card;
  Bytes certificate;
  int pin_tries_left;
  std::optional<BelpicCard::PinPad> pin_pad;
  // The certificate's key, decoded when the card was read (nullopt: it does not decode, and no
  // signature will match it).
  std::optional<CertificateKey> certificate_key;
};

// Reads the facts in the transaction's card (7 APDUs on applet 1.8: GET CARD DATA, SELECT,
// READ BINARY × 4, PIN tries, …). Throws the card's errors (unknown_card,
// no_auth_certificate, …).
[[nodiscard]] CardFacts read_card_facts(CardTransaction& transaction,
                                        std::span<const std::uint8_t> atr);

// The insertion count of a reader state (pcsc-lite: upper 16 bits of dwEventState).
[[nodiscard]] constexpr std::uint32_t insertion_of(const ReaderState& state) noexcept {
  return static_cast<std::uint32_t>(state.pcsc_state >> 16U) & 0xFFFFU;
}

// Inside the transaction that will use the PIN, on a connection made after `facts` were read
// from insertion `insertion` of `reader`: the reader's insertion count now, and whether its
// card is still the one read. Where the platform counts card events (pcsc-lite, Windows) a card
// swapped in between, even one put back, has another count; where it does not (macOS: always
// 0) the card's serial number says (SELECT + GET CARD DATA, two APDUs). nullopt when the card
// is gone.
struct CardInReader {
  std::uint32_t insertion = 0;
  bool same_card = false;
};
[[nodiscard]] std::optional<CardInReader> check_card_in_reader(
    const PcscContext& context, const std::string& reader, CardTransaction& transaction,
    std::span<const std::uint8_t> atr, const CardFacts& facts, std::uint32_t insertion);

struct CachedCard {
  std::string reader;
  std::uint32_t insertion = 0;
  Bytes atr;
  CardFacts facts;
};

class CardCache {
 public:
  // The entry for this reader and insertion, waiting (until `deadline`) while the watcher is
  // reading exactly that insertion. nullopt when there is none: the caller reads the card.
  [[nodiscard]] std::optional<CachedCard> find(const std::string& reader, std::uint32_t insertion,
                                               Deadline deadline) const;
  // Whether an entry for this reader and insertion is there now (no waiting).
  [[nodiscard]] bool holds(const std::string& reader, std::uint32_t insertion) const;
  void put(CachedCard card);
  // After a VERIFY: the card's tries as it just reported them.
  void set_pin_tries(const std::string& reader, std::uint32_t insertion, int tries);
  void drop(const std::string& reader);
  void clear();
  // The watcher announces a read, so that find() waits for it instead of reading in parallel.
  void reading(const std::string& reader, std::uint32_t insertion);
  void done_reading(const std::string& reader);
  // Between these, the watcher's first look at the readers: find() waits for it too, so a
  // request sent right after the host starts does not read the card beside the watcher.
  void scan_starts();
  void scan_announced();
  [[nodiscard]] std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::map<std::string, CachedCard> cards_;
  std::map<std::string, std::uint32_t> reading_;
  bool scan_pending_ = false;
};

// Watches every reader from its own thread with SCardGetStatusChange (blocking, no polling;
// new readers too) and keeps `cache` in step: reads a card when it comes, drops it when it
// goes. It also tells a running request when its card goes (on_card_gone), so that the PIN
// dialog closes. Stops and joins when destroyed (SCardCancel wakes it).
class CardWatcher {
 public:
  // Does not start watching: ensure_running() does.
  CardWatcher(CardCache& cache, const Logger* log);
  CardWatcher(const CardWatcher&) = delete;
  CardWatcher& operator=(const CardWatcher&) = delete;
  CardWatcher(CardWatcher&&) = delete;
  CardWatcher& operator=(CardWatcher&&) = delete;
  ~CardWatcher();

  // Starts the watching thread, or starts it again when it stopped because the PC/SC service
  // went away (a request calls this first, so a restarted pcscd is watched again).
  void ensure_running();

  // Ends its notification when destroyed, waiting for one that is running.
  class [[nodiscard]] Subscription {
   public:
    Subscription(CardWatcher* watcher, std::uint64_t id) : watcher_(watcher), id_(id) {}
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    Subscription(Subscription&&) = delete;
    Subscription& operator=(Subscription&&) = delete;
    ~Subscription();
    // Whether the card went (on_gone was called, or is being called).
    [[nodiscard]] bool gone() const;

   private:
    CardWatcher* watcher_;
    std::uint64_t id_;
  };

  // Calls `on_gone` once, from the watcher's thread, when the watcher sees that the card of
  // `insertion` left `reader`: pulled out, swapped (a later insertion count), or the reader
  // itself gone. States older than `insertion` (the watcher has not caught up yet) do not count.
  [[nodiscard]] std::unique_ptr<Subscription> on_card_gone(const std::string& reader,
                                                           std::uint32_t insertion,
                                                           std::function<void()> on_gone);

 private:
  struct Watch {
    std::string reader;
    std::uint32_t insertion = 0;
    std::function<void()> on_gone;
    bool reader_seen = false;  // the watcher saw the reader since: its absence then counts
    bool gone = false;
  };

  void run() noexcept;
  void refresh(const PcscContext& context, const std::vector<ReaderState>& states);
  // Notes what the readers show now and calls on_gone for the cards that left.
  void observe(const std::vector<ReaderState>& states);
  [[nodiscard]] bool gone(std::uint64_t id) const;
  void unsubscribe(std::uint64_t id);

  CardCache& cache_;
  const Logger* log_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  const PcscContext* context_ = nullptr;  // the thread's context, while it has one
  std::atomic<bool> stopping_{false};
  bool running_ = false;  // a thread was started and has not ended
  std::thread thread_;
  std::vector<ReaderState> seen_;  // the readers at the last look
  std::map<std::uint64_t, Watch> watches_;
  std::uint64_t next_watch_ = 1;
  std::uint64_t firing_ = 0;  // the watch whose on_gone runs now (0: none)
};

}  // namespace saferchat
