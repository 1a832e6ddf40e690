#include "app/self_check.hpp"

#include <memory>
#include <string>

#include "card/belpic_card.hpp"
#include "protocol/reply.hpp"
#include "transport/pcsc.hpp"
#include "transport/pcsc_probe.hpp"
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

int run_self_check(std::ostream& out, const Logger& log, const CallerAllowList& allow_list) {
  out << "saferchat-host " << host_version << " (native messaging protocol " << protocol_version
      << ")\n"
      << "log:             " << (log.level() == LogLevel::off ? "off" : log.path()) << "\n"
      << "allowed callers: " << join(allow_list.chromium_ids(), "chromium:") << ", "
      << join(allow_list.firefox_ids(), "firefox:") << "\n";
  const PcscStatus pcsc = probe_pcsc();
  if (!pcsc.reachable) {
    out << "PC/SC:           NOT reachable (" << pcsc.detail
        << "): is pcscd installed and running?\n";
  } else {
    out << "PC/SC:           reachable, " << pcsc.reader_count << " reader(s)\n";
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
  out << "commands served: version, quit, get-certificate, authenticate\n"
      << "still missing:   the browser extension and installers\n";
  return pcsc.reachable ? 0 : 1;
}

}  // namespace saferchat
