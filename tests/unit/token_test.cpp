// SPDX-License-Identifier: Apache-2.0
#include "wire/token.hpp"

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

#include <gtest/gtest.h>

#include "support/fake_card_channel.hpp"

namespace saferchat {
namespace {

using testing::hex;
using testing::to_hex;

const std::string origin = "https://chat.example";
const std::string nonce = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI+/w==";

// Expected values from the openssl command line:
//   (printf %s "$origin" | openssl dgst -sha384 -binary;
//    printf %s "$nonce" | openssl dgst -sha384 -binary) | openssl dgst -sha384
TEST(TokenDigest, HashOfTheConcatenatedHashes) {
  EXPECT_EQ(to_hex(token_digest(SignatureAlgorithm::es384, origin, nonce)),
            to_hex(hex("a672d2aac2fe25e5435c09ce585d949921d76b3d16952126a718121f515c12a0"
                       "18e17ebc7d144d48b41d13f543211b2f")));
  EXPECT_EQ(to_hex(token_digest(SignatureAlgorithm::rs256, origin, nonce)),
            to_hex(hex("b5175bd2ac9d0d6f907afc63eafabfdd992f009d5415cbf2eeac5f8ccd5dc110")));
  // Bound to both: another origin or nonce gives another digest.
  EXPECT_NE(token_digest(SignatureAlgorithm::es384, origin + "x", nonce),
            token_digest(SignatureAlgorithm::es384, origin, nonce));
}

TEST(Token, WebEidFormat) {
  const nlohmann::json token =
      make_token(hex("01 02 FF"), SignatureAlgorithm::es384, hex("AA BB"), "0.1.0");
  const nlohmann::json expected = {
      {"unverifiedCertificate", "AQL/"},
      {"algorithm", "ES384"},
      {"signature", "qrs="},
      {"format", "web-eid:1.0"},
      {"appVersion", "https://saferchat.be/host/0.1.0"},
  };
  EXPECT_EQ(token, expected);
  EXPECT_EQ(base64_encode({}), "");
  EXPECT_EQ(jwa_name(SignatureAlgorithm::rs256), "RS256");
}

// A fresh key and a self-signed certificate for it, made with OpenSSL for this test.
struct TestSigner {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};
  std::vector<std::uint8_t> certificate;

  static TestSigner make(SignatureAlgorithm algorithm) {
    TestSigner signer;
    signer.key.reset(algorithm == SignatureAlgorithm::es384
                         ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384")
                         : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
    const std::unique_ptr<X509, decltype(&X509_free)> x509(X509_new(), X509_free);
    X509_set_version(x509.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x509.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(x509.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(x509.get()), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x509.get()), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("test only"), -1, -1, 0);
    X509_set_issuer_name(x509.get(), X509_get_subject_name(x509.get()));
    X509_set_pubkey(x509.get(), signer.key.get());
    X509_sign(x509.get(), signer.key.get(), EVP_sha256());
    unsigned char* der = nullptr;
    const int length = i2d_X509(x509.get(), &der);
    signer.certificate.assign(der, der + length);
    OPENSSL_free(der);
    return signer;
  }

  // The signature as a card returns it: PKCS#1 v1.5 (RS256) or raw r ‖ s (ES384).
  [[nodiscard]] std::vector<std::uint8_t> sign(SignatureAlgorithm algorithm,
                                               std::span<const std::uint8_t> digest) const {
    const std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
        EVP_PKEY_CTX_new(key.get(), nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY_sign_init(context.get());
    if (algorithm == SignatureAlgorithm::rs256) {
      EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PADDING);
      EVP_PKEY_CTX_set_signature_md(context.get(), EVP_sha256());
    }
    std::size_t length = 0;
    EVP_PKEY_sign(context.get(), nullptr, &length, digest.data(), digest.size());
    std::vector<std::uint8_t> signature(length);
    EVP_PKEY_sign(context.get(), signature.data(), &length, digest.data(), digest.size());
    signature.resize(length);
    if (algorithm == SignatureAlgorithm::rs256) {
      return signature;
    }
    const unsigned char* in = signature.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(signature.size()));
    std::vector<std::uint8_t> raw(96);
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), 48);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + 48, 48);
    ECDSA_SIG_free(sig);
    return raw;
  }
};

TEST(CertificateKey, VerifiesTheCardsSignatureAndNothingElse) {
  for (const SignatureAlgorithm algorithm :
       {SignatureAlgorithm::es384, SignatureAlgorithm::rs256}) {
    SCOPED_TRACE(std::string(jwa_name(algorithm)));
    const TestSigner signer = TestSigner::make(algorithm);
    const TestSigner other = TestSigner::make(algorithm);
    const std::vector<std::uint8_t> digest = token_digest(algorithm, origin, nonce);
    const std::vector<std::uint8_t> signature = signer.sign(algorithm, digest);

    const std::optional<CertificateKey> key = CertificateKey::from_certificate(signer.certificate);
    ASSERT_TRUE(key.has_value());
    EXPECT_TRUE(key->verifies(algorithm, digest, signature));
    // A copy shares the key and still verifies.
    const CertificateKey copy = *key;
    EXPECT_TRUE(copy.verifies(algorithm, digest, signature));
    // Another card's signature (a swapped card), another digest, a damaged signature.
    EXPECT_FALSE(key->verifies(algorithm, digest, other.sign(algorithm, digest)));
    EXPECT_FALSE(key->verifies(algorithm, token_digest(algorithm, origin + "x", nonce), signature));
    std::vector<std::uint8_t> damaged = signature;
    damaged.back() ^= 0x01U;
    EXPECT_FALSE(key->verifies(algorithm, digest, damaged));
    EXPECT_FALSE(
        key->verifies(algorithm, digest, std::span(signature).first(signature.size() - 1)));
    EXPECT_FALSE(key->verifies(algorithm, digest, {}));
  }
}

TEST(CertificateKey, TheAlgorithmMustMatchTheKey) {
  const TestSigner ec = TestSigner::make(SignatureAlgorithm::es384);
  const std::vector<std::uint8_t> digest = token_digest(SignatureAlgorithm::es384, origin, nonce);
  const std::optional<CertificateKey> key = CertificateKey::from_certificate(ec.certificate);
  ASSERT_TRUE(key.has_value());
  EXPECT_FALSE(
      key->verifies(SignatureAlgorithm::rs256, digest, ec.sign(SignatureAlgorithm::es384, digest)));
}

TEST(CertificateKey, NotACertificate) {
  EXPECT_FALSE(CertificateKey::from_certificate({}).has_value());
  EXPECT_FALSE(CertificateKey::from_certificate(hex("30 03 02 01 01")).has_value());
  const TestSigner ec = TestSigner::make(SignatureAlgorithm::es384);
  EXPECT_FALSE(
      CertificateKey::from_certificate(std::span(ec.certificate).first(ec.certificate.size() - 1))
          .has_value());
}

}  // namespace
}  // namespace saferchat
