#include "commands/card_cache.hpp"

#include <algorithm>

namespace saferchat {

CardFacts read_card_facts(CardTransaction& transaction, std::span<const std::uint8_t> atr) {
  BelpicCard card = BelpicCard::identify(transaction, atr);
  Bytes certificate = card.read_authentication_certificate(transaction);
  const int tries = card.pin_tries_left(transaction);
  std::optional<BelpicCard::PinPad> pin_pad = BelpicCard::find_pin_pad(transaction);
  std::optional<CertificateKey> key = CertificateKey::from_certificate(certificate);
  return {card, std::move(certificate), tries, pin_pad, std::move(key)};
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

CardWatcher::CardWatcher(CardCache& cache, const Logger* log)
    : cache_(cache), log_(log), thread_([this] { run(); }) {
  // Announced before the thread runs: a request arriving now waits for the first look.
  cache_.scan_starts();
}

CardWatcher::~CardWatcher() {
  stopping_ = true;
  // SCardCancel only wakes a wait already in progress: repeat until the thread is out.
  while (!done_.load()) {
    {
      const std::lock_guard lock(mutex_);
      if (context_ != nullptr) {
        context_->cancel();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  thread_.join();
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
    cache_.scan_announced();  // nothing will be read ahead: requests must not wait for it
    // No PC/SC service, it went away, or we were cancelled: requests read cards themselves.
    if (log_ != nullptr && !stopping_) {
      log_->write(LogLevel::debug, std::string("card watcher stopped: ") + e.what());
    }
  }
  done_ = true;
}

}  // namespace saferchat
