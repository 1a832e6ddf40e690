// SPDX-License-Identifier: Apache-2.0
#include "chat/room.hpp"

#include <array>

namespace saferchat::demo {
namespace {

constexpr std::array<Room, 3> all_rooms{{
    {.id = "kids", .min_age = 6, .max_age = 11},
    {.id = "teens", .min_age = 12, .max_age = 15},
    {.id = "everyone", .min_age = 6, .max_age = 15},
}};

}  // namespace

std::span<const Room> rooms() noexcept { return all_rooms; }

const Room* find_room(std::string_view id) noexcept {
  for (const Room& room : all_rooms) {
    if (room.id == id) {
      return &room;
    }
  }
  return nullptr;
}

nlohmann::json room_policy(const Room& room) {
  return {{"minAge", room.min_age}, {"maxAge", room.max_age}};
}

}  // namespace saferchat::demo
