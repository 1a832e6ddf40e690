// SPDX-License-Identifier: Apache-2.0
// The crypto seam (wire/crypto.hpp, CertificateKey) against vectors made with the openssl
// command line (tests/unit/make_crypto_vectors.sh): the same tests pass with OpenSSL on Linux
// and with CNG on Windows (under Wine here).
#include "wire/crypto.hpp"

#include <gtest/gtest.h>

#include "crypto_vectors.hpp"
#include "support/fake_card_channel.hpp"
#include "wire/token.hpp"

namespace saferchat {
namespace {

namespace vectors = testing::crypto_vectors;
using testing::hex;
using testing::to_hex;

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// FIPS 180-4 examples ("abc") and the empty message.
TEST(CryptoSeam, Sha256AndSha384) {
  EXPECT_EQ(to_hex(hash(HashAlgorithm::sha256, bytes_of("abc"))),
            to_hex(hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")));
  EXPECT_EQ(to_hex(hash(HashAlgorithm::sha384, bytes_of("abc"))),
            to_hex(hex("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                       "8086072ba1e7cc2358baeca134c825a7")));
  EXPECT_EQ(to_hex(hash(HashAlgorithm::sha256, {})),
            to_hex(hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")));
}

TEST(CryptoSeam, Base64OfEveryRemainder) {
  EXPECT_EQ(base64_encode(bytes_of("f")), "Zg==");
  EXPECT_EQ(base64_encode(bytes_of("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(bytes_of("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(bytes_of("foobar")), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(hex("FB FF BF")), "+/+/");
}

struct Case {
  SignatureAlgorithm algorithm;
  std::string_view certificate;
  std::string_view signature;
};

class CryptoSeamKey : public ::testing::TestWithParam<Case> {};

TEST_P(CryptoSeamKey, VerifiesTheSignatureOverTheTokenDigestAndNothingElse) {
  const Case& c = GetParam();
  const Bytes certificate = hex(c.certificate);
  const Bytes signature = hex(c.signature);
  const auto key = CertificateKey::from_certificate(certificate);
  ASSERT_TRUE(key.has_value());
  const std::vector<std::uint8_t> digest =
      token_digest(c.algorithm, vectors::origin, vectors::nonce);
  EXPECT_TRUE(key->verifies(c.algorithm, digest, signature));

  // Another origin, a changed signature, a cut signature, the other algorithm: refused.
  EXPECT_FALSE(key->verifies(
      c.algorithm, token_digest(c.algorithm, std::string(vectors::origin) + "x", vectors::nonce),
      signature));
  Bytes flipped = signature;
  flipped[flipped.size() / 2] ^= 0x01U;
  EXPECT_FALSE(key->verifies(c.algorithm, digest, flipped));
  EXPECT_FALSE(
      key->verifies(c.algorithm, digest, std::span(signature).first(signature.size() - 1)));
  EXPECT_FALSE(key->verifies(c.algorithm, digest, {}));
  const SignatureAlgorithm other = c.algorithm == SignatureAlgorithm::rs256
                                       ? SignatureAlgorithm::es384
                                       : SignatureAlgorithm::rs256;
  EXPECT_FALSE(
      key->verifies(other, token_digest(other, vectors::origin, vectors::nonce), signature));
}

INSTANTIATE_TEST_SUITE_P(RsaAndP384, CryptoSeamKey,
                         ::testing::Values(Case{SignatureAlgorithm::rs256, vectors::rsa_certificate,
                                                vectors::rsa_signature},
                                           Case{SignatureAlgorithm::es384, vectors::ec_certificate,
                                                vectors::ec_signature}),
                         [](const auto& param_info) {
                           return std::string(jwa_name(param_info.param.algorithm));
                         });

TEST(CryptoSeam, NotACertificate) {
  EXPECT_FALSE(CertificateKey::from_certificate({}).has_value());
  EXPECT_FALSE(CertificateKey::from_certificate(hex("30 03 02 01 01")).has_value());
  const Bytes certificate = hex(vectors::ec_certificate);
  EXPECT_FALSE(
      CertificateKey::from_certificate(std::span(certificate).first(certificate.size() - 1))
          .has_value());
  EXPECT_EQ(certificate_subject(hex("30 03 02 01 01")), "(not a certificate)");
}

TEST(CryptoSeam, SubjectForPeople) {
#if defined(_WIN32)
  EXPECT_EQ(certificate_subject(hex(vectors::ec_certificate)), "C=BE, CN=Test only Zoë");
#else
  EXPECT_EQ(certificate_subject(hex(vectors::ec_certificate)), "/C=BE/CN=Test only Zo\\xC3\\xAB");
#endif
  EXPECT_NE(certificate_subject(hex(vectors::rsa_certificate)).find("Test only RSA"),
            std::string::npos);
}

}  // namespace
}  // namespace saferchat
