// SPDX-License-Identifier: Apache-2.0
// The commands that use the card (docs/protocol.md §3.3, §3.4): `get-certificate` (no PIN)
// and `authenticate` (PIN dialog, signature, token).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "commands/card_cache.hpp"
#include "commands/dispatcher.hpp"
#include "transport/log.hpp"
#include "ui/pin_dialog.hpp"
#include "wire/language.hpp"

namespace saferchat {

struct CardCommandSettings {
  // A new dialog per request (pinentry in the host, a fake in tests).
  std::function<std::unique_ptr<PinDialog>()> make_dialog;
  // The user's locale, for requests without `lang`.
  std::string lc_all;
  std::string lc_messages;
  std::string lang;
  // Where each card request logs its APDU count and its time split (may be null).
  const Logger* log = nullptr;
  // What the card watcher read ahead (may be null: every request reads the card itself).
  CardCache* cache = nullptr;
  // Started again by each request if it stopped; tells a login when its card goes (may be
  // null: then a card pulled out during the PIN dialog is noticed at VERIFY).
  CardWatcher* watcher = nullptr;
  // The PC/SC context kept across requests (may be null: one per request).
  SharedPcscContext* contexts = nullptr;
};

[[nodiscard]] CommandHandler make_get_certificate_command(
    std::shared_ptr<const CardCommandSettings> settings);
[[nodiscard]] CommandHandler make_authenticate_command(
    std::shared_ptr<const CardCommandSettings> settings);

}  // namespace saferchat
