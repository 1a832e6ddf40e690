// SPDX-License-Identifier: Apache-2.0
// Internal to saferchat::verify: path validation to the configured trust anchors (RFC 5280 §6
// through OpenSSL's X509_verify_cert), with the caches of docs/verifier.md §7.
#pragma once

#include <openssl/x509.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "verify/certificates.hpp"

namespace saferchat::verify {

struct ChainOptions {
  bool cache_intermediates = true;
  bool cache_leaf_chains = true;
  std::size_t cache_capacity = 10'000;
};

// A verified path's time window: the latest notBefore and earliest notAfter of its certificates.
struct ValidityWindow {
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  [[nodiscard]] bool contains(std::time_t t) const noexcept {
    return t >= not_before && t <= not_after;
  }
};

struct ChainResult {
  bool trusted = false;
  std::shared_ptr<X509> issuer;  // the leaf's issuer, when trusted
  std::string detail;            // why not trusted (for the log)
};

class ChainVerifier {
 public:
  // Throws std::invalid_argument if there is no anchor.
  ChainVerifier(std::vector<X509Ptr> anchors, std::vector<X509Ptr> intermediates,
                ChainOptions options);
  ~ChainVerifier();
  ChainVerifier(const ChainVerifier&) = delete;
  ChainVerifier& operator=(const ChainVerifier&) = delete;
  ChainVerifier(ChainVerifier&&) = delete;
  ChainVerifier& operator=(ChainVerifier&&) = delete;

  // `leaf_hash` = SHA-256 of the leaf's DER (the leaf-chain cache key). Thread-safe.
  [[nodiscard]] ChainResult verify(const X509* leaf, const std::string& leaf_hash,
                                   std::time_t now) const;

  // A leaf already verified (same DER) and its cached parse, or null. Thread-safe.
  [[nodiscard]] std::shared_ptr<X509> cached_leaf(const std::string& leaf_hash) const;

  [[nodiscard]] X509_STORE* store() const noexcept { return store_.get(); }
  [[nodiscard]] STACK_OF(X509) * intermediates() const noexcept { return untrusted_.get(); }

  std::uint64_t leaf_hits() const noexcept { return leaf_hits_; }
  std::uint64_t issuer_hits() const noexcept { return issuer_hits_; }
  std::uint64_t full_verifications() const noexcept { return full_verifications_; }

  // Minimum security bits of keys and signatures in a path (auth level 2: RSA ≥ 2048, EC ≥ 224,
  // no SHA-1 signatures).
  static constexpr int min_security_bits = 112;

 private:
  struct CachedIssuer {
    std::shared_ptr<X509> certificate;
    ValidityWindow window;
  };
  struct CachedLeaf {
    std::shared_ptr<X509> leaf;
    std::shared_ptr<X509> issuer;
    ValidityWindow window;
  };

  ChainResult verify_full(const X509* leaf, std::time_t now, ValidityWindow* window) const;
  // The verified issuer of `leaf` from the issuer cache (verifying candidate issuers on a miss).
  std::shared_ptr<const CachedIssuer> trusted_issuer_for(const X509* leaf, std::time_t now) const;
  void remember_leaf(const std::string& hash, CachedLeaf entry) const;

  ChainOptions options_;
  X509StorePtr store_;
  struct StackFree {
    void operator()(STACK_OF(X509) * stack) const noexcept { sk_X509_pop_free(stack, X509_free); }
  };
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted_;
  // Anchors and intermediates as shared certificates (issuer candidates).
  std::vector<std::shared_ptr<X509>> anchors_;
  std::vector<std::shared_ptr<X509>> candidates_;  // intermediates then anchors

  mutable std::shared_mutex mutex_;
  // Issuer cache: candidate DER hash → verified (anchors are trusted by definition).
  mutable std::unordered_map<std::string, std::shared_ptr<const CachedIssuer>> issuers_;
  // Leaf cache: leaf DER hash → verified chain; `leaf_order_` drops the oldest when full.
  mutable std::unordered_map<std::string, std::shared_ptr<const CachedLeaf>> leaves_;
  mutable std::deque<std::string> leaf_order_;

  mutable std::atomic<std::uint64_t> leaf_hits_{0};
  mutable std::atomic<std::uint64_t> issuer_hits_{0};
  mutable std::atomic<std::uint64_t> full_verifications_{0};
};

}  // namespace saferchat::verify
