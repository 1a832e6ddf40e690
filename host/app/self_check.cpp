// SPDX-License-Identifier: Apache-2.0
#include "app/self_check.hpp"

#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/browser_registrations.hpp"
#include "card/belpic_card.hpp"
#include "protocol/reply.hpp"
#include "transport/pcsc.hpp"
#include "transport/pcsc_probe.hpp"
#include "transport/pinentry_program.hpp"
#include "wire/crypto.hpp"
#include "wire/version.hpp"

namespace saferchat {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view prefix) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : ", ") + std::string(prefix) + item;
  }
  return out;
}

// A path as UTF-8 on every OS (path::string() is the ANSI code page on Windows).
std::string utf8(const std::filesystem::path& path) {
  const std::u8string text = path.u8string();
  return {text.begin(), text.end()};
}

void describe_card(std::ostream& out, const PcscContext& context, const ReaderState& reader) {
  try {
    PcscCard connection(context, reader.name);
    CardTransaction transaction = connection.begin_transaction();
    const BelpicCard card = BelpicCard::identify(transaction, connection.atr());
    out << "    card:        Belgian eID / Kids-ID, applet " << card.variant().name
        << ", authentication signature " << jwa_name(card.variant().authentication) << "\n"
        << "    PIN tries:   " << card.pin_tries_left(transaction) << " left\n";
    try {
      out << "    certificate: "
          << certificate_subject(card.read_authentication_certificate(transaction)) << "\n";
    } catch (const Error& e) {
      out << "    certificate: " << code_name(e.code()) << " (" << public_message(e.code())
          << ")\n";
    }
  } catch (const Error& e) {
    out << "    card:        " << code_name(e.code()) << " (" << e.detail() << ")\n";
  }
}

}  // namespace

int run_self_check(std::ostream& out, const Logger& log, const CallerAllowList& allow_list,
                   const SelfCheckPlaces& places) {
  out << "saferchat-host " << host_version << " (native messaging protocol " << protocol_version
      << ")\n"
      << "this program:    " << utf8(places.self) << "\n"
      << "log:             " << (log.level() == LogLevel::off ? "off" : log.path()) << "\n"
      << "allowed callers: " << join(allow_list.chromium_ids(), "chromium:") << ", "
      << join(allow_list.firefox_ids(), "firefox:") << "\n";
  std::vector<std::string> missing;

  out << "browsers:\n";
  std::set<std::string> working;
  for (const ManifestPlace& place : manifest_places(places.root, places.home, places.config_home)) {
    std::ifstream file(place.file, std::ios::binary);
    if (!file) {
      continue;
    }
    std::stringstream text;
    text << file.rdbuf();
    const ManifestCheck check =
        check_manifest(text.str(), place, places.root, places.self, allow_list);
    out << "  " << place.browser << " (" << (place.system ? "system" : "user")
        << "): " << utf8(place.file) << ": " << check.verdict << "\n";
    if (check.works) {
      working.insert(place.browser);
    }
  }
  if (working.empty()) {
    out << "  no browser has Safer Chat registered: run saferchat-install (installer/README.md)\n";
    missing.emplace_back("no browser has the host registered");
  } else {
    out << "  registered for: " << join({working.begin(), working.end()}, "") << "\n";
  }

  const PinentryChoice dialog =
      choose_pinentry(places.pinentry, places.path_env, places.self.parent_path());
  out << "PIN dialog:      "
      << (dialog.path ? *dialog.path + " (" + dialog.why + ")" : "NONE: " + dialog.why) << "\n";
  if (!dialog.path) {
    missing.emplace_back("no PIN dialog program");
  }

  const PcscStatus pcsc = probe_pcsc();
  if (!pcsc.reachable) {
    out << "PC/SC:           NOT reachable (" << pcsc.detail
        << "): is pcscd installed and running?\n";
    missing.emplace_back("PC/SC is not reachable");
  } else {
    out << "PC/SC:           reachable, " << pcsc.reader_count << " reader(s)\n";
    if (pcsc.reader_count == 0) {
      missing.emplace_back("no card reader is connected");
    }
    try {
      const PcscContext context;
      for (const ReaderState& reader : context.reader_states()) {
        out << "  reader \"" << reader.name
            << "\": " << (reader.card_present ? "card present" : "no card") << "\n";
        if (reader.card_present) {
          describe_card(out, context, reader);
        }
      }
    } catch (const Error& e) {
      out << "  " << code_name(e.code()) << " (" << e.detail() << ")\n";
    }
  }
  out << "commands served: version, quit, cancel, get-certificate, authenticate\n";
  if (missing.empty()) {
    out << "result:          a login can work\n";
    return 0;
  }
  out << "result:          a login cannot work yet: " << join(missing, "") << "\n";
  return 1;
}

}  // namespace saferchat
