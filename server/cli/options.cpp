// SPDX-License-Identifier: Apache-2.0
#include "cli/options.hpp"

#include <charconv>

namespace saferchat::cli {
namespace {

int parse_int(const std::string& option, const std::string& text, int low, int high) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < low || value > high) {
    throw UsageError(option + " needs a whole number from " + std::to_string(low) + " to " +
                     std::to_string(high));
  }
  return value;
}

}  // namespace

const char* usage_text() {
  return R"(usage: saferchat-verify --origin ORIGIN --nonce NONCE [options]

Verifies a Safer Chat / Web eID authentication token (web-eid:1.0) and prints a JSON verdict.
Exit status: 0 accepted, 1 rejected, 2 usage or configuration error.

  --token FILE              the token JSON (default "-": standard input)
  --origin ORIGIN           the origin the token was made for (https://host[:port])
  --nonce NONCE             the challenge nonce the token answers (counts as issued now)
  --allowed-origin ORIGIN   origins this verifier serves (repeatable; default: --origin)
  --allow-http-localhost    development: accept http://localhost origins
  --trust-anchors PEM       trusted roots (repeatable; default: the shipped Belgian roots)
  --intermediates PEM       untrusted issuing CAs (repeatable; default: the shipped Belgian CAs)
  --min-age N, --max-age N  the room's age policy (inclusive, completed years)
  --ocsp                    check revocation by OCSP (the certificate's responder)
  --ocsp-url URL            OCSP responder to use instead (implies --ocsp)
  --ocsp-timeout-ms N       OCSP timeout (default 5000)
  --ocsp-no-nonce           do not send (or require) an OCSP nonce
  --ocsp-max-age SECONDS    oldest acceptable OCSP thisUpdate (default 900)
  --crl FILE                check revocation against this CRL (PEM or DER; repeatable)
  --crl-fetch               fetch CRLs from the certificate's distribution points
  --crl-url URL             fetch the CRL from this URL (implies --crl-fetch)
  --pseudonym-key FILE      HMAC key (the file's bytes, at least 32) for the holder's pseudonym
  --show-national-number    include the national register number in the verdict
  --show-birth-date         include the birth date in the verdict
  --detail                  include the log-only detail of a rejection
  --now TIME                verify as of TIME (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ; tests)
  --help, --version
)";
}

std::optional<std::chrono::system_clock::time_point> parse_utc_time(const std::string& text) {
  // Fixed layouts: "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (RFC 3339 in UTC).
  const bool date_only = text.size() == 10;
  if (!date_only && (text.size() != 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
                     text[19] != 'Z')) {
    return std::nullopt;
  }
  if (text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  bool digits_ok = true;
  const auto number = [&](std::size_t at, std::size_t width) {
    int value = 0;
    for (std::size_t i = at; i < at + width; ++i) {
      if (text[i] < '0' || text[i] > '9') {
        digits_ok = false;
      }
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const int year = number(0, 4);
  const int month = number(5, 2);
  const int day = number(8, 2);
  const int hour = date_only ? 0 : number(11, 2);
  const int minute = date_only ? 0 : number(14, 2);
  const int second = date_only ? 0 : number(17, 2);
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!digits_ok || !date.ok() || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  return std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second};
}

CliOptions parse_options(const std::vector<std::string>& args) {
  CliOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) {
        throw UsageError(arg + " needs a value");
      }
      return args[++i];
    };
    if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else if (arg == "--version") {
      options.version = true;
    } else if (arg == "--token") {
      options.token_file = value();
    } else if (arg == "--origin") {
      options.origin = value();
    } else if (arg == "--nonce") {
      options.nonce = value();
    } else if (arg == "--allowed-origin") {
      options.allowed_origins.push_back(value());
    } else if (arg == "--allow-http-localhost") {
      options.allow_http_localhost = true;
    } else if (arg == "--trust-anchors") {
      options.trust_anchor_files.push_back(value());
    } else if (arg == "--intermediates") {
      options.intermediate_files.push_back(value());
    } else if (arg == "--min-age") {
      options.min_age = parse_int(arg, value(), 0, 150);
    } else if (arg == "--max-age") {
      options.max_age = parse_int(arg, value(), 0, 150);
    } else if (arg == "--ocsp") {
      options.ocsp = true;
    } else if (arg == "--ocsp-url") {
      options.ocsp = true;
      options.ocsp_url = value();
    } else if (arg == "--ocsp-timeout-ms") {
      options.ocsp_timeout = std::chrono::milliseconds{parse_int(arg, value(), 1, 600'000)};
    } else if (arg == "--ocsp-no-nonce") {
      options.ocsp_nonce = false;
    } else if (arg == "--ocsp-max-age") {
      options.ocsp_max_age = std::chrono::seconds{parse_int(arg, value(), 0, 31'536'000)};
    } else if (arg == "--crl") {
      options.crl_files.push_back(value());
    } else if (arg == "--crl-fetch") {
      options.crl_fetch = true;
    } else if (arg == "--crl-url") {
      options.crl_fetch = true;
      options.crl_url = value();
    } else if (arg == "--pseudonym-key") {
      options.pseudonym_key_file = value();
    } else if (arg == "--show-national-number") {
      options.show_national_number = true;
    } else if (arg == "--show-birth-date") {
      options.show_birth_date = true;
    } else if (arg == "--detail") {
      options.show_detail = true;
    } else if (arg == "--now") {
      const std::string& text = value();
      options.now = parse_utc_time(text);
      if (!options.now) {
        throw UsageError("--now needs YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
      }
    } else {
      throw UsageError("unknown argument: " + arg);
    }
  }
  if (options.help || options.version) {
    return options;
  }
  if (options.origin.empty()) {
    throw UsageError("--origin is required");
  }
  if (options.nonce.empty()) {
    throw UsageError("--nonce is required");
  }
  if (options.min_age && options.max_age && *options.min_age > *options.max_age) {
    throw UsageError("--min-age is above --max-age");
  }
  return options;
}

}  // namespace saferchat::cli
