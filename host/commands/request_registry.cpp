// SPDX-License-Identifier: Apache-2.0
#include "commands/request_registry.hpp"

#include <algorithm>
#include <vector>

#include "wire/error.hpp"

namespace saferchat {

std::uint64_t RequestRegistry::add(const nlohmann::json& id,
                                   std::shared_ptr<Cancellation> cancellation) {
  const std::lock_guard lock(mutex_);
  if (!id.is_null() && std::any_of(entries_.begin(), entries_.end(),
                                   [&](const auto& entry) { return entry.second.id == id; })) {
    throw Error(ErrorCode::invalid_argument, "\"id\" is already used by a request in flight");
  }
  const std::uint64_t handle = next_++;
  entries_.emplace(handle, Entry{id, std::move(cancellation)});
  return handle;
}

void RequestRegistry::remove(std::uint64_t handle) {
  const std::lock_guard lock(mutex_);
  entries_.erase(handle);
}

bool RequestRegistry::cancel(const nlohmann::json& id) {
  std::shared_ptr<Cancellation> found;
  {
    const std::lock_guard lock(mutex_);
    const auto it = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const auto& entry) { return entry.second.id == id; });
    if (it == entries_.end()) {
      return false;
    }
    found = it->second.cancellation;
  }
  // Outside the lock: the callbacks close dialogs and cancel PC/SC waits.
  found->cancel();
  return true;
}

void RequestRegistry::cancel_all() {
  std::vector<std::shared_ptr<Cancellation>> all;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& entry : entries_) {
      all.push_back(entry.second.cancellation);
    }
  }
  for (const auto& cancellation : all) {
    cancellation->cancel();
  }
}

CommandHandler make_cancel_command(RequestRegistry& registry) {
  return [&registry](const Request& request, Cancellation& /*cancellation*/) {
    const auto& args = std::get<CancelArguments>(request.arguments);
    CommandOutcome outcome;
    outcome.result = {{"cancelled", registry.cancel(args.request_id)}};
    return outcome;
  };
}

}  // namespace saferchat
