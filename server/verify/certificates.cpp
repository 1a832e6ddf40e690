// SPDX-License-Identifier: Apache-2.0
#include "verify/certificates.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <array>
#include <stdexcept>

namespace saferchat::verify {

std::vector<X509Ptr> parse_pem_certificates(std::string_view pem) {
  std::vector<X509Ptr> certificates;
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) {
    throw std::runtime_error("BIO_new_mem_buf failed");
  }
  ERR_clear_error();
  while (true) {
    // PEM_read_bio_X509 skips blocks of other types (keys, CRLs) and the text between blocks.
    X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!certificate) {
      const unsigned long error = ERR_peek_last_error();
      ERR_clear_error();
      if (ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE) {
        break;  // no further block: the normal end
      }
      throw std::invalid_argument("a PEM certificate block does not parse (certificate " +
                                  std::to_string(certificates.size() + 1) + ")");
    }
    certificates.push_back(std::move(certificate));
  }
  return certificates;
}

X509Ptr parse_der_certificate(std::span<const std::uint8_t> der) {
  const unsigned char* cursor = der.data();
  X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (!certificate || cursor != der.data() + der.size()) {
    ERR_clear_error();
    return nullptr;
  }
  return certificate;
}

std::string sha256_fingerprint(const X509* certificate) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> hash{};
  unsigned int length = 0;
  if (X509_digest(certificate, EVP_sha256(), hash.data(), &length) != 1) {
    throw std::runtime_error("X509_digest failed");
  }
  constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[hash[i] >> 4];
    out += hex[hash[i] & 15];
  }
  return out;
}

std::vector<std::uint8_t> certificate_der(const X509* certificate) {
  const int length = i2d_X509(certificate, nullptr);
  if (length <= 0) {
    throw std::runtime_error("i2d_X509 failed");
  }
  std::vector<std::uint8_t> der(static_cast<std::size_t>(length));
  unsigned char* out = der.data();
  i2d_X509(certificate, &out);
  return der;
}

}  // namespace saferchat::verify
