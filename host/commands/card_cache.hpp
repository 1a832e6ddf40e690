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
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "card/belpic_card.hpp"
#include "protocol/token.hpp"
#include "transport/log.hpp"
#include "transport/pcsc.hpp"

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

// Reads the facts in the transaction's card (12 APDUs on applet 1.8: GET CARD DATA, SELECT,
// READ BINARY × 4, PIN tries, …). Throws the card's errors (unknown_card,
// no_auth_certificate, …).
[[nodiscard]] CardFacts read_card_facts(CardTransaction& transaction,
                                        std::span<const std::uint8_t> atr);

// The insertion count of a reader state (pcsc-lite: upper 16 bits of dwEventState).
[[nodiscard]] constexpr std::uint32_t insertion_of(const ReaderState& state) noexcept {
  return static_cast<std::uint32_t>(state.pcsc_state >> 16U) & 0xFFFFU;
}

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
// goes. Stops and joins when destroyed (SCardCancel wakes it).
class CardWatcher {
 public:
  CardWatcher(CardCache& cache, const Logger* log);
  CardWatcher(const CardWatcher&) = delete;
  CardWatcher& operator=(const CardWatcher&) = delete;
  CardWatcher(CardWatcher&&) = delete;
  CardWatcher& operator=(CardWatcher&&) = delete;
  ~CardWatcher();

 private:
  void run() noexcept;
  void refresh(const PcscContext& context, const std::vector<ReaderState>& states);

  CardCache& cache_;
  const Logger* log_;
  std::mutex mutex_;
  const PcscContext* context_ = nullptr;  // the thread's context, while it has one
  std::atomic<bool> stopping_{false};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace saferchat
