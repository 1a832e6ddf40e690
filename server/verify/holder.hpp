// SPDX-License-Identifier: Apache-2.0
// The card holder as the authentication certificate names them (NOTES §1: subject GN, SN,
// serialNumber = national number), and the provider's pseudonym for them (docs/verifier.md §6).
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace saferchat::verify {

inline constexpr std::size_t min_pseudonym_key_bytes = 32;

// base64url without padding (RFC 4648 §5) of HMAC-SHA256(key, national_number digits): 43
// characters. The same child gets the same pseudonym from one provider's key and unrelated ones
// from different keys. Throws std::invalid_argument for a key shorter than 32 bytes.
[[nodiscard]] std::string make_pseudonym(std::span<const std::uint8_t> key,
                                         std::string_view national_number);

// What a verified token tells the provider. The national number and birth date are set only when
// the provider asked for them (VerifierConfig::expose_national_number / expose_birth_date).
struct Holder {
  std::string given_names;  // subject GN (all given names, as on the card)
  std::string surname;      // subject SN
  std::optional<std::string> national_number;
  std::optional<std::chrono::year_month_day> birth_date;
  std::optional<int> age;  // completed years on today's Brussels date; unset if unknown
  std::optional<std::string> pseudonym;  // set when a pseudonym key is configured
};

// {"givenNames", "surname", "age"?, "birthDate"? ("YYYY-MM-DD"), "nationalNumber"?,
//  "pseudonym"?}: absent members are left out.
[[nodiscard]] nlohmann::json holder_to_json(const Holder& holder);

// The subject's fields as UTF-8 (empty when absent). The certificate stays owned by the caller.
struct SubjectFields {
  std::string given_names;
  std::string surname;
  std::string serial_number;
  std::string common_name;
  std::string country;
};
[[nodiscard]] SubjectFields subject_fields(const X509* certificate);

}  // namespace saferchat::verify
