// SPDX-License-Identifier: Apache-2.0
#include "commands/card_cache.hpp"

#include <algorithm>

namespace saferchat {

CardFacts read_card_facts(CardTransaction& transaction, std::span<const std::uint8_t> atr) {
  BelpicCard card = BelpicCard::identify(transaction, atr);
  Bytes certificate = card.read_authentication_certificate(transaction);
  // Applet 1.8 said it in GET CARD DATA's long form while identifying: no APDU more.
  const std::optional<int> said = card.pin_tries_when_identified();
  const int tries = said ? *said : card.pin_tries_left(transaction);
  std::optional<BelpicCard::PinPad> pin_pad = BelpicCard::find_pin_pad(transaction);
  std::optional<CertificateKey> key = CertificateKey::from_certificate(certificate);
  return {card, std::move(certificate), tries, pin_pad, std::move(key)};
}

std::optional<CardInReader> check_card_in_reader(const PcscContext& context,
                                                 const std::string& reader,
                                                 CardTransaction& transaction,
                                                 std::span<const std::uint8_t> atr,
                                                 const CardFacts& facts, std::uint32_t insertion) {
  const std::optional<ReaderState> state = context.reader_state(reader);
  if (!state || !state->card_present) {
    return std::nullopt;
  }
  const std::uint32_t now = insertion_of(*state);
  if (now != insertion) {
    return CardInReader{now, false};
  }
  if (context.calls().has_event_counter()) {
    return CardInReader{now, true};
  }
  // No counter: the chip's serial number (GET CARD DATA bytes 0-15) is the card's own.
  const BelpicCard card = BelpicCard::identify(transaction, atr);
  return CardInReader{now, card.card_data().serial == facts.card.card_data().serial};
}

std::optional<CachedCard> CardCache::find(const std::string& reader, std::uint32_t insertion,
                                          Deadline deadline) const {
  std::unique_lock lock(mutex_);
  changed_.wait_until(lock, deadline, [&] {
    const auto it = reading_.find(reader);
    return !scan_pending_ && (it == reading_.end() || it->second != insertion);
  });
  const auto it = cards_.find(reader);
  if (it == cards_.end() || it->second.insertion != insertion) {
    return std::nullopt;
  }
  return it->second;
}

bool CardCache::holds(const std::string& reader, std::uint32_t insertion) const {
  const std::lock_guard lock(mutex_);
  const auto it = cards_.find(reader);
  return it != cards_.end() && it->second.insertion == insertion;
}

void CardCache::put(CachedCard card) {
  const std::lock_guard lock(mutex_);
  std::string reader = card.reader;
  cards_.insert_or_assign(std::move(reader), std::move(card));
  changed_.notify_all();
}

void CardCache::set_pin_tries(const std::string& reader, std::uint32_t insertion, int tries) {
  const std::lock_guard lock(mutex_);
  const auto it = cards_.find(reader);
  if (it != cards_.end() && it->second.insertion == insertion) {
    it->second.facts.pin_tries_left = tries;
  }
}

void CardCache::drop(const std::string& reader) {
  const std::lock_guard lock(mutex_);
  cards_.erase(reader);
  changed_.notify_all();
}

void CardCache::clear() {
  const std::lock_guard lock(mutex_);
  cards_.clear();
  changed_.notify_all();
}

void CardCache::reading(const std::string& reader, std::uint32_t insertion) {
  const std::lock_guard lock(mutex_);
  reading_.insert_or_assign(reader, insertion);
}

void CardCache::done_reading(const std::string& reader) {
  const std::lock_guard lock(mutex_);
  reading_.erase(reader);
  changed_.notify_all();
}

void CardCache::scan_starts() {
  const std::lock_guard lock(mutex_);
  scan_pending_ = true;
}

void CardCache::scan_announced() {
  const std::lock_guard lock(mutex_);
  scan_pending_ = false;
  changed_.notify_all();
}

std::size_t CardCache::size() const {
  const std::lock_guard lock(mutex_);
  return cards_.size();
}

namespace {

// pcsc-lite counts a reader's insertions and removals modulo 2^16: is `seen` later than `then`?
bool later_insertion(std::uint32_t seen, std::uint32_t then) {
  const std::uint32_t ahead = (seen - then) & 0xFFFFU;
  return ahead != 0 && ahead < 0x8000U;
}

}  // namespace

CardWatcher::CardWatcher(CardCache& cache, const Logger* log) : cache_(cache), log_(log) {}

CardWatcher::~CardWatcher() {
  stopping_ = true;
  std::unique_lock lock(mutex_);
  // SCardCancel only wakes a wait already in progress: repeat until the thread is out.
  while (running_) {
    if (context_ != nullptr) {
      context_->cancel();
    }
    changed_.wait_for(lock, std::chrono::milliseconds(2));
  }
  lock.unlock();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void CardWatcher::ensure_running() {
  std::unique_lock lock(mutex_);
  if (running_ || stopping_) {
    return;
  }
  std::thread ended = std::move(thread_);
  running_ = true;
  // Announced before the thread runs: a request arriving now waits for the first look.
  cache_.scan_starts();
  thread_ = std::thread([this] { run(); });
  lock.unlock();
  if (ended.joinable()) {
    ended.join();  // it has left run() already: this returns at once
  }
}

CardWatcher::Subscription::~Subscription() { watcher_->unsubscribe(id_); }

bool CardWatcher::Subscription::gone() const { return watcher_->gone(id_); }

std::unique_ptr<CardWatcher::Subscription> CardWatcher::on_card_gone(
    const std::string& reader, std::uint32_t insertion, std::function<void()> on_gone) {
  const std::lock_guard lock(mutex_);
  const std::uint64_t id = next_watch_++;
  Watch watch{reader, insertion, std::move(on_gone)};
  // Judged against the last look too, so that a removal the watcher saw just before this call
  // is not missed (then on_gone runs from the watcher's next look, or the caller checks gone()).
  for (const ReaderState& state : seen_) {
    if (state.name == reader) {
      watch.reader_seen = true;
      watch.gone = later_insertion(insertion_of(state), insertion);
    }
  }
  watches_.emplace(id, std::move(watch));
  return std::make_unique<Subscription>(this, id);
}

bool CardWatcher::gone(std::uint64_t id) const {
  const std::lock_guard lock(mutex_);
  const auto it = watches_.find(id);
  return it != watches_.end() && it->second.gone;
}

void CardWatcher::unsubscribe(std::uint64_t id) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return firing_ != id; });
  watches_.erase(id);
}

void CardWatcher::observe(const std::vector<ReaderState>& states) {
  std::unique_lock lock(mutex_);
  seen_ = states;
  for (auto& entry : watches_) {
    const std::uint64_t id = entry.first;
    Watch& watch = entry.second;
    if (watch.gone) {
      continue;
    }
    const auto it = std::find_if(states.begin(), states.end(),
                                 [&](const ReaderState& s) { return s.name == watch.reader; });
    if (it == states.end()) {
      watch.gone = watch.reader_seen;
    } else {
      watch.reader_seen = true;
      watch.gone = later_insertion(insertion_of(*it), watch.insertion);
    }
    if (watch.gone) {
      // Called without the lock (it may close a dialog); unsubscribe() waits for it.
      firing_ = id;
      const std::function<void()> on_gone = watch.on_gone;
      lock.unlock();
      on_gone();
      lock.lock();
      firing_ = 0;
      changed_.notify_all();
    }
  }
}

void CardWatcher::refresh(const PcscContext& context, const std::vector<ReaderState>& states) {
  // Every card to read is announced first, then read one after the other.
  std::vector<const ReaderState*> to_read;
  for (const ReaderState& state : states) {
    if (!state.card_present || state.exclusive) {
      cache_.drop(state.name);
      continue;
    }
    if (!cache_.holds(state.name, insertion_of(state))) {
      cache_.drop(state.name);
      cache_.reading(state.name, insertion_of(state));
      to_read.push_back(&state);
    }
  }
  cache_.scan_announced();
  for (const ReaderState* read : to_read) {
    const ReaderState& state = *read;
    const std::uint32_t insertion = insertion_of(state);
    if (stopping_) {
      cache_.done_reading(state.name);
      continue;
    }
    try {
      PcscCard connection(context, state.name);
      CardTransaction transaction = connection.begin_transaction();
      CachedCard cached{state.name, insertion, connection.atr(),
                        read_card_facts(transaction, connection.atr())};
      if (log_ != nullptr) {
        log_->write(LogLevel::debug,
                    "card read ahead apdus=" + std::to_string(connection.apdu_count()) +
                        " insertion=" + std::to_string(insertion));
      }
      cache_.put(std::move(cached));
    } catch (const Error& e) {
      // Not a card we serve, or gone already: a request reads it itself and says why.
      if (log_ != nullptr) {
        log_->write(LogLevel::debug, "card not read ahead: " + std::string(code_name(e.code())) +
                                         " " + std::string(e.detail()));
      }
    }
    cache_.done_reading(state.name);
  }
}

void CardWatcher::run() noexcept {
  try {
    const PcscContext context;
    {
      const std::lock_guard lock(mutex_);
      context_ = &context;
    }
    std::vector<std::string> known_readers;
    while (!stopping_) {
      const std::vector<ReaderState> states = context.reader_states();
      observe(states);
      // Readers that went away take their cards with them.
      for (const std::string& name : known_readers) {
        if (std::none_of(states.begin(), states.end(),
                         [&](const ReaderState& s) { return s.name == name; })) {
          cache_.drop(name);
        }
      }
      known_readers.clear();
      for (const ReaderState& state : states) {
        known_readers.push_back(state.name);
      }
      refresh(context, states);
      if (!stopping_) {
        static_cast<void>(context.wait_for_change(
            states, std::chrono::steady_clock::now() + std::chrono::hours(1)));
      }
    }
    const std::lock_guard lock(mutex_);
    context_ = nullptr;
  } catch (const std::exception& e) {
    {
      const std::lock_guard lock(mutex_);
      context_ = nullptr;
    }
    // Nothing will be read ahead: requests must not wait for it. What was read goes too: a
    // restarted pcscd counts insertions from 0 again, so old entries could match new cards.
    cache_.clear();
    cache_.scan_announced();
    // No PC/SC service, it went away, or we were cancelled: requests read cards themselves,
    // and the next one starts the watcher again.
    if (log_ != nullptr && !stopping_) {
      log_->write(LogLevel::debug, std::string("card watcher stopped: ") + e.what());
    }
  }
  const std::lock_guard lock(mutex_);
  seen_.clear();
  running_ = false;
  changed_.notify_all();
}

}  // namespace saferchat
