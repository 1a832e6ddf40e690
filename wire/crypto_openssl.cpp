// SPDX-License-Identifier: Apache-2.0
// The crypto seam (wire/crypto.hpp) and CertificateKey through OpenSSL 3.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <memory>
#include <stdexcept>

#include "wire/crypto.hpp"
#include "wire/token.hpp"

namespace saferchat {
namespace {

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* pointer) const noexcept {
    Free(pointer);
  }
};
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using PkeyContextPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpenSslDeleter<ECDSA_SIG_free>>;

X509Ptr parse_certificate(std::span<const std::uint8_t> der) {
  const unsigned char* in = der.data();
  return X509Ptr(
      d2i_X509(nullptr, &in, static_cast<long>(der.size())));  // NOLINT(google-runtime-int)
}

// The group order n of the NIST curve whose coordinates take `field_bytes` bytes (P-256,
// P-384, P-521), built once; null for other sizes.
const BIGNUM* curve_order(std::size_t field_bytes) {
  struct Orders {
    std::unique_ptr<EC_GROUP, OpenSslDeleter<EC_GROUP_free>> p256{
        EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)};
    std::unique_ptr<EC_GROUP, OpenSslDeleter<EC_GROUP_free>> p384{
        EC_GROUP_new_by_curve_name(NID_secp384r1)};
    std::unique_ptr<EC_GROUP, OpenSslDeleter<EC_GROUP_free>> p521{
        EC_GROUP_new_by_curve_name(NID_secp521r1)};
  };
  static const Orders orders;
  const EC_GROUP* group = field_bytes == 32   ? orders.p256.get()
                          : field_bytes == 48 ? orders.p384.get()
                          : field_bytes == 66 ? orders.p521.get()
                                              : nullptr;
  return group == nullptr ? nullptr : EC_GROUP_get0_order(group);
}

}  // namespace

struct CertificateKey::Key {
  std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>> pkey;
};

std::vector<std::uint8_t> hash(HashAlgorithm algorithm, std::span<const std::uint8_t> data) {
  const EVP_MD* md = algorithm == HashAlgorithm::sha256 ? EVP_sha256() : EVP_sha384();
  std::vector<std::uint8_t> out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return out;
}

std::string certificate_subject(std::span<const std::uint8_t> certificate_der) {
  const X509Ptr certificate = parse_certificate(certificate_der);
  if (!certificate) {
    return "(not a certificate)";
  }
  std::array<char, 256> name{};
  X509_NAME_oneline(X509_get_subject_name(certificate.get()), name.data(),
                    static_cast<int>(name.size()));
  return name.data();
}

std::optional<std::vector<std::uint8_t>> ecdsa_raw_to_der(std::span<const std::uint8_t> raw,
                                                          std::size_t field_bytes) {
  if (field_bytes == 0 || raw.size() != 2 * field_bytes) {
    return std::nullopt;
  }
  const EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(field_bytes), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + field_bytes, static_cast<int>(field_bytes), nullptr);
  // Low-s normalisation: (r, s) and (r, n − s) are the same signature (SEC 1 §4.1.4 accepts
  // both); with s > n/2 replaced by n − s every signature has one encoding. An s outside 1..n−1
  // is left as it is (verification refuses it).
  const BIGNUM* order = curve_order(field_bytes);
  if (order != nullptr && s != nullptr && BN_cmp(s, order) < 0) {
    BIGNUM* half = BN_dup(order);
    if (half == nullptr || BN_rshift1(half, half) != 1 ||
        (BN_cmp(s, half) > 0 && BN_sub(s, order, s) != 1)) {
      BN_free(half);
      BN_free(r);
      BN_free(s);
      return std::nullopt;
    }
    BN_free(half);
  }
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  // INTEGERs in DER drop leading zeros and add 00 before a high bit (X.690 §8.3); i2d does it.
  const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> der(static_cast<std::size_t>(length));
  unsigned char* out = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &out) != length) {
    return std::nullopt;
  }
  return der;
}

std::optional<CertificateKey> CertificateKey::from_certificate(
    std::span<const std::uint8_t> certificate_der) {
  const X509Ptr certificate = parse_certificate(certificate_der);
  if (!certificate) {
    return std::nullopt;
  }
  auto key = std::make_shared<Key>();
  key->pkey.reset(X509_get_pubkey(certificate.get()));  // a reference of our own
  if (!key->pkey) {
    return std::nullopt;
  }
  const int type = EVP_PKEY_get_base_id(key->pkey.get());
  if (type != EVP_PKEY_EC && type != EVP_PKEY_RSA) {
    return std::nullopt;
  }
  return CertificateKey(std::move(key));
}

bool CertificateKey::verifies(SignatureAlgorithm algorithm, std::span<const std::uint8_t> digest,
                              std::span<const std::uint8_t> signature) const {
  EVP_PKEY* key = key_->pkey.get();
  const PkeyContextPtr context(EVP_PKEY_CTX_new(key, nullptr));
  if (!context || EVP_PKEY_verify_init(context.get()) != 1) {
    return false;
  }
  std::vector<std::uint8_t> encoded;
  if (algorithm == SignatureAlgorithm::es384) {
    auto der = ecdsa_raw_to_der(signature, 48);  // P-384
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || !der) {
      return false;
    }
    encoded = std::move(*der);
    signature = encoded;
  } else if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA ||
             EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PADDING) != 1 ||
             EVP_PKEY_CTX_set_signature_md(context.get(), EVP_sha256()) != 1) {
    return false;
  }
  return EVP_PKEY_verify(context.get(), signature.data(), signature.size(), digest.data(),
                         digest.size()) == 1;
}

}  // namespace saferchat
