// SPDX-License-Identifier: Apache-2.0
#include "vcard/private_key.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <stdexcept>
#include <string>

namespace saferchat::vcard {

namespace {

struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const noexcept { EVP_PKEY_CTX_free(ctx); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

const EVP_MD* md_of(RsaDigest digest) noexcept {
  switch (digest) {
    case RsaDigest::md5:
      return EVP_md5();
    case RsaDigest::sha1:
      return EVP_sha1();
    case RsaDigest::sha256:
      return EVP_sha256();
  }
  return nullptr;
}

// A signing context, or null. `configure` sets padding and hash before the signature.
template <typename Configure>
std::optional<std::vector<std::uint8_t>> sign_with(EVP_PKEY* key,
                                                   std::span<const std::uint8_t> input,
                                                   Configure configure) {
  const PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0 || !configure(ctx.get())) {
    return std::nullopt;
  }
  std::size_t size = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &size, input.data(), input.size()) <= 0) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> signature(size);
  if (EVP_PKEY_sign(ctx.get(), signature.data(), &size, input.data(), input.size()) <= 0) {
    return std::nullopt;
  }
  signature.resize(size);
  return signature;
}

}  // namespace

PrivateKey PrivateKey::from_pem(std::string_view pem) {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) {
    throw std::runtime_error("out of memory reading a PEM key");
  }
  std::shared_ptr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr),
                                &EVP_PKEY_free);
  if (!key) {
    throw std::runtime_error("no PEM private key found (or it is encrypted)");
  }
  const int bits = EVP_PKEY_get_bits(key.get());
  if (EVP_PKEY_is_a(key.get(), "RSA") == 1) {
    return {std::move(key), KeyType::rsa, bits};
  }
  if (EVP_PKEY_is_a(key.get(), "EC") == 1) {
    return {std::move(key), KeyType::ec, bits};
  }
  throw std::runtime_error(std::string("unsupported key type ") +
                           EVP_PKEY_get0_type_name(key.get()) + " (RSA or EC expected)");
}

std::size_t PrivateKey::signature_size() const noexcept {
  const auto bytes = static_cast<std::size_t>((bits_ + 7) / 8);
  return type_ == KeyType::rsa ? bytes : 2 * bytes;
}

std::optional<std::vector<std::uint8_t>> PrivateKey::sign_rsa_pkcs1(
    std::optional<RsaDigest> digest, std::span<const std::uint8_t> input) const {
  if (type_ != KeyType::rsa) {
    return std::nullopt;
  }
  return sign_with(key_.get(), input, [&](EVP_PKEY_CTX* ctx) {
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
           (!digest.has_value() || EVP_PKEY_CTX_set_signature_md(ctx, md_of(*digest)) > 0);
  });
}

std::optional<std::vector<std::uint8_t>> PrivateKey::sign_rsa_pss(
    RsaDigest digest, std::span<const std::uint8_t> hash) const {
  if (type_ != KeyType::rsa) {
    return std::nullopt;
  }
  return sign_with(key_.get(), hash, [&](EVP_PKEY_CTX* ctx) {
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_signature_md(ctx, md_of(digest)) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md_of(digest)) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) > 0;
  });
}

std::optional<std::vector<std::uint8_t>> PrivateKey::sign_ecdsa_plain(
    std::span<const std::uint8_t> hash) const {
  if (type_ != KeyType::ec) {
    return std::nullopt;
  }
  // No signature digest is set, so OpenSSL signs a hash of any length (ECDSA truncates it).
  const std::optional<std::vector<std::uint8_t>> der =
      sign_with(key_.get(), hash, [](EVP_PKEY_CTX*) { return true; });
  if (!der.has_value()) {
    return std::nullopt;
  }
  const unsigned char* cursor = der->data();
  const std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der->size())), &ECDSA_SIG_free);
  if (!sig) {
    return std::nullopt;
  }
  const std::size_t half = signature_size() / 2;
  std::vector<std::uint8_t> plain(2 * half);
  const int half_int = static_cast<int>(half);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), plain.data(), half_int) != half_int ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), plain.data() + half, half_int) != half_int) {
    return std::nullopt;
  }
  return plain;
}

}  // namespace saferchat::vcard
