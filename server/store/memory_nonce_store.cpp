#include "store/memory_nonce_store.hpp"

#include <string>

namespace saferchat::store {

MemoryNonceStore::MemoryNonceStore(MemoryNonceStoreOptions options) : options_(options) {}

void MemoryNonceStore::sweep_locked(TimePoint now, bool force) {
  if (!force && now - last_sweep_ < options_.sweep_interval) {
    return;
  }
  last_sweep_ = now;
  std::erase_if(entries_, [&](const auto& item) {
    return now >= item.second.expires_at + options_.retention;
  });
}

bool MemoryNonceStore::put(std::string_view nonce, std::string_view session_id,
                           TimePoint expires_at, TimePoint now) {
  const std::scoped_lock lock(mutex_);
  sweep_locked(now, false);
  if (entries_.size() >= options_.max_entries) {
    sweep_locked(now, true);
    if (entries_.size() >= options_.max_entries) {
      throw StoreUnavailable("in-memory nonce store full (" + std::to_string(options_.max_entries) +
                             " entries)");
    }
  }
  const auto [it, inserted] =
      entries_.try_emplace(std::string(nonce), Entry{expires_at, std::string(session_id), false});
  // An entry past its retention is gone for every purpose: let a new issue replace it.
  if (!inserted && now >= it->second.expires_at + options_.retention) {
    it->second = Entry{expires_at, std::string(session_id), false};
    return true;
  }
  return inserted;
}

TakeResult MemoryNonceStore::take(std::string_view nonce, TimePoint now) {
  const std::scoped_lock lock(mutex_);
  sweep_locked(now, false);
  const auto it = entries_.find(std::string(nonce));
  if (it == entries_.end() || now >= it->second.expires_at + options_.retention) {
    return {TakeStatus::unknown, {}};
  }
  Entry& entry = it->second;
  if (entry.used) {
    return {TakeStatus::replayed, {}};
  }
  if (now >= entry.expires_at) {
    return {TakeStatus::expired, {}};
  }
  entry.used = true;
  return {TakeStatus::taken, entry.session_id};
}

std::size_t MemoryNonceStore::size(TimePoint now) {
  const std::scoped_lock lock(mutex_);
  sweep_locked(now, true);
  return entries_.size();
}

}  // namespace saferchat::store
