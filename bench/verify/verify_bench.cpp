// SPDX-License-Identifier: Apache-2.0
// Token verifications per second per core (one thread), full chain and signature, beside raw
// OpenSSL signature verifications for the same key type in the same run:
//   raw/ES384, raw/RS256          EVP_DigestVerify with a loaded key over the signed data
//   token/<alg>/no_cache          Verifier::verify_taken_nonce, X509_verify_cert every time
//   token/<alg>/issuer_cache      the issuing CA verified once, each leaf checked against it
//   token/<alg>/full_cache        plus the leaf's chain remembered by its DER hash
//   token/<alg>/full_cache/sealed_<curve>
//                                 the same token sealed (docs/protocol.md §4.4): opened with the
//                                 service's key, then verified as above
//   seal/<curve>                  the host's seal step alone: jwe::seal of an ES384 token (the
//                                 ephemeral key, ECDH, Concat KDF, A256GCM), as per login
//   store/memory_issue_take       one nonce issued and taken in the in-memory store
// The PKI is made at start-up like Belgium's (RSA-4096 root → RSA-2048 CA → RSA-2048 card;
// P-384 root → P-384 CA → P-384 card). At the end the ratios token/raw are printed.
// Short runs: `verify_bench --benchmark_min_time=0.2`.
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "store/memory_nonce_store.hpp"
#include "verify/certificates.hpp"
#include "verify/token.hpp"
#include "verify/verifier.hpp"
#include "wire/jwe.hpp"
#include "wire/token.hpp"

namespace {

using saferchat::verify::EvpPkeyPtr;
using saferchat::verify::TokenAlgorithm;
using saferchat::verify::X509Ptr;

const std::string origin = "https://kids.chat.example";
constexpr int token_pool = 32;  // distinct nonces, so no single input is cached by accident

EvpPkeyPtr generate_key(const char* type, const char* parameter, unsigned bits) {
  EVP_PKEY* key = std::string(type) == "RSA"
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{bits})
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", parameter);
  if (key == nullptr) {
    throw std::runtime_error("keygen failed");
  }
  return EvpPkeyPtr(key);
}

X509Ptr issue(const std::string& cn, const std::string& serial_number, EVP_PKEY* key, X509* issuer,
              EVP_PKEY* issuer_key, bool ca) {
  X509Ptr certificate(X509_new());
  X509_set_version(certificate.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 4242);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  const auto add = [name](const char* field, const std::string& value) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  };
  add("C", "BE");
  add("CN", cn);
  if (!serial_number.empty()) {
    add("SN", "Bench");
    add("GN", "Kid");
    add("serialNumber", serial_number);
  }
  X509_set_issuer_name(certificate.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -86400L * 30);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 86400L * 365);
  X509_set_pubkey(certificate.get(), key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : certificate.get(), certificate.get(), nullptr,
                 nullptr, 0);
  const auto extension = [&](const char* extension_name, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf(nullptr, &ctx, extension_name, value);
    X509_add_ext(certificate.get(), ext, -1);
    X509_EXTENSION_free(ext);
  };
  extension("basicConstraints", ca ? "critical, CA:TRUE" : "critical, CA:FALSE");
  extension("keyUsage", ca ? "critical, keyCertSign, cRLSign" : "critical, digitalSignature");
  if (!ca) {
    extension("extendedKeyUsage", "clientAuth");
  }
  extension("subjectKeyIdentifier", "hash");
  if (issuer != nullptr) {
    extension("authorityKeyIdentifier", "keyid");
  }
  const EVP_MD* md = EVP_PKEY_get_base_id(issuer_key) == EVP_PKEY_EC ? EVP_sha384() : EVP_sha256();
  X509_sign(certificate.get(), issuer_key, md);
  return certificate;
}

std::string pem_of(const X509* certificate) {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), certificate);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(length)};
}

// DER signature over `data` (the form EVP_DigestVerify takes).
std::vector<std::uint8_t> sign(EVP_PKEY* key, const EVP_MD* md,
                               const std::vector<std::uint8_t>& data) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
  EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key);
  std::size_t length = 0;
  EVP_DigestSign(ctx.get(), nullptr, &length, data.data(), data.size());
  std::vector<std::uint8_t> signature(length);
  EVP_DigestSign(ctx.get(), signature.data(), &length, data.data(), data.size());
  signature.resize(length);
  return signature;
}

std::vector<std::uint8_t> der_to_raw(const std::vector<std::uint8_t>& der, std::size_t field) {
  const unsigned char* cursor = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size()));
  std::vector<std::uint8_t> raw(2 * field);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), static_cast<int>(field));
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + field, static_cast<int>(field));
  ECDSA_SIG_free(sig);
  return raw;
}

struct Material {
  TokenAlgorithm algorithm;
  std::string anchors_pem;
  std::string intermediates_pem;
  EvpPkeyPtr leaf_key;
  std::vector<std::uint8_t> raw_data;       // one signed data
  std::vector<std::uint8_t> raw_signature;  // DER, over raw_data
  std::vector<std::string> tokens;
  std::vector<std::string> nonces;
};

Material make_material(TokenAlgorithm algorithm) {
  const bool ec = algorithm == TokenAlgorithm::es384;
  Material m{algorithm, {}, {}, {}, {}, {}, {}, {}};
  const EvpPkeyPtr root_key =
      ec ? generate_key("EC", "P-384", 0) : generate_key("RSA", nullptr, 4096);
  const EvpPkeyPtr ca_key =
      ec ? generate_key("EC", "P-384", 0) : generate_key("RSA", nullptr, 2048);
  m.leaf_key = ec ? generate_key("EC", "P-384", 0) : generate_key("RSA", nullptr, 2048);
  const X509Ptr root = issue("Bench Root", "", root_key.get(), nullptr, root_key.get(), true);
  const X509Ptr ca = issue("Bench Citizen CA", "", ca_key.get(), root.get(), root_key.get(), true);
  const X509Ptr leaf = issue("Kid Bench (Authentication)", "15061218436", m.leaf_key.get(),
                             ca.get(), ca_key.get(), false);
  m.anchors_pem = pem_of(root.get());
  m.intermediates_pem = pem_of(ca.get());
  const std::vector<std::uint8_t> leaf_der = saferchat::verify::certificate_der(leaf.get());
  const EVP_MD* md = saferchat::verify::algorithm_digest(algorithm);
  for (int i = 0; i < token_pool; ++i) {
    const std::string nonce = saferchat::store::generate_nonce();
    const auto data = saferchat::verify::signed_data(algorithm, origin, nonce);
    const auto der = sign(m.leaf_key.get(), md, data);
    if (i == 0) {
      m.raw_data = data;
      m.raw_signature = der;
    }
    const auto signature = ec ? der_to_raw(der, 48) : der;
    const nlohmann::json token = {
        {"unverifiedCertificate", saferchat::base64_encode(leaf_der)},
        {"algorithm", std::string(saferchat::verify::jwa_name(algorithm))},
        {"signature", saferchat::base64_encode(signature)},
        {"format", "web-eid:1.0"},
        {"appVersion", "https://saferchat.be/host/0.1.0"}};
    m.tokens.push_back(token.dump());
    m.nonces.push_back(nonce);
  }
  return m;
}

const Material& material(TokenAlgorithm algorithm) {
  static std::map<TokenAlgorithm, Material> cache;
  auto it = cache.find(algorithm);
  if (it == cache.end()) {
    it = cache.emplace(algorithm, make_material(algorithm)).first;
  }
  return it->second;
}

void raw_verify(benchmark::State& state, TokenAlgorithm algorithm) {
  const Material& m = material(algorithm);
  const EVP_MD* md = saferchat::verify::algorithm_digest(algorithm);
  for (auto _ : state) {
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                      EVP_MD_CTX_free);
    EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, m.leaf_key.get());
    const int ok = EVP_DigestVerify(ctx.get(), m.raw_signature.data(), m.raw_signature.size(),
                                    m.raw_data.data(), m.raw_data.size());
    if (ok != 1) {
      state.SkipWithError("raw signature does not verify");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// The service's sealing keys, one per curve, made once.
const saferchat::jwe::PrivateKey& sealing_key(saferchat::jwe::Curve curve) {
  static const saferchat::jwe::PrivateKey p256 =
      saferchat::jwe::PrivateKey::generate(saferchat::jwe::Curve::p256, "bench-p256");
  static const saferchat::jwe::PrivateKey x25519 =
      saferchat::jwe::PrivateKey::generate(saferchat::jwe::Curve::x25519, "bench-x25519");
  return curve == saferchat::jwe::Curve::p256 ? p256 : x25519;
}

// The host's seal step (host/commands/card_commands.cpp): the token's JSON sealed to the site's
// public key, a fresh ephemeral key each time.
void seal_token(benchmark::State& state, saferchat::jwe::Curve curve) {
  const Material& m = material(TokenAlgorithm::es384);
  const saferchat::jwe::PublicJwk recipient = sealing_key(curve).public_jwk();
  for (auto _ : state) {
    benchmark::DoNotOptimize(saferchat::jwe::seal(recipient, m.tokens[0]));
  }
  state.SetItemsProcessed(state.iterations());
}

enum class Cache { none, issuer, full };

void token_verify(benchmark::State& state, TokenAlgorithm algorithm, Cache cache,
                  std::optional<saferchat::jwe::Curve> sealed = std::nullopt) {
  const Material& m = material(algorithm);
  // Sealed beforehand, as the host would (sealing is the client's cost, not timed here).
  std::vector<std::string> tokens = m.tokens;
  if (sealed) {
    const saferchat::jwe::PrivateKey& key = sealing_key(*sealed);
    for (std::string& token : tokens) {
      token = nlohmann::json{{"format", "saferchat-sealed:1"},
                             {"kid", key.kid()},
                             {"jwe", saferchat::jwe::seal(key.public_jwk(), token)}}
                  .dump();
    }
  }
  saferchat::verify::VerifierConfig config;
  if (sealed) {
    config.sealing_keys = {sealing_key(*sealed)};
  }
  config.allowed_origins = {origin};
  config.trust_anchors_pem = m.anchors_pem;
  config.intermediates_pem = m.intermediates_pem;
  config.pseudonym_key = std::vector<std::uint8_t>(32, 1);
  config.cache_intermediates = cache != Cache::none;
  config.cache_leaf_chains = cache == Cache::full;
  const saferchat::verify::Verifier verifier(
      config, std::make_shared<saferchat::store::MemoryNonceStore>());
  std::size_t i = 0;
  for (auto _ : state) {
    const auto verdict = verifier.verify_taken_nonce(tokens[i], origin, m.nonces[i]);
    if (!verdict.accepted() || verdict.sealed != sealed.has_value()) {
      state.SkipWithError(("token rejected: " + verdict.detail).c_str());
      break;
    }
    i = (i + 1) % tokens.size();
  }
  state.SetItemsProcessed(state.iterations());
}

void store_issue_take(benchmark::State& state) {
  saferchat::store::MemoryNonceStore store;
  // 10 ms of simulated time per challenge: about 60 000 entries live (5 min + 5 min retention),
  // swept as they expire, under the default bound of 100 000.
  auto now = std::chrono::system_clock::now();
  for (auto _ : state) {
    const std::string nonce = saferchat::store::generate_nonce();
    (void)store.put(nonce, "", now + std::chrono::minutes(5), now);
    benchmark::DoNotOptimize(store.take(nonce, now));
    now += std::chrono::milliseconds(10);
  }
  state.SetItemsProcessed(state.iterations());
}

// Collects each run's CPU time per iteration (per core, whatever else runs on the machine).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (!run.error_occurred) {
        seconds_per_item[run.benchmark_name()] =
            run.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
      }
    }
  }
  std::map<std::string, double> seconds_per_item;
};

}  // namespace

int main(int argc, char** argv) {
  for (const auto& [name, algorithm] :
       {std::pair{"ES384", TokenAlgorithm::es384}, std::pair{"RS256", TokenAlgorithm::rs256}}) {
    benchmark::RegisterBenchmark((std::string("raw/") + name).c_str(), raw_verify, algorithm);
    benchmark::RegisterBenchmark((std::string("token/") + name + "/no_cache").c_str(), token_verify,
                                 algorithm, Cache::none, std::nullopt);
    benchmark::RegisterBenchmark((std::string("token/") + name + "/issuer_cache").c_str(),
                                 token_verify, algorithm, Cache::issuer, std::nullopt);
    benchmark::RegisterBenchmark((std::string("token/") + name + "/full_cache").c_str(),
                                 token_verify, algorithm, Cache::full, std::nullopt);
    for (const auto& [curve_name, curve] : {std::pair{"P-256", saferchat::jwe::Curve::p256},
                                            std::pair{"X25519", saferchat::jwe::Curve::x25519}}) {
      benchmark::RegisterBenchmark(
          (std::string("token/") + name + "/full_cache/sealed_" + curve_name).c_str(), token_verify,
          algorithm, Cache::full, curve);
    }
  }
  for (const auto& [curve_name, curve] : {std::pair{"P-256", saferchat::jwe::Curve::p256},
                                          std::pair{"X25519", saferchat::jwe::Curve::x25519}}) {
    benchmark::RegisterBenchmark((std::string("seal/") + curve_name).c_str(), seal_token, curve);
  }
  benchmark::RegisterBenchmark("store/memory_issue_take", store_issue_take);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf(
      "\nToken verifications per second per core, as a share of raw signature "
      "verifications (targets: no cache >= 50%%, cache >= 80%%):\n");
  for (const char* name : {"ES384", "RS256"}) {
    const auto raw = reporter.seconds_per_item.find(std::string("raw/") + name);
    if (raw == reporter.seconds_per_item.end()) {
      continue;
    }
    std::printf("  %s raw: %.0f/s\n", name, 1.0 / raw->second);
    for (const char* mode : {"no_cache", "issuer_cache", "full_cache"}) {
      const auto token = reporter.seconds_per_item.find(std::string("token/") + name + "/" + mode);
      if (token != reporter.seconds_per_item.end()) {
        std::printf("  %s %-12s %8.0f/s  %5.1f%% of raw\n", name, mode, 1.0 / token->second,
                    100.0 * raw->second / token->second);
      }
    }
  }
  std::printf("\nSealed tokens (docs/protocol.md §4.4), same run, leaf and issuer caches on:\n");
  for (const char* name : {"ES384", "RS256"}) {
    const auto plain = reporter.seconds_per_item.find(std::string("token/") + name + "/full_cache");
    if (plain == reporter.seconds_per_item.end()) {
      continue;
    }
    for (const char* curve : {"P-256", "X25519"}) {
      const auto sealed = reporter.seconds_per_item.find(std::string("token/") + name +
                                                         "/full_cache/sealed_" + curve);
      if (sealed != reporter.seconds_per_item.end()) {
        std::printf("  %s unsealed %8.0f/s, sealed to %-6s %8.0f/s (%5.1f%%; opening %.3f ms)\n",
                    name, 1.0 / plain->second, curve, 1.0 / sealed->second,
                    100.0 * plain->second / sealed->second,
                    1000.0 * (sealed->second - plain->second));
      }
    }
  }
  for (const char* curve : {"P-256", "X25519"}) {
    const auto seal = reporter.seconds_per_item.find(std::string("seal/") + curve);
    if (seal != reporter.seconds_per_item.end()) {
      std::printf("  host seal step to %-6s %.3f ms per login\n", curve, 1000.0 * seal->second);
    }
  }
  return 0;
}
