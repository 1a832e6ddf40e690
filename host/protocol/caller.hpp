// SPDX-License-Identifier: Apache-2.0
// Which extension started the host (docs/protocol.md §1), read from the command line the
// browser passes: Chromium-family browsers give `chrome-extension://<id>/` as argv[1]
// (Windows adds `--parent-window=<hwnd>`); Firefox gives the manifest path and the add-on id.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace saferchat {

enum class BrowserFamily : std::uint8_t { chromium, firefox };

[[nodiscard]] std::string_view browser_family_name(BrowserFamily family) noexcept;

struct Caller {
  BrowserFamily family;
  std::string extension_id;
};

// The caller named by the arguments after argv[0], or nullopt when they do not look like a
// browser's launch of a native messaging host.
[[nodiscard]] std::optional<Caller> identify_caller(std::span<const std::string_view> args);

// The browser window the PIN dialog should belong to: Chrome and Edge on Windows start the host
// with `--parent-window=<HWND>` (decimal) after the origin. nullopt when there is none, or it
// is 0, not all digits, or above 64 bits. The host passes it to the Windows dialog as
// `--parent-wid <decimal>` (as GnuPG passes a window to pinentry).
[[nodiscard]] std::optional<std::uint64_t> parent_window(std::span<const std::string_view> args);

class CallerAllowList {
 public:
  CallerAllowList(std::vector<std::string> chromium_ids, std::vector<std::string> firefox_ids)
      : chromium_ids_(std::move(chromium_ids)), firefox_ids_(std::move(firefox_ids)) {}

  // Parses a `;`- or `,`-separated list of `chromium:<id>` / `firefox:<id>` entries, as in the
  // SAFERCHAT_EXTRA_ALLOWED_CALLERS development setting. Unknown entries are ignored.
  void add_from_list(std::string_view list);

  [[nodiscard]] bool allows(const Caller& caller) const;
  [[nodiscard]] const std::vector<std::string>& chromium_ids() const { return chromium_ids_; }
  [[nodiscard]] const std::vector<std::string>& firefox_ids() const { return firefox_ids_; }

 private:
  std::vector<std::string> chromium_ids_;
  std::vector<std::string> firefox_ids_;
};

}  // namespace saferchat
