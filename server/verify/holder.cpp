// SPDX-License-Identifier: Apache-2.0
#include "verify/holder.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>

#include <array>
#include <stdexcept>

#include "verify/national_number.hpp"
#include "verify/token.hpp"

namespace saferchat::verify {
namespace {

// The first entry of `nid` in the name, as UTF-8 (ASN1_STRING_to_UTF8 converts BMP/T61/…).
std::string name_entry(const X509_NAME* name, int nid) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) {
    return {};
  }
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) {
    return {};
  }
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

std::string make_pseudonym(std::span<const std::uint8_t> key, std::string_view national_number) {
  if (key.size() < min_pseudonym_key_bytes) {
    throw std::invalid_argument("pseudonym key shorter than 32 bytes");
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(national_number.data()), national_number.size(),
           mac.data(), &length) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  return base64url_encode({mac.data(), length});
}

nlohmann::json holder_to_json(const Holder& holder) {
  nlohmann::json out = {{"givenNames", holder.given_names}, {"surname", holder.surname}};
  if (holder.age) {
    out["age"] = *holder.age;
  }
  if (holder.birth_date) {
    out["birthDate"] = format_date(*holder.birth_date);
  }
  if (holder.national_number) {
    out["nationalNumber"] = *holder.national_number;
  }
  if (holder.pseudonym) {
    out["pseudonym"] = *holder.pseudonym;
  }
  return out;
}

SubjectFields subject_fields(const X509* certificate) {
  const X509_NAME* subject = X509_get_subject_name(certificate);
  return SubjectFields{
      name_entry(subject, NID_givenName),    name_entry(subject, NID_surname),
      name_entry(subject, NID_serialNumber), name_entry(subject, NID_commonName),
      name_entry(subject, NID_countryName),
  };
}

}  // namespace saferchat::verify
