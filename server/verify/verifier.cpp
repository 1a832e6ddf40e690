// SPDX-License-Identifier: Apache-2.0
#include "verify/verifier.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <stdexcept>

#include "verify/certificates.hpp"
#include "verify/chain.hpp"
#include "verify/national_number.hpp"
#include "wire/error.hpp"
#include "wire/origin.hpp"
#include "wire/token.hpp"

namespace saferchat::verify {
namespace {

[[noreturn]] void reject(Reason reason, const std::string& detail) {
  throw Rejection(reason, detail);
}

std::string sha256_hex(std::span<const std::uint8_t> data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> hash{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), hash.data(), &length,
                 algorithm_digest(TokenAlgorithm::es256), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return {reinterpret_cast<const char*>(hash.data()), length};  // raw bytes: a map key only
}

// Validity now (RFC 5280 §4.1.2.5).
void check_validity(const X509* certificate, std::time_t now) {
  if (X509_cmp_time(X509_get0_notBefore(certificate), &now) > 0) {
    reject(Reason::certificate_not_yet_valid, "certificate notBefore is after now");
  }
  if (X509_cmp_time(X509_get0_notAfter(certificate), &now) < 0) {
    reject(Reason::certificate_expired, "certificate notAfter is before now");
  }
}

// An authentication certificate (NOTES §3): keyUsage with digitalSignature (RFC 5280 §4.2.1.3);
// if extendedKeyUsage is present it must include id-kp-clientAuth (§4.2.1.12); not a CA.
void check_key_usage(X509* certificate) {
  const std::uint32_t flags = X509_get_extension_flags(certificate);
  if ((flags & EXFLAG_INVALID) != 0) {
    reject(Reason::certificate_malformed, "certificate extensions do not parse");
  }
  if ((flags & EXFLAG_KUSAGE) == 0) {
    reject(Reason::key_usage_invalid, "certificate has no keyUsage extension");
  }
  if ((X509_get_key_usage(certificate) & KU_DIGITAL_SIGNATURE) == 0) {
    reject(Reason::key_usage_invalid, "keyUsage lacks digitalSignature");
  }
  if ((flags & EXFLAG_XKUSAGE) != 0 &&
      (X509_get_extended_key_usage(certificate) & XKU_SSL_CLIENT) == 0) {
    reject(Reason::key_usage_invalid, "extendedKeyUsage lacks clientAuth");
  }
  if ((flags & EXFLAG_CA) != 0) {
    reject(Reason::key_usage_invalid, "certificate is a CA certificate");
  }
}

// The token's algorithm must fit the certificate's key (RFC 7518 §3.1): ES256/384/512 ↔ P-256,
// P-384, P-521; RS*/PS* ↔ RSA (PS* also an RSA-PSS key), at least 2048 bits.
void check_algorithm_fits_key(TokenAlgorithm algorithm, const EVP_PKEY* key) {
  const std::string name(jwa_name(algorithm));
  if (key == nullptr) {
    reject(Reason::certificate_malformed, "certificate public key does not parse");
  }
  const int type = EVP_PKEY_get_base_id(key);
  const bool ec = algorithm == TokenAlgorithm::es256 || algorithm == TokenAlgorithm::es384 ||
                  algorithm == TokenAlgorithm::es512;
  const bool pss = algorithm == TokenAlgorithm::ps256 || algorithm == TokenAlgorithm::ps384 ||
                   algorithm == TokenAlgorithm::ps512;
  if (ec) {
    if (type != EVP_PKEY_EC) {
      reject(Reason::algorithm_mismatch, name + " token with a non-EC key");
    }
    std::array<char, 64> group{};
    std::size_t group_length = 0;
    if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &group_length) != 1) {
      reject(Reason::algorithm_mismatch, name + " token with an EC key of unnamed curve");
    }
    const std::string_view expected = algorithm == TokenAlgorithm::es256   ? "prime256v1"
                                      : algorithm == TokenAlgorithm::es384 ? "secp384r1"
                                                                           : "secp521r1";
    if (std::string_view(group.data(), group_length) != expected) {
      reject(Reason::algorithm_mismatch,
             name + " token with a key on curve " + std::string(group.data(), group_length));
    }
    return;
  }
  if (type != EVP_PKEY_RSA && !(pss && type == EVP_PKEY_RSA_PSS)) {
    reject(Reason::algorithm_mismatch, name + " token with a non-RSA key");
  }
  if (EVP_PKEY_get_bits(key) < 2048) {
    reject(Reason::algorithm_mismatch, name + " token with an RSA key below 2048 bits");
  }
}

// Signature over H(origin) ‖ H(nonce) (docs/protocol.md §4.3): EVP hashes it once more.
bool signature_verifies(const Token& token, EVP_PKEY* key, std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> der_signature;
  std::span<const std::uint8_t> signature = token.signature;
  const bool ec = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC;
  if (ec) {
    // JWS ECDSA: raw r ‖ s of the curve's size (RFC 7518 §3.4) → DER for OpenSSL.
    const auto field_bytes = static_cast<std::size_t>((EVP_PKEY_get_bits(key) + 7) / 8);
    std::optional<std::vector<std::uint8_t>> der = ecdsa_raw_to_der(signature, field_bytes);
    if (!der) {
      return false;
    }
    der_signature = std::move(*der);
    signature = der_signature;
  }
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
  EVP_PKEY_CTX* pkey_ctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pkey_ctx, algorithm_digest(token.algorithm), nullptr,
                                   key) != 1) {
    throw std::runtime_error("EVP_DigestVerifyInit failed");
  }
  const bool pss = token.algorithm == TokenAlgorithm::ps256 ||
                   token.algorithm == TokenAlgorithm::ps384 ||
                   token.algorithm == TokenAlgorithm::ps512;
  if (pss) {
    // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash.
    if (EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_ctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pkey_ctx, algorithm_digest(token.algorithm)) != 1) {
      throw std::runtime_error("cannot set RSA-PSS parameters");
    }
  } else if (!ec && EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PADDING) != 1) {
    throw std::runtime_error("cannot set PKCS#1 v1.5 padding");
  }
  const int result =
      EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size());
  ERR_clear_error();
  return result == 1;
}

std::optional<Reason> nonce_reason(store::TakeStatus status) {
  switch (status) {
    case store::TakeStatus::taken:
      return std::nullopt;
    case store::TakeStatus::unknown:
      return Reason::nonce_unknown;
    case store::TakeStatus::expired:
      return Reason::nonce_expired;
    case store::TakeStatus::replayed:
      return Reason::nonce_replayed;
  }
  return Reason::nonce_unknown;
}

// docs/protocol.md §4.4: {"format":"saferchat-sealed:1","kid":"…","jwe":"…"}.
constexpr std::string_view sealed_format = "saferchat-sealed:1";

bool is_sealed(const nlohmann::json& object) {
  const auto format = object.find("format");
  return format != object.end() && format->is_string() &&
         format->get_ref<const std::string&>() == sealed_format;
}

// The plaintext (the web-eid:1.0 token's JSON) of a sealed token, with the key for its kid.
std::string open_sealed(const nlohmann::json& envelope, std::span<const jwe::PrivateKey> keys,
                        Verdict& verdict) {
  const nlohmann::json kid = envelope.value("kid", nlohmann::json());
  const nlohmann::json compact = envelope.value("jwe", nlohmann::json());
  if (!kid.is_string() || !compact.is_string()) {
    reject(Reason::seal_invalid, R"(sealed token without string "kid" and "jwe")");
  }
  const auto kid_text = kid.get<std::string>();
  const auto key = std::find_if(keys.begin(), keys.end(), [&](const jwe::PrivateKey& candidate) {
    return candidate.kid() == kid_text;
  });
  if (key == keys.end()) {
    // The kid is the provider's own label, not holder data: safe for the log when well formed.
    reject(Reason::seal_key_unknown, jwe::is_valid_kid(kid_text)
                                         ? "sealed to unknown key \"" + kid_text + "\""
                                         : std::string("sealed to a malformed kid"));
  }
  try {
    const jwe::CompactJwe parsed = jwe::parse_compact(compact.get<std::string>());
    if (jwe::header_kid(parsed) != kid_text) {
      reject(Reason::seal_invalid, "the JWE header's kid is not the envelope's");
    }
    std::string plaintext = jwe::open(parsed, *key);
    verdict.sealed = true;
    verdict.sealed_kid = kid_text;
    return plaintext;
  } catch (const jwe::JweError& error) {
    reject(Reason::seal_invalid, error.what());
  }
}

struct NonceOutcome {
  std::optional<Reason> failure;
  std::string detail;
};

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

// HMAC-SHA256 keyed once (docs/verifier.md §6); each pseudonym duplicates the keyed context, so
// neither the MAC nor the digest is fetched again. Same result as make_pseudonym().
class PseudonymMac {
 public:
  explicit PseudonymMac(std::span<const std::uint8_t> key) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    keyed_.reset(mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr);
    EVP_MAC_free(mac);  // the context keeps its own reference
    std::string digest = "SHA256";
    const std::array<OSSL_PARAM, 2> params{
        OSSL_PARAM_construct_utf8_string("digest", digest.data(), 0), OSSL_PARAM_construct_end()};
    if (!keyed_ || EVP_MAC_init(keyed_.get(), key.data(), key.size(), params.data()) != 1) {
      throw std::runtime_error("cannot set up HMAC-SHA256");
    }
  }
  [[nodiscard]] std::string operator()(std::string_view national_number) const {
    const MacCtxPtr ctx(EVP_MAC_CTX_dup(keyed_.get()));
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    std::size_t length = 0;
    if (!ctx ||
        EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(national_number.data()),
                       national_number.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out.data(), &length, out.size()) != 1) {
      throw std::runtime_error("HMAC failed");
    }
    return base64url_encode({out.data(), length});
  }

 private:
  MacCtxPtr keyed_;
};

}  // namespace

struct Verifier::Impl {
  VerifierConfig config;
  std::shared_ptr<store::NonceStore> nonce_store;
  store::Clock clock;
  std::unique_ptr<ChainVerifier> chain;
  std::unique_ptr<PseudonymMac> pseudonym;

  Verdict check(std::string_view token_json, std::string_view origin,
                std::string_view challenge_nonce, const NonceOutcome& nonce,
                std::chrono::system_clock::time_point now) const;
  NonceOutcome take_nonce(std::string_view challenge_nonce, std::string_view session_id,
                          std::chrono::system_clock::time_point now) const;
};

Verifier::Verifier(VerifierConfig config, std::shared_ptr<store::NonceStore> nonce_store,
                   store::Clock clock)
    : impl_(std::make_unique<Impl>()) {
  if (!nonce_store) {
    throw std::invalid_argument("no nonce store");
  }
  if (!clock) {
    throw std::invalid_argument("no clock");
  }
  if (config.allowed_origins.empty()) {
    throw std::invalid_argument("no allowed origin configured");
  }
  for (const std::string& origin : config.allowed_origins) {
    try {
      check_origin(origin, config.allow_http_localhost);
    } catch (const Error& error) {
      throw std::invalid_argument("allowed origin \"" + origin + "\": " + error.what());
    }
  }
  if (!config.pseudonym_key.empty() && config.pseudonym_key.size() < min_pseudonym_key_bytes) {
    throw std::invalid_argument("pseudonym key shorter than 32 bytes");
  }
  if (config.nonce_ttl <= std::chrono::seconds{0}) {
    throw std::invalid_argument("nonce lifetime must be positive");
  }
  if (config.nonce_bytes < store::min_nonce_bytes || config.nonce_bytes > store::max_nonce_bytes) {
    throw std::invalid_argument("nonce size outside 32..96 bytes");
  }
  if (config.age_policy.min_age && config.age_policy.max_age &&
      *config.age_policy.min_age > *config.age_policy.max_age) {
    throw std::invalid_argument("minimum age above maximum age");
  }
  if (config.sealing_keys.size() > 2 ||
      (config.sealing_keys.size() == 2 &&
       config.sealing_keys[0].kid() == config.sealing_keys[1].kid())) {
    throw std::invalid_argument("sealing keys: at most two (current, previous), distinct kids");
  }
  if (config.require_sealed && config.sealing_keys.empty()) {
    throw std::invalid_argument("sealed tokens required, but no sealing key");
  }
  std::vector<X509Ptr> anchors = parse_pem_certificates(config.trust_anchors_pem);
  std::vector<X509Ptr> intermediates = parse_pem_certificates(config.intermediates_pem);
  impl_->chain = std::make_unique<ChainVerifier>(
      std::move(anchors), std::move(intermediates),
      ChainOptions{config.cache_intermediates, config.cache_leaf_chains, config.cache_capacity});
  if (!config.pseudonym_key.empty()) {
    impl_->pseudonym = std::make_unique<PseudonymMac>(config.pseudonym_key);
  }
  impl_->config = std::move(config);
  impl_->nonce_store = std::move(nonce_store);
  impl_->clock = std::move(clock);
}

Verifier::~Verifier() = default;

const VerifierConfig& Verifier::config() const noexcept { return impl_->config; }

Verifier::CacheStats Verifier::cache_stats() const {
  return {impl_->chain->leaf_hits(), impl_->chain->issuer_hits(),
          impl_->chain->full_verifications()};
}

Challenge Verifier::issue_challenge(std::string_view session_id, std::string_view client_id) const {
  if (session_id.size() > max_session_bytes) {
    throw std::invalid_argument("session id longer than " + std::to_string(max_session_bytes) +
                                " bytes");
  }
  if (client_id.size() > store::max_client_id_bytes) {
    throw std::invalid_argument("client id longer than 128 bytes");
  }
  const auto now = impl_->clock();
  const auto expires_at = now + impl_->config.nonce_ttl;
  // 256 bits of randomness never collide in practice; a collision is retried anyway.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::string nonce = store::generate_nonce(impl_->config.nonce_bytes);
    if (impl_->nonce_store->put(nonce, session_id, client_id, expires_at, now)) {
      return {std::move(nonce), expires_at};
    }
  }
  throw store::StoreUnavailable("nonce store reports a collision three times in a row");
}

NonceOutcome Verifier::Impl::take_nonce(std::string_view challenge_nonce,
                                        std::string_view session_id,
                                        std::chrono::system_clock::time_point now) const {
  // Not a nonce this verifier could have issued: no store round trip (docs/protocol.md §3.4).
  try {
    check_challenge_nonce(challenge_nonce);
  } catch (const Error&) {
    return {Reason::nonce_unknown, "challenge nonce is not 44..128 characters of base64"};
  }
  store::TakeResult taken;
  try {
    taken = nonce_store->take(challenge_nonce, now);
  } catch (const store::StoreUnavailable& error) {
    return {Reason::store_unavailable, error.what()};
  }
  if (const std::optional<Reason> failure = nonce_reason(taken.status)) {
    return {failure, "challenge nonce " + std::string(store::take_status_name(taken.status))};
  }
  if (!taken.session_id.empty() && taken.session_id != session_id) {
    return {Reason::session_mismatch, "challenge nonce was issued to another session"};
  }
  return {};
}

Verdict Verifier::Impl::check(std::string_view token_json, std::string_view origin,
                              std::string_view challenge_nonce, const NonceOutcome& nonce,
                              std::chrono::system_clock::time_point now) const {
  Verdict verdict;
  try {
    const std::time_t now_t = std::chrono::system_clock::to_time_t(now);
    // 1-2. Size and JSON. A sealed token (docs/protocol.md §4.4) is opened, and its plaintext
    // goes through the same steps; an unsealed one is refused if only sealed ones may come.
    const TokenLimits& limits = config.limits;
    nlohmann::json object = parse_token_object(
        token_json, std::max(limits.max_token_bytes, limits.max_sealed_token_bytes),
        limits.max_json_depth);
    if (is_sealed(object)) {
      const std::string plaintext = open_sealed(object, config.sealing_keys, verdict);
      object = parse_token_object(plaintext, limits.max_token_bytes, limits.max_json_depth);
    } else if (token_json.size() > limits.max_token_bytes) {
      reject(Reason::token_too_large, "token of " + std::to_string(token_json.size()) +
                                          " bytes, limit " +
                                          std::to_string(limits.max_token_bytes));
    } else if (config.require_sealed) {
      reject(Reason::token_not_sealed, "unsealed token, and sealed tokens are required");
    }
    // 3-4. Members, format, algorithm name (verify/token.hpp).
    const Token token = token_from_object(object, limits, config.allowed_algorithms);
    verdict.algorithm = token.algorithm;
    verdict.app_version = token.app_version;

    // 5. Certificate: one DER X.509 certificate. A certificate seen before (same bytes) comes
    // parsed from the chain cache.
    const std::string leaf_hash = sha256_hex(token.certificate_der);
    std::shared_ptr<X509> certificate = chain->cached_leaf(leaf_hash);
    if (!certificate) {
      X509Ptr parsed = parse_der_certificate(token.certificate_der);
      if (!parsed) {
        reject(Reason::certificate_malformed, "unverifiedCertificate is not one DER certificate");
      }
      certificate = std::shared_ptr<X509>(parsed.release(), X509_free);
    }
    // 6-8. Validity now, key usage, algorithm against the key.
    check_validity(certificate.get(), now_t);
    check_key_usage(certificate.get());
    EVP_PKEY* key = X509_get0_pubkey(certificate.get());
    check_algorithm_fits_key(token.algorithm, key);

    // 9. Chain to the trust anchors (RFC 5280 §6).
    const ChainResult path = chain->verify(certificate.get(), leaf_hash, now_t);
    if (!path.trusted) {
      reject(Reason::chain_untrusted, path.detail);
    }

    // 10. Origin: the browser's serialisation (docs/protocol.md §3.5), one this verifier serves.
    try {
      check_origin(origin, config.allow_http_localhost);
    } catch (const Error& error) {
      reject(Reason::origin_invalid, error.what());
    }
    if (std::find(config.allowed_origins.begin(), config.allowed_origins.end(), origin) ==
        config.allowed_origins.end()) {
      reject(Reason::origin_not_allowed, "origin is not in the allowed list");
    }

    // 11. The nonce, already taken from the store before the first check.
    if (nonce.failure) {
      reject(*nonce.failure, nonce.detail);
    }

    // 12. Signature over H(origin) ‖ H(nonce).
    if (!signature_verifies(token, key, signed_data(token.algorithm, origin, challenge_nonce))) {
      reject(Reason::signature_invalid, "signature does not verify");
    }

    // 13. Revocation, after everything the token itself can prove: a token with a foreign
    // origin, a nonce this verifier did not issue or a bad signature never makes it fetch
    // anything (docs/verifier.md §4).
    if (config.revocation) {
      const RevocationResult status = config.revocation->check(RevocationQuery{
          certificate.get(), path.issuer.get(), chain->store(), chain->intermediates(), now});
      if (status.status == RevocationStatus::revoked) {
        reject(Reason::certificate_revoked, status.detail);
      }
      if (status.status != RevocationStatus::good) {
        reject(Reason::revocation_unavailable, status.detail);
      }
    }

    // 14. The holder (NOTES §1: GN, SN, serialNumber = national number), as much of it as the
    // provider turned on (docs/verifier.md §6); for a sealed token at most the first name, which
    // is all its PIN dialog told the child the chat learns.
    const SubjectFields subject = subject_fields(certificate.get());
    const std::optional<NationalNumber> number =
        parse_national_number(subject.serial_number, brussels_date(now));
    if (!number) {
      reject(Reason::national_number_invalid,
             "subject serialNumber is not a valid national register number");
    }
    const bool may_reveal_more = !verdict.sealed;
    Holder holder;
    if (pseudonym) {
      holder.pseudonym = (*pseudonym)(number->digits);
    }
    if (config.expose_first_name) {
      if (std::string first = first_given_name(subject.given_names); !first.empty()) {
        holder.first_name = std::move(first);
      }
    }
    if (config.expose_surname && may_reveal_more) {
      holder.surname = subject.surname;
    }
    if (config.expose_national_number && may_reveal_more) {
      holder.national_number = number->digits;
    }
    if (number->birth_date) {
      holder.age = completed_years(*number->birth_date, brussels_date(now));
      if (config.expose_birth_date && may_reveal_more) {
        holder.birth_date = number->birth_date;
      }
    }
    verdict.holder = holder;

    // 15. The room's age policy (inclusive bounds, completed years).
    const AgePolicy& policy = config.age_policy;
    if (policy.any()) {
      if (!holder.age) {
        reject(Reason::holder_unknown_birth_date, "national number has no full birth date");
      }
      if (policy.min_age && *holder.age < *policy.min_age) {
        reject(Reason::age_too_low, "age " + std::to_string(*holder.age) + " below minimum " +
                                        std::to_string(*policy.min_age));
      }
      if (policy.max_age && *holder.age > *policy.max_age) {
        reject(Reason::age_too_high, "age " + std::to_string(*holder.age) + " above maximum " +
                                         std::to_string(*policy.max_age));
      }
    }
  } catch (const Rejection& rejection) {
    verdict.reason = rejection.reason();
    verdict.detail = rejection.detail();
  } catch (const std::exception& error) {
    verdict.reason = Reason::internal_error;
    verdict.detail = error.what();
    ERR_clear_error();
  }
  // A refusal carries its reason and category, never the holder's data (docs/verifier.md §6).
  if (verdict.reason) {
    verdict.holder.reset();
  }
  return verdict;
}

Verdict Verifier::verify(std::string_view token_json, std::string_view origin,
                         std::string_view challenge_nonce, std::string_view session_id) const {
  const auto now = impl_->clock();
  // Consumed first, whatever follows: a nonce is never tried twice (docs/verifier.md §4).
  const NonceOutcome nonce = impl_->take_nonce(challenge_nonce, session_id, now);
  return impl_->check(token_json, origin, challenge_nonce, nonce, now);
}

Verdict Verifier::verify_taken_nonce(std::string_view token_json, std::string_view origin,
                                     std::string_view challenge_nonce) const {
  const auto now = impl_->clock();
  NonceOutcome nonce;
  try {
    check_challenge_nonce(challenge_nonce);
  } catch (const Error&) {
    nonce = {Reason::nonce_unknown, "challenge nonce is not 44..128 characters of base64"};
  }
  return impl_->check(token_json, origin, challenge_nonce, nonce, now);
}

nlohmann::json verdict_to_json(const Verdict& verdict, bool include_detail) {
  nlohmann::json out = {{"verdict", verdict.accepted() ? "accepted" : "rejected"}};
  if (verdict.reason) {
    out["reason"] = reason_code(*verdict.reason);
    out["category"] = category_name(reason_category(*verdict.reason));
    out["message"] = reason_description(*verdict.reason);
  }
  if (verdict.accepted() && verdict.holder) {
    out["holder"] = holder_to_json(*verdict.holder);
  }
  if (include_detail && !verdict.detail.empty()) {
    out["detail"] = verdict.detail;
  }
  return out;
}

}  // namespace saferchat::verify
