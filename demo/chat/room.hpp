// SPDX-License-Identifier: Apache-2.0
// The demo chat's rooms and the age policy each one asks saferchatd to check (the "policy"
// of POST /v1/verify: {"minAge": …, "maxAge": …}, ages in whole years, both inclusive). Pure.
#pragma once

#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

namespace saferchat::demo {

struct Room {
  std::string_view id;  // in URLs, the API and cookies' server-side records: "kids"
  int min_age = 0;
  int max_age = 0;
};

// kids 6–11 (Kids-ID holders), teens 12–15, everyone 6–15: in the order the page shows them.
[[nodiscard]] std::span<const Room> rooms() noexcept;

// The room with this id, or nullptr.
[[nodiscard]] const Room* find_room(std::string_view id) noexcept;

// {"minAge": 6, "maxAge": 11}: what POST /v1/verify checks the card holder's age against.
[[nodiscard]] nlohmann::json room_policy(const Room& room);

}  // namespace saferchat::demo
