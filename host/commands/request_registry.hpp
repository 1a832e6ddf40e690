// SPDX-License-Identifier: Apache-2.0
// The requests in flight on one connection (docs/protocol.md §3.6), so that `cancel` can stop
// one by its `id` and the end of input can stop them all.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

#include "commands/cancellation.hpp"
#include "commands/dispatcher.hpp"

namespace saferchat {

class RequestRegistry {
 public:
  // Registers a request; `id` may be null (such a request can only be stopped by the end of
  // input). Throws Error(invalid_argument) when another request in flight has the same id.
  [[nodiscard]] std::uint64_t add(const nlohmann::json& id,
                                  std::shared_ptr<Cancellation> cancellation);
  void remove(std::uint64_t handle);
  // Cancels the request with this id: false when none is in flight.
  bool cancel(const nlohmann::json& id);
  void cancel_all();

 private:
  struct Entry {
    nlohmann::json id;
    std::shared_ptr<Cancellation> cancellation;
  };
  std::mutex mutex_;
  std::uint64_t next_ = 0;
  std::map<std::uint64_t, Entry> entries_;
};

// `cancel` {"requestId": …}: result {"cancelled": true|false}. The cancelled request answers
// ERR_SAFERCHAT_REQUEST_CANCELLED; its dialog closes. `registry` must outlive the handler.
[[nodiscard]] CommandHandler make_cancel_command(RequestRegistry& registry);

}  // namespace saferchat
