// SPDX-License-Identifier: Apache-2.0
#include "store/memory_nonce_store.hpp"

#include <iterator>
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
  for (Live* live : {&by_session_, &by_client_}) {
    for (auto it = live->begin(); it != live->end();) {
      std::erase_if(it->second, [&](TimePoint expiry) { return expiry <= now; });
      it = it->second.empty() ? live->erase(it) : std::next(it);
    }
  }
}

void MemoryNonceStore::check_cap(Live& live, std::string_view id, std::size_t cap, TimePoint now,
                                 const char* what) {
  if (id.empty()) {
    return;
  }
  const auto it = live.find(std::string(id));
  if (it == live.end()) {
    return;
  }
  std::erase_if(it->second, [&](TimePoint expiry) { return expiry <= now; });
  if (it->second.size() >= cap) {
    throw TooManyChallenges(std::string(what) + " already holds " + std::to_string(cap) +
                            " live challenges");
  }
}

bool MemoryNonceStore::put(std::string_view nonce, std::string_view session_id,
                           std::string_view client_id, TimePoint expires_at, TimePoint now) {
  const std::scoped_lock lock(mutex_);
  sweep_locked(now, false);
  check_cap(by_session_, session_id, options_.limits.per_session, now, "the session");
  check_cap(by_client_, client_id, options_.limits.per_client, now, "the client");
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
  const bool stored = inserted || now >= it->second.expires_at + options_.retention;
  if (!stored) {
    return false;
  }
  it->second = Entry{expires_at, std::string(session_id), false};
  if (!session_id.empty()) {
    by_session_[std::string(session_id)].push_back(expires_at);
  }
  if (!client_id.empty()) {
    by_client_[std::string(client_id)].push_back(expires_at);
  }
  return true;
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
