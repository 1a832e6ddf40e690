// SPDX-License-Identifier: Apache-2.0
#include "protocol/caller.hpp"

#include <algorithm>
#include <cstdint>

namespace saferchat {
namespace {

// A Chromium extension ID: 32 characters a..p (hex digits of a SHA-256 prefix mapped 0-f → a-p).
bool is_chromium_id(std::string_view id) {
  return id.size() == 32 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= 'a' && c <= 'p'; });
}

// A Firefox add-on id: an email-like name or a {GUID}; printable ASCII without spaces.
bool is_firefox_id(std::string_view id) {
  return !id.empty() && id.size() <= 255 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 0x7F; });
}

}  // namespace

std::string_view browser_family_name(BrowserFamily family) noexcept {
  return family == BrowserFamily::chromium ? "chromium" : "firefox";
}

std::optional<Caller> identify_caller(std::span<const std::string_view> args) {
  constexpr std::string_view chrome_prefix = "chrome-extension://";
  if (!args.empty() && args[0].starts_with(chrome_prefix)) {
    std::string_view id = args[0].substr(chrome_prefix.size());
    if (!id.ends_with('/')) {
      return std::nullopt;
    }
    id.remove_suffix(1);
    if (!is_chromium_id(id)) {
      return std::nullopt;
    }
    return Caller{BrowserFamily::chromium, std::string(id)};
  }
  // Firefox: argv[1] is the path of the host manifest, argv[2] the add-on id.
  if (args.size() == 2 && args[0].ends_with(".json") && is_firefox_id(args[1])) {
    return Caller{BrowserFamily::firefox, std::string(args[1])};
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parent_window(std::span<const std::string_view> args) {
  constexpr std::string_view prefix = "--parent-window=";
  for (const std::string_view arg : args) {
    if (!arg.starts_with(prefix)) {
      continue;
    }
    const std::string_view digits = arg.substr(prefix.size());
    std::uint64_t value = 0;
    if (digits.empty() || digits.size() > 20) {
      return std::nullopt;
    }
    for (const char c : digits) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      const auto digit = static_cast<std::uint64_t>(c - '0');
      if (value > (UINT64_MAX - digit) / 10) {
        return std::nullopt;
      }
      value = value * 10 + digit;
    }
    return value == 0 ? std::nullopt : std::optional<std::uint64_t>(value);
  }
  return std::nullopt;
}

void CallerAllowList::add_from_list(std::string_view list) {
  while (!list.empty()) {
    const std::size_t end = std::min(list.find_first_of(";,"), list.size());
    const std::string_view entry = list.substr(0, end);
    list.remove_prefix(std::min(end + 1, list.size()));
    if (entry.starts_with("chromium:") && is_chromium_id(entry.substr(9))) {
      chromium_ids_.emplace_back(entry.substr(9));
    } else if (entry.starts_with("firefox:") && is_firefox_id(entry.substr(8))) {
      firefox_ids_.emplace_back(entry.substr(8));
    }
  }
}

bool CallerAllowList::allows(const Caller& caller) const {
  const auto& ids = caller.family == BrowserFamily::chromium ? chromium_ids_ : firefox_ids_;
  return std::find(ids.begin(), ids.end(), caller.extension_id) != ids.end();
}

}  // namespace saferchat
