#include "protocol/token.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace saferchat {
namespace {

std::vector<std::uint8_t> digest(const EVP_MD* md, std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return out;
}

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

std::string_view jwa_name(SignatureAlgorithm algorithm) noexcept {
  return algorithm == SignatureAlgorithm::rs256 ? "RS256" : "ES384";
}

std::vector<std::uint8_t> token_digest(SignatureAlgorithm algorithm, std::string_view origin,
                                       std::string_view challenge_nonce) {
  const EVP_MD* md = algorithm == SignatureAlgorithm::rs256 ? EVP_sha256() : EVP_sha384();
  std::vector<std::uint8_t> signed_data = digest(md, bytes_of(origin));
  const std::vector<std::uint8_t> nonce_hash = digest(md, bytes_of(challenge_nonce));
  signed_data.insert(signed_data.end(), nonce_hash.begin(), nonce_hash.end());
  return digest(md, signed_data);
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                     static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

nlohmann::json make_token(std::span<const std::uint8_t> certificate_der,
                          SignatureAlgorithm algorithm, std::span<const std::uint8_t> signature,
                          std::string_view host_version) {
  return {
      {"unverifiedCertificate", base64_encode(certificate_der)},
      {"algorithm", jwa_name(algorithm)},
      {"signature", base64_encode(signature)},
      {"format", "web-eid:1.0"},
      {"appVersion", "https://saferchat.be/host/" + std::string(host_version)},
  };
}

}  // namespace saferchat
