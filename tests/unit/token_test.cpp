#include "protocol/token.hpp"

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

}  // namespace
}  // namespace saferchat
