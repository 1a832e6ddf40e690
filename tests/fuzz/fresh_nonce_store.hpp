// SPDX-License-Identifier: Apache-2.0
// A real in-memory nonce store that a fuzz target empties before each input (so its fixed nonce
// can be issued again) without building a new verifier or handler each time. Shared by the
// verifier's and saferchatd's fuzz targets.
#pragma once

#include <memory>
#include <string_view>

#include "store/memory_nonce_store.hpp"

namespace saferchat::fuzz {

class FreshNonceStore final : public store::NonceStore {
 public:
  void reset() { store_ = std::make_unique<store::MemoryNonceStore>(); }
  using NonceStore::put;
  bool put(std::string_view nonce_text, std::string_view session_id, std::string_view client_id,
           store::TimePoint expires_at, store::TimePoint now) override {
    return store_->put(nonce_text, session_id, client_id, expires_at, now);
  }
  store::TakeResult take(std::string_view nonce_text, store::TimePoint now) override {
    return store_->take(nonce_text, now);
  }

 private:
  std::unique_ptr<store::MemoryNonceStore> store_ = std::make_unique<store::MemoryNonceStore>();
};

}  // namespace saferchat::fuzz
