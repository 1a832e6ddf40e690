// SPDX-License-Identifier: Apache-2.0
// Token decoding (verify/token.hpp): sizes, JSON shape, format, algorithm, base64; the signed
// data and the ECDSA signature conversion.
#include "wire/token.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/support/server_test_support.hpp"
#include "verify/reason.hpp"
#include "verify/token.hpp"

namespace saferchat::verify {
namespace {

using nlohmann::json;

json good_token() {
  return {{"unverifiedCertificate", "MIIBAAEC"},
          {"algorithm", "ES384"},
          {"signature", "AAECAwQ="},
          {"format", "web-eid:1.0"},
          {"appVersion", "https://saferchat.be/host/0.1.0"}};
}

Reason reason_of(const std::string& text, const TokenLimits& limits = {},
                 std::span<const TokenAlgorithm> allowed = {}) {
  try {
    (void)parse_token(text, limits, allowed);
  } catch (const Rejection& rejection) {
    return rejection.reason();
  }
  ADD_FAILURE() << "accepted: " << text;
  return Reason::internal_error;
}

TEST(ParseToken, GoodTokenDecodes) {
  const Token token = parse_token(good_token().dump(), {});
  EXPECT_EQ(token.certificate_der, (std::vector<std::uint8_t>{0x30, 0x82, 0x01, 0x00, 0x01, 0x02}));
  EXPECT_EQ(token.algorithm, TokenAlgorithm::es384);
  EXPECT_EQ(token.signature, (std::vector<std::uint8_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(token.format, "web-eid:1.0");
  EXPECT_EQ(token.app_version, "https://saferchat.be/host/0.1.0");
}

TEST(ParseToken, AppVersionIsOptionalAndExtraMembersIgnored) {
  json token = good_token();
  token.erase("appVersion");
  token["futureField"] = {{"nested", true}};
  EXPECT_EQ(parse_token(token.dump(), {}).app_version, "");
}

TEST(ParseToken, TooLargeBeforeAnythingElse) {
  TokenLimits limits;
  const std::string huge(limits.max_token_bytes + 1, '{');  // not even JSON: size comes first
  EXPECT_EQ(reason_of(huge), Reason::token_too_large);
  json token = good_token();
  token["signature"] = std::string(limits.max_signature_chars + 4, 'A');
  EXPECT_EQ(reason_of(token.dump()), Reason::token_too_large);
  token = good_token();
  token["unverifiedCertificate"] = std::string(limits.max_certificate_chars + 4, 'A');
  EXPECT_EQ(reason_of(token.dump()), Reason::token_too_large);
  token = good_token();
  token["appVersion"] = std::string(limits.max_field_chars + 1, 'a');
  EXPECT_EQ(reason_of(token.dump()), Reason::token_too_large);
  token = good_token();
  token["format"] = "web-eid:1.0" + std::string(limits.max_field_chars, '0');
  EXPECT_EQ(reason_of(token.dump()), Reason::token_too_large);
}

TEST(ParseToken, MalformedJson) {
  EXPECT_EQ(reason_of(""), Reason::token_malformed);
  EXPECT_EQ(reason_of("not json"), Reason::token_malformed);
  EXPECT_EQ(reason_of(good_token().dump() + "x"), Reason::token_malformed);  // trailing data
  EXPECT_EQ(reason_of(good_token().dump().substr(0, 40)), Reason::token_malformed);
  EXPECT_EQ(reason_of("[1,2,3]"), Reason::token_malformed);
  EXPECT_EQ(reason_of("\"token\""), Reason::token_malformed);
  EXPECT_EQ(reason_of("null"), Reason::token_malformed);
  // Invalid UTF-8 inside a string.
  EXPECT_EQ(reason_of("{\"format\":\"web-eid:1.0\xff\"}"), Reason::token_malformed);
  // Nested deeper than a token ever is.
  EXPECT_EQ(reason_of(std::string(100, '[') + std::string(100, ']')), Reason::token_malformed);
  json token = good_token();
  token["extra"] = json::parse("[[[[[[1]]]]]]");
  EXPECT_EQ(reason_of(token.dump()), Reason::token_malformed);
}

TEST(ParseToken, MissingOrWrongTypedMembers) {
  for (const char* member : {"unverifiedCertificate", "algorithm", "signature", "format"}) {
    json token = good_token();
    token.erase(member);
    EXPECT_EQ(reason_of(token.dump()), Reason::token_malformed) << member;
    token[member] = 42;
    EXPECT_EQ(reason_of(token.dump()), Reason::token_malformed) << member;
    token[member] = json::array({"a"});
    EXPECT_EQ(reason_of(token.dump()), Reason::token_malformed) << member;
    token[member] = nullptr;
    EXPECT_EQ(reason_of(token.dump()), Reason::token_malformed) << member;
  }
  json token = good_token();
  token["appVersion"] = 1;
  EXPECT_EQ(reason_of(token.dump()), Reason::token_malformed);
}

TEST(ParseToken, FormatMustBeWebEidMajorVersionOne) {
  for (const char* format : {"web-eid:1", "web-eid:1.0", "web-eid:1.1", "web-eid:1.10"}) {
    json token = good_token();
    token["format"] = format;
    EXPECT_EQ(parse_token(token.dump(), {}).format, format);
  }
  for (const char* format : {"", "web-eid:2", "web-eid:10", "web-eid:1.", "web-eid:1.0a",
                             "WEB-EID:1.0", "web-eid:0.9", " web-eid:1.0"}) {
    json token = good_token();
    token["format"] = format;
    EXPECT_EQ(reason_of(token.dump()), Reason::format_unsupported) << format;
  }
}

TEST(ParseToken, AlgorithmMustBeAKnownJwaName) {
  for (const char* name : {"HS256", "none", "es384", "ES384 ", "EdDSA", "RS1", ""}) {
    json token = good_token();
    token["algorithm"] = name;
    EXPECT_EQ(reason_of(token.dump()), Reason::algorithm_unsupported) << name;
  }
  const std::vector<TokenAlgorithm> only_rs256{TokenAlgorithm::rs256};
  EXPECT_EQ(reason_of(good_token().dump(), {}, only_rs256), Reason::algorithm_unsupported);
}

TEST(ParseToken, FormatIsCheckedBeforeAlgorithm) {
  json token = good_token();
  token["format"] = "web-eid:2";
  token["algorithm"] = "HS256";
  EXPECT_EQ(reason_of(token.dump()), Reason::format_unsupported);
}

TEST(ParseToken, BinaryMembersMustBeStrictBase64) {
  for (const char* bad :
       {"", "MIIB AAEC", "MIIBAAE", "MIIBAAF=", "MIIB-AEC", "MII=AAEC", "AAECAwR="}) {
    json token = good_token();
    token["unverifiedCertificate"] = bad;
    EXPECT_EQ(reason_of(token.dump()), Reason::token_malformed) << bad;
    token = good_token();
    token["signature"] = bad;
    EXPECT_EQ(reason_of(token.dump()), Reason::token_malformed) << bad;
  }
}

TEST(Base64, StrictStandardAlphabet) {
  EXPECT_EQ(base64_decode(""), std::vector<std::uint8_t>{});
  EXPECT_EQ(base64_decode("Zg=="), (std::vector<std::uint8_t>{'f'}));
  EXPECT_EQ(base64_decode("Zm8="), (std::vector<std::uint8_t>{'f', 'o'}));
  EXPECT_EQ(base64_decode("Zm9v"), (std::vector<std::uint8_t>{'f', 'o', 'o'}));
  EXPECT_EQ(base64_decode("+/+/"), (std::vector<std::uint8_t>{0xfb, 0xff, 0xbf}));
  EXPECT_FALSE(base64_decode("Zg"));     // padding required
  EXPECT_FALSE(base64_decode("Zg="));    // incomplete quantum
  EXPECT_FALSE(base64_decode("Zh=="));   // non-zero leftover bits
  EXPECT_FALSE(base64_decode("Zg==="));  // too much padding
  EXPECT_FALSE(base64_decode("Z==="));
  EXPECT_FALSE(base64_decode("-_-_"));  // url alphabet
  EXPECT_FALSE(base64_decode("Zm9v\n"));
}

TEST(Base64, UrlSafeWithOptionalPadding) {
  EXPECT_EQ(base64_decode("-_-_", true), (std::vector<std::uint8_t>{0xfb, 0xff, 0xbf}));
  EXPECT_EQ(base64_decode("Zg", true), (std::vector<std::uint8_t>{'f'}));
  EXPECT_EQ(base64_decode("Zg==", true), (std::vector<std::uint8_t>{'f'}));
  EXPECT_FALSE(base64_decode("Z", true));
  EXPECT_FALSE(base64_decode("+/+/", true));
}

TEST(Base64, UrlEncodeWithoutPadding) {
  EXPECT_EQ(base64url_encode(std::vector<std::uint8_t>{}), "");
  EXPECT_EQ(base64url_encode(std::vector<std::uint8_t>{'f'}), "Zg");
  EXPECT_EQ(base64url_encode(std::vector<std::uint8_t>{'f', 'o'}), "Zm8");
  EXPECT_EQ(base64url_encode(std::vector<std::uint8_t>{0xfb, 0xff, 0xbf}), "-_-_");
}

TEST(SignedData, IsHashOfOriginThenHashOfNonce) {
  const std::string origin = "https://kids.chat.example";
  const std::string nonce = "q9SDF3l0yBNm7u1x0gL8j2Y1t6n5XKc0JmWQeZ2rT4A=";
  for (const auto& [algorithm, md] : {std::pair{TokenAlgorithm::es384, EVP_sha384()},
                                      std::pair{TokenAlgorithm::rs256, EVP_sha256()},
                                      std::pair{TokenAlgorithm::es512, EVP_sha512()}}) {
    const auto data = signed_data(algorithm, origin, nonce);
    std::vector<std::uint8_t> expected(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned int length = 0;
    EVP_Digest(origin.data(), origin.size(), expected.data(), &length, md, nullptr);
    std::vector<std::uint8_t> nonce_hash(expected.size());
    EVP_Digest(nonce.data(), nonce.size(), nonce_hash.data(), &length, md, nullptr);
    expected.insert(expected.end(), nonce_hash.begin(), nonce_hash.end());
    EXPECT_EQ(data, expected);
  }
  // The host hashes the same data once more before the card signs (wire/token.hpp).
  for (const auto& [ours, hosts] : {std::pair{TokenAlgorithm::es384, SignatureAlgorithm::es384},
                                    std::pair{TokenAlgorithm::rs256, SignatureAlgorithm::rs256}}) {
    const auto data = signed_data(ours, origin, nonce);
    std::vector<std::uint8_t> digest(
        static_cast<std::size_t>(EVP_MD_get_size(algorithm_digest(ours))));
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), digest.data(), &length, algorithm_digest(ours), nullptr);
    EXPECT_EQ(digest, token_digest(hosts, origin, nonce));
  }
}

TEST(EcdsaRawToDer, EncodesIntegersMinimally) {
  // r = 0x00…0001 (leading zeros dropped), s = 0x0080…00 (a 00 byte added before the high
  // bit; s < n/2, so it stays as it is).
  std::vector<std::uint8_t> raw(96, 0);
  raw[47] = 0x01;
  raw[49] = 0x80;
  const auto der = ecdsa_raw_to_der(raw, 48);
  ASSERT_TRUE(der);
  std::vector<std::uint8_t> expected{0x30, 0x35, 0x02, 0x01, 0x01, 0x02, 0x30, 0x00, 0x80};
  expected.resize(2 + 3 + 2 + 48, 0);
  EXPECT_EQ(*der, expected);
  EXPECT_FALSE(ecdsa_raw_to_der(std::vector<std::uint8_t>(95, 1), 48));
  EXPECT_FALSE(ecdsa_raw_to_der(std::vector<std::uint8_t>(97, 1), 48));
  EXPECT_FALSE(ecdsa_raw_to_der({}, 0));
}

// A high s (above n/2) gives the DER of its low-s form n − s, for each curve; s = n − 1 ↔ 1.
TEST(EcdsaRawToDer, HighSIsNormalisedToLowS) {
  for (const auto& [nid, field] :
       {std::pair{NID_X9_62_prime256v1, std::size_t{32}}, std::pair{NID_secp384r1, std::size_t{48}},
        std::pair{NID_secp521r1, std::size_t{66}}}) {
    EC_GROUP* group = EC_GROUP_new_by_curve_name(nid);
    BIGNUM* high = BN_dup(EC_GROUP_get0_order(group));
    BN_sub_word(high, 1);  // n − 1, the highest s there is
    std::vector<std::uint8_t> high_raw(2 * field, 0);
    high_raw[field - 1] = 0x07;  // r = 7
    BN_bn2binpad(high, high_raw.data() + field, static_cast<int>(field));
    std::vector<std::uint8_t> low_raw(2 * field, 0);
    low_raw[field - 1] = 0x07;
    low_raw[2 * field - 1] = 0x01;  // s = 1 = n − (n − 1)
    const auto high_der = ecdsa_raw_to_der(high_raw, field);
    const auto low_der = ecdsa_raw_to_der(low_raw, field);
    ASSERT_TRUE(high_der && low_der);
    EXPECT_EQ(*high_der,
              (std::vector<std::uint8_t>{0x30, 0x06, 0x02, 0x01, 0x07, 0x02, 0x01, 0x01}))
        << field;
    EXPECT_EQ(*high_der, *low_der);
    BN_free(high);
    EC_GROUP_free(group);
  }
}

TEST(JwaNames, RoundTrip) {
  for (const char* name :
       {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}) {
    const auto algorithm = algorithm_from_jwa(name);
    ASSERT_TRUE(algorithm) << name;
    EXPECT_EQ(jwa_name(*algorithm), name);
  }
  EXPECT_EQ(EVP_MD_get_type(algorithm_digest(TokenAlgorithm::ps384)), NID_sha384);
  EXPECT_EQ(EVP_MD_get_type(algorithm_digest(TokenAlgorithm::es256)), NID_sha256);
  EXPECT_EQ(EVP_MD_get_type(algorithm_digest(TokenAlgorithm::rs512)), NID_sha512);
}

}  // namespace
}  // namespace saferchat::verify
