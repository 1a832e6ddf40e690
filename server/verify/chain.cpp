// SPDX-License-Identifier: Apache-2.0
#include "verify/chain.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <limits>
#include <mutex>
#include <stdexcept>

namespace saferchat::verify {
namespace {

std::shared_ptr<X509> share(X509Ptr certificate) { return {certificate.release(), X509_free}; }

std::shared_ptr<X509> share_ref(X509* certificate) {
  X509_up_ref(certificate);
  return {certificate, X509_free};
}

std::time_t to_time_t(const ASN1_TIME* time) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) {
    return 0;
  }
  return timegm(&tm);
}

ValidityWindow validity_of(const X509* certificate) {
  return {to_time_t(X509_get0_notBefore(certificate)), to_time_t(X509_get0_notAfter(certificate))};
}

ValidityWindow intersect(ValidityWindow a, ValidityWindow b) {
  return {std::max(a.not_before, b.not_before), std::min(a.not_after, b.not_after)};
}

bool has_name_constraints(const X509* certificate) {
  return X509_get_ext_by_NID(certificate, NID_name_constraints, -1) >= 0;
}

// What X509_verify_cert checks of a leaf besides the signature and the issuer match, at the
// auth level we set: no unhandled critical extension, no invalid extension, key and signature
// strong enough.
bool leaf_eligible_for_fast_path(X509* leaf) {
  const std::uint32_t flags = X509_get_extension_flags(leaf);
  if ((flags & (EXFLAG_CRITICAL | EXFLAG_INVALID | EXFLAG_INVALID_POLICY)) != 0) {
    return false;
  }
  int secbits = 0;
  if (X509_get_signature_info(leaf, nullptr, nullptr, &secbits, nullptr) != 1 ||
      secbits < ChainVerifier::min_security_bits) {
    return false;
  }
  const EVP_PKEY* key = X509_get0_pubkey(leaf);
  return key != nullptr && EVP_PKEY_get_security_bits(key) >= ChainVerifier::min_security_bits;
}

}  // namespace

ChainVerifier::ChainVerifier(std::vector<X509Ptr> anchors, std::vector<X509Ptr> intermediates,
                             ChainOptions options)
    : options_(options), store_(X509_STORE_new()), untrusted_(sk_X509_new_null()) {
  if (anchors.empty()) {
    throw std::invalid_argument("no trust anchor configured");
  }
  if (!store_ || !untrusted_) {
    throw std::runtime_error("X509_STORE_new failed");
  }
  // Auth level 2 (112 bits): RSA ≥ 2048 and EC ≥ 224 bits, no SHA-1 signatures in the path.
  X509_VERIFY_PARAM_set_auth_level(X509_STORE_get0_param(store_.get()), 2);
  for (X509Ptr& anchor : anchors) {
    if (X509_STORE_add_cert(store_.get(), anchor.get()) != 1) {
      ERR_clear_error();  // the same certificate twice: harmless
    }
    anchors_.push_back(share(std::move(anchor)));
  }
  for (X509Ptr& intermediate : intermediates) {
    std::shared_ptr<X509> shared = share(std::move(intermediate));
    X509_up_ref(shared.get());
    sk_X509_push(untrusted_.get(), shared.get());
    candidates_.push_back(std::move(shared));
  }
  candidates_.insert(candidates_.end(), anchors_.begin(), anchors_.end());
  for (const std::shared_ptr<X509>& candidate : candidates_) {
    // Computes and caches the extension flags now, once, before threads share the certificate.
    X509_check_purpose(candidate.get(), -1, 0);
    if (has_name_constraints(candidate.get())) {
      // Name constraints apply to the leaf: leave such paths to X509_verify_cert every time.
      options_.cache_intermediates = false;
    }
  }
}

ChainVerifier::~ChainVerifier() = default;

ChainResult ChainVerifier::verify_full(const X509* leaf, std::time_t now,
                                       ValidityWindow* window) const {
  ++full_verifications_;
  const std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                            X509_STORE_CTX_free);
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store_.get(), const_cast<X509*>(leaf),
                                  untrusted_.get()) != 1) {
    throw std::runtime_error("X509_STORE_CTX_init failed");
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, now);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ERR_clear_error();
    return {false, nullptr,
            std::string("path validation failed at depth ") + std::to_string(depth) + ": " +
                X509_verify_cert_error_string(error)};
  }
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  ValidityWindow path{0, std::numeric_limits<std::time_t>::max()};
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    path = intersect(path, validity_of(sk_X509_value(chain, i)));
  }
  if (window != nullptr) {
    *window = path;
  }
  X509* issuer = sk_X509_num(chain) > 1 ? sk_X509_value(chain, 1) : sk_X509_value(chain, 0);
  for (const std::shared_ptr<X509>& candidate : candidates_) {
    if (candidate.get() == issuer) {
      return {true, candidate, {}};
    }
  }
  return {true, share_ref(issuer), {}};
}

std::shared_ptr<const ChainVerifier::CachedIssuer> ChainVerifier::trusted_issuer_for(
    const X509* leaf, std::time_t now) const {
  for (const std::shared_ptr<X509>& candidate : candidates_) {
    if (X509_check_issued(candidate.get(), const_cast<X509*>(leaf)) != X509_V_OK) {
      continue;
    }
    const std::string hash = sha256_fingerprint(candidate.get());
    {
      const std::shared_lock lock(mutex_);
      const auto it = issuers_.find(hash);
      if (it != issuers_.end() && it->second->window.contains(now)) {
        return it->second;
      }
    }
    ValidityWindow window;
    const bool is_anchor = std::find(anchors_.begin(), anchors_.end(), candidate) != anchors_.end();
    if (is_anchor) {
      window = validity_of(candidate.get());
    } else if (!verify_full(candidate.get(), now, &window).trusted) {
      continue;
    }
    if (!window.contains(now)) {
      continue;
    }
    auto entry = std::make_shared<const CachedIssuer>(CachedIssuer{candidate, window});
    const std::unique_lock lock(mutex_);
    issuers_[hash] = entry;
    return entry;
  }
  return nullptr;
}

void ChainVerifier::remember_leaf(const std::string& hash, CachedLeaf entry) const {
  if (!options_.cache_leaf_chains || options_.cache_capacity == 0) {
    return;
  }
  const std::unique_lock lock(mutex_);
  if (leaves_.contains(hash)) {
    return;
  }
  while (leaves_.size() >= options_.cache_capacity && !leaf_order_.empty()) {
    leaves_.erase(leaf_order_.front());
    leaf_order_.pop_front();
  }
  leaves_.emplace(hash, std::make_shared<const CachedLeaf>(std::move(entry)));
  leaf_order_.push_back(hash);
}

std::shared_ptr<X509> ChainVerifier::cached_leaf(const std::string& leaf_hash) const {
  if (!options_.cache_leaf_chains) {
    return nullptr;
  }
  const std::shared_lock lock(mutex_);
  const auto it = leaves_.find(leaf_hash);
  return it == leaves_.end() ? nullptr : it->second->leaf;
}

ChainResult ChainVerifier::verify(const X509* leaf, const std::string& leaf_hash,
                                  std::time_t now) const {
  if (options_.cache_leaf_chains) {
    const std::shared_lock lock(mutex_);
    const auto it = leaves_.find(leaf_hash);
    if (it != leaves_.end() && it->second->window.contains(now)) {
      ++leaf_hits_;
      return {true, it->second->issuer, {}};
    }
  }
  X509* mutable_leaf = const_cast<X509*>(leaf);
  if (options_.cache_intermediates && leaf_eligible_for_fast_path(mutable_leaf)) {
    const std::shared_ptr<const CachedIssuer> issuer = trusted_issuer_for(leaf, now);
    if (issuer) {
      const ValidityWindow window = intersect(issuer->window, validity_of(leaf));
      EVP_PKEY* issuer_key = X509_get0_pubkey(issuer->certificate.get());
      if (window.contains(now) && issuer_key != nullptr &&
          X509_verify(mutable_leaf, issuer_key) == 1) {
        ++issuer_hits_;
        remember_leaf(leaf_hash, CachedLeaf{share_ref(mutable_leaf), issuer->certificate, window});
        return {true, issuer->certificate, {}};
      }
      ERR_clear_error();
      // Anything odd: let X509_verify_cert decide and name the error.
    }
  }
  ValidityWindow window;
  ChainResult result = verify_full(leaf, now, &window);
  if (result.trusted) {
    remember_leaf(leaf_hash, CachedLeaf{share_ref(mutable_leaf), result.issuer, window});
  }
  return result;
}

}  // namespace saferchat::verify
