// SPDX-License-Identifier: Apache-2.0
#include "revocation/crl_checker.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <array>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>

#include "revocation/http_fetch.hpp"

namespace saferchat::revocation {
namespace {

using verify::RevocationStatus;

using CrlPtr = std::shared_ptr<X509_CRL>;

// A CRL in DER or PEM (RFC 5280 §5).
CrlPtr parse_crl(const std::vector<std::uint8_t>& bytes) {
  const unsigned char* cursor = bytes.data();
  X509_CRL* crl = d2i_X509_CRL(nullptr, &cursor, static_cast<long>(bytes.size()));
  if (crl == nullptr) {
    ERR_clear_error();
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())), BIO_free);
    crl = bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    ERR_clear_error();
  }
  return crl == nullptr ? nullptr : CrlPtr(crl, X509_CRL_free);
}

std::time_t to_time_t(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    return -1;
  }
  return timegm(&tm);
}

// http URIs of the certificate's CRL distribution points (RFC 5280 §4.2.1.13, fullName only).
std::vector<std::string> distribution_points(const X509* certificate) {
  std::vector<std::string> urls;
  auto* points = static_cast<STACK_OF(DIST_POINT)*>(
      X509_get_ext_d2i(certificate, NID_crl_distribution_points, nullptr, nullptr));
  for (int i = 0; i < sk_DIST_POINT_num(points); ++i) {
    const DIST_POINT* point = sk_DIST_POINT_value(points, i);
    if (point->distpoint == nullptr || point->distpoint->type != 0) {
      continue;
    }
    const GENERAL_NAMES* names = point->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, j);
      if (name->type == GEN_URI) {
        const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
        std::string url(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                        static_cast<std::size_t>(ASN1_STRING_length(uri)));
        if (is_http_url(url)) {
          urls.push_back(std::move(url));
        }
      }
    }
  }
  sk_DIST_POINT_pop_free(points, DIST_POINT_free);
  return urls;
}

// "" for a complete CRL this checker can use, else why not. Refused: delta CRLs (RFC 5280
// §5.2.4: they only mean something applied to their base), partial-scope CRLs (§5.2.5
// issuingDistributionPoint with a distribution point name, onlySomeReasons, onlyContainsCACerts,
// onlyContainsAttributeCerts or indirectCRL: "not listed" there says nothing about our card)
// and any other critical extension we do not know (§5.2). onlyContainsUserCerts alone is
// complete for end-entity certificates, which is all the verifier asks about.
std::string unsupported(const X509_CRL* crl) {
  for (int i = 0; i < X509_CRL_get_ext_count(crl); ++i) {
    X509_EXTENSION* extension = X509_CRL_get_ext(crl, i);
    const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(extension));
    if (nid == NID_delta_crl) {
      return "a delta CRL (deltaCRLIndicator, RFC 5280 §5.2.4): delta CRLs are not supported, "
             "configure the issuer's full CRL";
    }
    if (nid == NID_issuing_distribution_point) {
      const std::unique_ptr<ISSUING_DIST_POINT, decltype(&ISSUING_DIST_POINT_free)> point(
          static_cast<ISSUING_DIST_POINT*>(X509V3_EXT_d2i(extension)), ISSUING_DIST_POINT_free);
      if (!point) {
        ERR_clear_error();
        return "issuingDistributionPoint does not parse";
      }
      if (point->distpoint != nullptr || point->onlyCA != 0 || point->onlyattr != 0 ||
          point->onlysomereasons != nullptr || point->indirectCRL != 0) {
        return "a partial-scope CRL (issuingDistributionPoint, RFC 5280 §5.2.5): not supported, "
               "configure the issuer's full CRL";
      }
      continue;
    }
    if (X509_EXTENSION_get_critical(extension) != 0 && nid != NID_crl_number &&
        nid != NID_authority_key_identifier) {
      return "unsupported critical CRL extension";
    }
  }
  return {};
}

struct Fetched {
  CrlPtr crl;
  std::chrono::system_clock::time_point fetched_at;
};

}  // namespace

struct CrlChecker::Impl {
  CrlOptions options;
  std::vector<std::pair<std::string, CrlPtr>> loaded;  // (file, CRL)
  std::mutex mutex;
  std::map<std::string, Fetched> fetched;  // by URL and issuer name hash, validated CRLs only

  // "" if the CRL is usable for `issuer` at `now`, else why not.
  [[nodiscard]] std::string unusable(const X509_CRL* crl, const X509* issuer,
                                     std::time_t now) const {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0) {
      return "issued by another CA";
    }
    EVP_PKEY* key = X509_get0_pubkey(issuer);
    if (key == nullptr || X509_CRL_verify(const_cast<X509_CRL*>(crl), key) != 1) {
      ERR_clear_error();
      return "signature does not verify with the issuer's key";
    }
    const auto skew = static_cast<std::time_t>(options.clock_skew.count());
    const std::time_t this_update = to_time_t(X509_CRL_get0_lastUpdate(crl));
    if (this_update < 0 || this_update > now + skew) {
      return "thisUpdate is in the future";
    }
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
    if (next == nullptr || to_time_t(next) < now - skew) {
      return "nextUpdate has passed (or is missing)";
    }
    return unsupported(crl);
  }

  // A validated CRL from `url` for `issuer`: from the cache while it is younger than
  // max_cache_age and still current, else fetched, validated and only then cached.
  CrlPtr fetch(const std::string& url, const X509* issuer,
               std::chrono::system_clock::time_point now, std::string& why) {
    const std::string key =
        url + '\n' +
        std::to_string(X509_NAME_hash_ex(X509_get_subject_name(issuer), nullptr, nullptr, nullptr));
    const std::time_t now_t = std::chrono::system_clock::to_time_t(now);
    {
      const std::scoped_lock lock(mutex);
      const auto it = fetched.find(key);
      if (it != fetched.end()) {
        if (now - it->second.fetched_at < options.max_cache_age && now >= it->second.fetched_at &&
            unusable(it->second.crl.get(), issuer, now_t).empty()) {
          return it->second.crl;
        }
        fetched.erase(it);
      }
    }
    try {
      const std::vector<std::uint8_t> bytes =
          http_exchange(url, std::nullopt, {}, "", options.timeout, options.max_crl_bytes);
      CrlPtr crl = parse_crl(bytes);
      if (!crl) {
        why = url + ": not a CRL";
        return nullptr;
      }
      if (const std::string problem = unusable(crl.get(), issuer, now_t); !problem.empty()) {
        why = url + ": " + problem;  // never cached: the next login fetches again
        return nullptr;
      }
      const std::scoped_lock lock(mutex);
      fetched[key] = Fetched{crl, now};
      return crl;
    } catch (const std::exception& error) {
      why = error.what();
      return nullptr;
    }
  }
};

CrlChecker::CrlChecker(CrlOptions options) : impl_(std::make_unique<Impl>()) {
  for (const std::string& path : options.files) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      throw std::invalid_argument("cannot read CRL file " + path);
    }
    std::vector<std::uint8_t> bytes;
    std::array<char, 4096> buffer{};
    while (file.read(buffer.data(), buffer.size()) || file.gcount() > 0) {
      bytes.insert(bytes.end(), buffer.begin(), buffer.begin() + file.gcount());
    }
    CrlPtr crl = parse_crl(bytes);
    if (!crl) {
      throw std::invalid_argument("not a CRL: " + path);
    }
    if (const std::string problem = unsupported(crl.get()); !problem.empty()) {
      std::string message = "CRL file " + path;
      message += ": ";
      message += problem;
      throw std::invalid_argument(message);
    }
    impl_->loaded.emplace_back(path, std::move(crl));
  }
  if (options.url && !is_http_url(*options.url)) {
    throw std::invalid_argument("CRL URL is not an http:// URL");
  }
  if (options.files.empty() && !options.fetch) {
    throw std::invalid_argument("CRL checking needs CRL files or fetching");
  }
  impl_->options = std::move(options);
}

CrlChecker::~CrlChecker() = default;

verify::RevocationResult CrlChecker::check(const verify::RevocationQuery& query) noexcept {
  try {
    const std::time_t now = std::chrono::system_clock::to_time_t(query.now);
    std::string why_not;
    const auto note = [&why_not](const std::string& problem) {
      why_not += (why_not.empty() ? "" : "; ") + problem;
    };
    std::size_t current = 0;  // usable CRLs that do not list the card
    // Every usable CRL is consulted: one that lists the serial number is enough (1 = listed;
    // 2 = removeFromCRL, which only delta CRLs carry and those are refused).
    const auto listed = [&](const X509_CRL* crl, const std::string& source) {
      if (const std::string problem = impl_->unusable(crl, query.issuer, now); !problem.empty()) {
        note(source + ": " + problem);
        return false;
      }
      X509_REVOKED* entry = nullptr;
      if (X509_CRL_get0_by_serial(const_cast<X509_CRL*>(crl), &entry,
                                  X509_get0_serialNumber(query.certificate)) != 0) {
        return true;
      }
      ++current;
      return false;
    };
    for (const auto& [path, crl] : impl_->loaded) {
      if (listed(crl.get(), path)) {
        return {RevocationStatus::revoked, "CRL " + path + ": serial number listed"};
      }
    }
    if (impl_->options.fetch) {
      std::vector<std::string> urls;
      if (impl_->options.url) {
        urls.push_back(*impl_->options.url);
      } else {
        urls = distribution_points(query.certificate);
      }
      if (urls.empty()) {
        note("no http CRL distribution point");
      }
      for (const std::string& url : urls) {
        std::string fetch_error;
        const CrlPtr crl = impl_->fetch(url, query.issuer, query.now, fetch_error);
        if (!crl) {
          note(fetch_error);
          continue;
        }
        if (listed(crl.get(), url)) {
          return {RevocationStatus::revoked, "CRL " + url + ": serial number listed"};
        }
      }
    }
    if (current > 0) {
      return {RevocationStatus::good,
              "CRL: not listed in " + std::to_string(current) + " current CRL(s)"};
    }
    return {RevocationStatus::unavailable,
            "CRL: no valid CRL for the issuer" + (why_not.empty() ? "" : " (" + why_not + ")")};
  } catch (const std::exception& error) {
    ERR_clear_error();
    return {RevocationStatus::unavailable, std::string("CRL: ") + error.what()};
  }
}

FirstAnswerChecker::FirstAnswerChecker(
    std::vector<std::shared_ptr<verify::RevocationChecker>> checkers)
    : checkers_(std::move(checkers)) {
  if (checkers_.empty()) {
    throw std::invalid_argument("no revocation checker");
  }
}

verify::RevocationResult FirstAnswerChecker::check(const verify::RevocationQuery& query) noexcept {
  std::string details;
  for (const auto& checker : checkers_) {
    verify::RevocationResult result = checker->check(query);
    if (result.status != RevocationStatus::unavailable) {
      return result;
    }
    try {
      details += (details.empty() ? "" : "; ") + result.detail;
    } catch (...) {  // NOLINT(bugprone-empty-catch): a detail lost to bad_alloc is acceptable
    }
  }
  return {RevocationStatus::unavailable, details};
}

}  // namespace saferchat::revocation
