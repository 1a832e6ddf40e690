// SPDX-License-Identifier: Apache-2.0
// saferchat-verify: verifies one authentication token and prints a JSON verdict
// (docs/verifier.md §9). The composition root of the verifier: reads files, wires the
// in-memory nonce store (the given nonce counts as issued now), the revocation checkers and the
// shipped Belgian trust anchors.
#include <array>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "revocation/crl_checker.hpp"
#include "revocation/ocsp_checker.hpp"
#include "store/memory_nonce_store.hpp"
#include "trust/belgian_trust.hpp"
#include "verify/verifier.hpp"
#include "wire/version.hpp"

namespace {

using saferchat::cli::CliOptions;
using saferchat::cli::UsageError;

constexpr int exit_accepted = 0;
constexpr int exit_rejected = 1;
constexpr int exit_usage = 2;

std::string read_stream(std::istream& in) {
  std::string text;
  std::array<char, 4096> buffer{};
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  return text;
}

std::string read_file(const std::string& path) {
  if (path == "-") {
    return read_stream(std::cin);
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw UsageError("cannot read " + path);
  }
  return read_stream(file);
}

std::string read_files(const std::vector<std::string>& paths) {
  std::string text;
  for (const std::string& path : paths) {
    text += read_file(path);
    text += '\n';
  }
  return text;
}

std::shared_ptr<saferchat::verify::RevocationChecker> revocation_from(const CliOptions& options) {
  std::vector<std::shared_ptr<saferchat::verify::RevocationChecker>> checkers;
  if (options.ocsp) {
    saferchat::revocation::OcspOptions ocsp;
    ocsp.responder_url = options.ocsp_url;
    ocsp.timeout = options.ocsp_timeout;
    ocsp.send_nonce = options.ocsp_nonce;
    if (options.ocsp_max_age) {
      ocsp.max_age = *options.ocsp_max_age;
    }
    checkers.push_back(std::make_shared<saferchat::revocation::OcspChecker>(std::move(ocsp)));
  }
  if (!options.crl_files.empty() || options.crl_fetch) {
    saferchat::revocation::CrlOptions crl;
    crl.files = options.crl_files;
    crl.fetch = options.crl_fetch;
    crl.url = options.crl_url;
    checkers.push_back(std::make_shared<saferchat::revocation::CrlChecker>(std::move(crl)));
  }
  if (checkers.empty()) {
    return nullptr;
  }
  if (checkers.size() == 1) {
    return checkers.front();
  }
  return std::make_shared<saferchat::revocation::FirstAnswerChecker>(std::move(checkers));
}

int run(const std::vector<std::string>& args) {
  const CliOptions options = saferchat::cli::parse_options(args);
  if (options.help) {
    std::cout << saferchat::cli::usage_text();
    return exit_accepted;
  }
  if (options.version) {
    std::cout << "saferchat-verify " << saferchat::host_version << "\n";
    return exit_accepted;
  }

  saferchat::verify::VerifierConfig config;
  config.allowed_origins =
      options.allowed_origins.empty() ? std::vector{options.origin} : options.allowed_origins;
  config.allow_http_localhost = options.allow_http_localhost;
  config.trust_anchors_pem = options.trust_anchor_files.empty()
                                 ? std::string(saferchat::trust::belgian_root_certificates_pem())
                                 : read_files(options.trust_anchor_files);
  config.intermediates_pem =
      options.intermediate_files.empty()
          ? std::string(saferchat::trust::belgian_intermediate_certificates_pem())
          : read_files(options.intermediate_files);
  config.age_policy = {options.min_age, options.max_age};
  if (options.pseudonym_key_file) {
    const std::string key = read_file(*options.pseudonym_key_file);
    config.pseudonym_key.assign(key.begin(), key.end());
  }
  config.expose_national_number = options.show_national_number;
  config.expose_birth_date = options.show_birth_date;
  config.revocation = revocation_from(options);

  const auto now = options.now.value_or(std::chrono::system_clock::now());
  auto store = std::make_shared<saferchat::store::MemoryNonceStore>();
  const std::string token = read_file(options.token_file);
  std::unique_ptr<saferchat::verify::Verifier> verifier;
  try {
    verifier = std::make_unique<saferchat::verify::Verifier>(std::move(config), store,
                                                             [now] { return now; });
  } catch (const std::invalid_argument& error) {
    throw UsageError(error.what());
  }
  // The challenge counts as issued now; a malformed one is left for the verifier to refuse.
  (void)store->put(options.nonce, {}, now + verifier->config().nonce_ttl, now);

  const saferchat::verify::Verdict verdict = verifier->verify(token, options.origin, options.nonce);
  std::cout << saferchat::verify::verdict_to_json(verdict, options.show_detail).dump() << "\n";
  return verdict.accepted() ? exit_accepted : exit_rejected;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const UsageError& error) {
    std::cerr << "saferchat-verify: " << error.what() << "\n"
              << "Try 'saferchat-verify --help'.\n";
    return exit_usage;
  } catch (const std::invalid_argument& error) {
    std::cerr << "saferchat-verify: " << error.what() << "\n";
    return exit_usage;
  } catch (const std::exception& error) {
    std::cerr << "saferchat-verify: " << error.what() << "\n";
    return exit_usage;
  }
}
