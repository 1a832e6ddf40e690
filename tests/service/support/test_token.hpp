// SPDX-License-Identifier: Apache-2.0
// Makes authentication tokens (docs/protocol.md §4.3) the way the host and card do, from a
// test card's files (virtual-card/profiles/make_test_cards.sh): the card's certificate, and a
// signature with its private authentication key over H(origin) ‖ H(challengeNonce), hashed once
// more by the signature scheme. ES384 for applet 1.8 cards (raw r ‖ s, as in JWS), RS256 for
// applet 1.7 cards. Real OpenSSL, real keys: what saferchatd checks is a real signature.
#pragma once

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace saferchat::testing {

inline std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    throw std::runtime_error("cannot read " + path);
  }
  std::string text(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
    throw std::runtime_error("cannot read " + path);
  }
  return text;
}

inline std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

// A card's signing identity, loaded once and used for many tokens (thread-safe to share:
// every token uses its own OpenSSL contexts).
class TestCard {
 public:
  // `card_dir` is a card folder of the generated test cards, e.g. ".../test-cards/cards/kid-9".
  explicit TestCard(const std::string& card_dir) {
    const nlohmann::json profile =
        nlohmann::json::parse(read_file_bytes(card_dir + "/profile.json"));
    es384_ = profile.at("applet_version").get<std::string>() == "1.8";
    holder_ = profile.at("holder");
    std::string der = read_file_bytes(card_dir + "/auth_cert.der");
    der.resize(der_length(der));  // the card's file is padded after the certificate
    certificate_b64_ = base64(reinterpret_cast<const unsigned char*>(der.data()), der.size());
    const std::string pem = read_file_bytes(card_dir + "/auth.key.pem");
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    key_.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key_) {
      throw std::runtime_error("cannot load " + card_dir + "/auth.key.pem");
    }
  }

  [[nodiscard]] const nlohmann::json& holder() const { return holder_; }
  [[nodiscard]] std::string algorithm() const { return es384_ ? "ES384" : "RS256"; }

  // The token for `origin` and `nonce` (the exact strings the host signs).
  [[nodiscard]] nlohmann::json token(const std::string& origin, const std::string& nonce) const {
    const EVP_MD* md = es384_ ? EVP_sha384() : EVP_sha256();
    std::vector<unsigned char> signed_data = digest(md, origin);
    const std::vector<unsigned char> nonce_hash = digest(md, nonce);
    signed_data.insert(signed_data.end(), nonce_hash.begin(), nonce_hash.end());

    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
    EVP_PKEY_CTX* key_context = nullptr;
    std::size_t length = 0;
    if (EVP_DigestSignInit(context.get(), &key_context, md, nullptr, key_.get()) != 1 ||
        (!es384_ && EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PADDING) != 1) ||
        EVP_DigestSign(context.get(), nullptr, &length, signed_data.data(), signed_data.size()) !=
            1) {
      throw std::runtime_error("EVP_DigestSign setup failed");
    }
    std::vector<unsigned char> signature(length);
    if (EVP_DigestSign(context.get(), signature.data(), &length, signed_data.data(),
                       signed_data.size()) != 1) {
      throw std::runtime_error("EVP_DigestSign failed");
    }
    signature.resize(length);
    if (es384_) {
      signature = der_to_raw(signature, 48);
    }
    return {{"unverifiedCertificate", certificate_b64_},
            {"algorithm", algorithm()},
            {"signature", base64(signature.data(), signature.size())},
            {"format", "web-eid:1.0"},
            {"appVersion", "https://saferchat.be/host/0.1.0"}};
  }

 private:
  struct KeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  };

  // The length of the DER element at the start of `der`, header included (X.690 §8.1.3).
  static std::size_t der_length(const std::string& der) {
    const auto byte = [&](std::size_t i) {
      return static_cast<std::size_t>(static_cast<unsigned char>(der.at(i)));
    };
    const std::size_t first = byte(1);
    if (first < 0x80) {
      return 2 + first;
    }
    const std::size_t count = first & 0x7FU;
    std::size_t length = 0;
    for (std::size_t i = 0; i < count; ++i) {
      length = (length << 8U) | byte(2 + i);
    }
    return 2 + count + length;
  }

  static std::vector<unsigned char> digest(const EVP_MD* md, const std::string& text) {
    std::vector<unsigned char> out(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), out.data(), &length, md, nullptr);
    return out;
  }

  // DER ECDSA-Sig-Value (RFC 3279 §2.2.3) → r ‖ s, each left-padded to `half` bytes (JWS).
  static std::vector<unsigned char> der_to_raw(const std::vector<unsigned char>& der,
                                               std::size_t half) {
    const unsigned char* cursor = der.data();
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
        d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())), ECDSA_SIG_free);
    if (!sig) {
      throw std::runtime_error("bad ECDSA signature");
    }
    std::vector<unsigned char> raw(2 * half);
    BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), static_cast<int>(half));
    BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + half, static_cast<int>(half));
    return raw;
  }

  bool es384_ = true;
  nlohmann::json holder_;
  std::string certificate_b64_;
  std::unique_ptr<EVP_PKEY, KeyFree> key_;
};

}  // namespace saferchat::testing
