// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the verifier's whole path for a token from the internet (docs/verifier.md
// §4): size limits, JSON, format, algorithm, certificate parse, validity, key usage, chain to the
// TEST roots (test_pki.hpp), origin, nonce store, signature, national number, age policy. The
// clock is fixed (2026-06-01 12:00 UTC, inside the TEST certificates' validity) and the nonce is
// the one the committed tokens were signed over, so the seeds reach the signature check and the
// holder. Invariants: a verdict is never INTERNAL_ERROR; the cached and the uncached verifier
// agree; an accepted holder is 6..11 with a national number whose birth date is the holder's;
// the verdict serialises as JSON; a nonce is never accepted twice.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz/fresh_nonce_store.hpp"
#include "fuzz/test_pki.hpp"
#include "store/memory_nonce_store.hpp"
#include "verify/national_number.hpp"
#include "verify/verifier.hpp"

namespace {

using saferchat::verify::Reason;
using saferchat::verify::Verdict;
using saferchat::verify::Verifier;
using saferchat::verify::VerifierConfig;

// base64("saferchat-fuzz-nonce-0123456789a"): the nonce of the committed tokens.
constexpr std::string_view nonce = "c2FmZXJjaGF0LWZ1enotbm9uY2UtMDEyMzQ1Njc4OWE=";
constexpr std::string_view origin = "https://kids.chat.example";
constexpr std::string_view session = "fuzz-session";

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

std::chrono::system_clock::time_point fixed_now() {
  using namespace std::chrono;  // NOLINT(google-build-using-namespace)
  return sys_days{year{2026} / June / 1} + hours{12};
}

VerifierConfig config(bool cached) {
  VerifierConfig config;
  config.allowed_origins = {std::string{origin}};
  config.trust_anchors_pem = saferchat::fuzz::test_roots_pem;
  config.intermediates_pem = saferchat::fuzz::test_intermediates_pem;
  config.age_policy = {6, 11};
  config.pseudonym_key = std::vector<std::uint8_t>(32, 0x5A);
  config.expose_national_number = true;
  config.expose_birth_date = true;
  config.cache_intermediates = cached;
  config.cache_leaf_chains = cached;
  config.cache_capacity = 4;  // small: eviction runs too
  return config;
}

void check_holder(const Verdict& verdict) {
  if (!verdict.accepted()) {
    return;
  }
  require(verdict.holder.has_value() && verdict.holder->age.has_value());
  require(*verdict.holder->age >= 6 && *verdict.holder->age <= 11);
  require(verdict.holder->national_number.has_value() && verdict.holder->pseudonym.has_value());
  const auto number = saferchat::verify::parse_national_number(*verdict.holder->national_number);
  require(number.has_value() && number->birth_date == verdict.holder->birth_date);
}

using FreshStore = saferchat::fuzz::FreshNonceStore;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);

  // The cached verifier lives across inputs, as in saferchatd.
  static const Verifier cached(config(true), std::make_shared<saferchat::store::MemoryNonceStore>(),
                               fixed_now);
  const Verdict from_cache = cached.verify_taken_nonce(token, origin, nonce);

  // An uncached verifier with a store emptied per input: the nonce is issued to the session,
  // taken once, then replayed.
  static const auto store = std::make_shared<FreshStore>();
  static const Verifier fresh(config(false), store, fixed_now);
  store->reset();
  require(store->put(nonce, session, fixed_now() + std::chrono::minutes{5}, fixed_now()));
  const Verdict verdict = fresh.verify(token, origin, nonce, session);

  require(verdict.reason != Reason::internal_error);
  require(verdict.reason == from_cache.reason);
  require(saferchat::verify::verdict_to_json(verdict).dump() ==
          saferchat::verify::verdict_to_json(from_cache).dump());
  check_holder(verdict);

  const Verdict again = fresh.verify(token, origin, nonce, session);
  if (verdict.accepted()) {
    require(again.reason == Reason::nonce_replayed && !again.holder.has_value());
  }
  return 0;
}
