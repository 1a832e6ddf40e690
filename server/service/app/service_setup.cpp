// SPDX-License-Identifier: Apache-2.0
#include "service/app/service_setup.hpp"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "revocation/crl_checker.hpp"
#include "revocation/ocsp_checker.hpp"
#include "store/memory_nonce_store.hpp"
#include "trust/belgian_trust.hpp"
#ifdef SAFERCHATD_WITH_REDIS
#include "store/redis_nonce_store.hpp"
#endif

namespace saferchat::service {
namespace {

// Configuration files are small; certificates a few KiB each.
constexpr std::uintmax_t max_config_file_bytes = std::uintmax_t{4} * 1024 * 1024;

std::string read_file(const std::string& path, const std::string& setting) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    throw ConfigError(setting + ": cannot read " + path + ": " + ec.message());
  }
  if (size > max_config_file_bytes) {
    throw ConfigError(setting + ": " + path + " is larger than 4 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in || !in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
    throw ConfigError(setting + ": cannot read " + path + ": " + std::strerror(errno));
  }
  return text;
}

std::string certificates_pem(const std::vector<std::string>& files, const std::string& setting,
                             std::string_view builtin) {
  std::string pem;
  for (const auto& file : files) {
    if (file == builtin_belgian_certificates) {
      pem += builtin;
    } else {
      pem += read_file(file, setting);
    }
    pem += "\n";
  }
  return pem;
}

// The DER encodings of the certificates in a PEM bundle (anything else in it is skipped).
std::set<std::string> certificate_ders(std::string_view pem) {
  std::set<std::string> ders;
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  while (bio) {
    const std::unique_ptr<X509, decltype(&X509_free)> certificate(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
    if (!certificate) {
      break;
    }
    unsigned char* der = nullptr;
    const int length = i2d_X509(certificate.get(), &der);
    if (length > 0) {
      ders.emplace(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    }
    OPENSSL_free(der);
  }
  return ders;
}

// Revocation "none" is for the TEST PKI (docs/integration.md §6), whose revocation URLs do not
// exist: with a real Belgian root among the trust anchors such a configuration would admit
// revoked cards, so saferchatd refuses to start with it.
void refuse_unchecked_belgian_roots(const ServiceConfig& config, std::string_view anchors_pem) {
  if (config.revocation.mode != RevocationMode::none) {
    return;
  }
  const std::set<std::string> belgian = certificate_ders(trust::belgian_root_certificates_pem());
  for (const std::string& der : certificate_ders(anchors_pem)) {
    if (belgian.count(der) != 0) {
      throw ConfigError(
          R"(revocation.mode "none" with a real Belgian root in trustAnchors: refused. "none" )"
          R"(is for the TEST cards' PKI only (docs/integration.md §6); with the Belgian roots use )"
          R"("ocsp", "crl" or "ocsp+crl".)");
    }
  }
}

std::shared_ptr<verify::RevocationChecker> make_revocation(const RevocationSettings& settings) {
  std::shared_ptr<verify::RevocationChecker> ocsp;
  std::shared_ptr<verify::RevocationChecker> crl;
  try {
    if (settings.mode == RevocationMode::ocsp || settings.mode == RevocationMode::ocsp_and_crl) {
      revocation::OcspOptions options;
      options.responder_url = settings.ocsp_responder_url;
      options.timeout = settings.ocsp_timeout;
      ocsp = std::make_shared<revocation::OcspChecker>(std::move(options));
    }
    if (settings.mode == RevocationMode::crl || settings.mode == RevocationMode::ocsp_and_crl) {
      revocation::CrlOptions options;
      options.files = settings.crl_files;
      options.fetch = settings.crl_fetch;
      options.url = settings.crl_url;
      crl = std::make_shared<revocation::CrlChecker>(std::move(options));
    }
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("revocation: ") + e.what());
  }
  switch (settings.mode) {
    case RevocationMode::none:
      return nullptr;
    case RevocationMode::ocsp:
      return ocsp;
    case RevocationMode::crl:
      return crl;
    case RevocationMode::ocsp_and_crl:
      return std::make_shared<revocation::FirstAnswerChecker>(
          std::vector<std::shared_ptr<verify::RevocationChecker>>{ocsp, crl});
  }
  return nullptr;
}

}  // namespace

ServiceConfig load_service_config(const std::string& path) {
  const std::string text = read_file(path, "--config");
  const std::string folder = std::filesystem::absolute(path).parent_path().string();
  try {
    return parse_service_config(text, folder);
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
}

ServiceParts build_service(const ServiceConfig& config) {
  ServiceParts parts;
  const std::chrono::seconds retention = config.nonce_ttl;
  if (config.store.kind == StoreKind::memory) {
    store::MemoryNonceStoreOptions options;
    options.retention = retention;
    options.max_entries = config.store.memory_max_entries;
    options.limits = {config.store.max_per_session, config.store.max_per_client};
    parts.store = std::make_shared<store::MemoryNonceStore>(options);
    parts.probe = [] {};
  } else {
#ifdef SAFERCHATD_WITH_REDIS
    const RedisSettings& redis = config.store.redis;
    store::RedisNonceStoreOptions options;
    options.unix_socket = redis.unix_socket;
    options.host = redis.host;
    options.port = redis.port;
    options.username = redis.username;
    options.password = redis.password;
    options.database = redis.database;
    options.key_prefix = redis.key_prefix;
    options.connect_timeout = redis.timeout;
    options.command_timeout = redis.timeout;
    options.retention = retention;
    options.limits = {config.store.max_per_session, config.store.max_per_client};
    options.max_entries = config.store.redis_max_entries;
    auto store = std::make_shared<store::RedisNonceStore>(std::move(options));
    parts.probe = [store] { store->ping(); };
    parts.store = std::move(store);
#else
    throw ConfigError("store.type: this saferchatd was built without Redis support (hiredis)");
#endif
  }

  verify::VerifierConfig verifier;
  verifier.allowed_origins = config.allowed_origins;
  verifier.allow_http_localhost = config.allow_http_localhost;
  verifier.trust_anchors_pem = certificates_pem(config.trust_anchor_files, "trustAnchors",
                                                trust::belgian_root_certificates_pem());
  refuse_unchecked_belgian_roots(config, verifier.trust_anchors_pem);
  verifier.intermediates_pem = certificates_pem(config.intermediate_files, "intermediates",
                                                trust::belgian_intermediate_certificates_pem());
  verifier.nonce_ttl = config.nonce_ttl;
  if (!config.pseudonym_key_file.empty()) {
    const std::string key = read_file(config.pseudonym_key_file, "pseudonymKeyFile");
    if (key.size() < verify::min_pseudonym_key_bytes) {
      throw ConfigError("pseudonymKeyFile: " + config.pseudonym_key_file +
                        " holds fewer than 32 bytes (make one with: head -c 32 /dev/urandom)");
    }
    verifier.pseudonym_key.assign(key.begin(), key.end());
  }
  verifier.expose_national_number = config.reveal_national_number;
  verifier.expose_birth_date = config.reveal_birth_date;
  verifier.revocation = make_revocation(config.revocation);
  for (const SealingKeyFile& key : config.sealing_keys) {
    const std::string pem = read_file(key.file, "sealingKeys");
    try {
      verifier.sealing_keys.push_back(jwe::PrivateKey::from_pem(pem, key.kid));
    } catch (const jwe::JweError& e) {
      throw ConfigError("sealingKeys: " + key.file + ": " + e.what());
    }
  }
  verifier.require_sealed = config.require_sealed;
  try {
    parts.verifier = std::make_shared<const verify::Verifier>(std::move(verifier), parts.store);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
  return parts;
}

std::string describe(const ServiceConfig& config) {
  std::ostringstream out;
  out << "store=" << store_kind_name(config.store.kind)
      << " revocation=" << revocation_mode_name(config.revocation.mode)
      << " origins=" << config.allowed_origins.size() << " rooms=" << config.rooms.size()
      << " nonce_ttl_s=" << config.nonce_ttl.count()
      << " pseudonyms=" << (config.pseudonym_key_file.empty() ? "off" : "on")
      << " national_number=" << (config.reveal_national_number ? "revealed" : "hidden");
  if (!config.sealing_keys.empty()) {
    out << " sealing_keys=" << config.sealing_keys.size()
        << " require_sealed=" << (config.require_sealed ? "yes" : "no");
  }
  return out.str();
}

}  // namespace saferchat::service
