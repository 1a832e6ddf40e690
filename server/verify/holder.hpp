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

// What an accepted token tells the provider (docs/verifier.md §6): the age and the pseudonym;
// the first name, surname, birth date and national number only when the provider turned each
// on (VerifierConfig::expose_*), and for a sealed token never more than the first name.
struct Holder {
  std::optional<int> age;  // completed years on today's Brussels date; unset if unknown
  std::optional<std::string> pseudonym;   // set when a pseudonym key is configured
  std::optional<std::string> first_name;  // the first of subject GN's names (first_given_name)
  std::optional<std::string> surname;     // subject SN
  std::optional<std::chrono::year_month_day> birth_date;
  std::optional<std::string> national_number;
};

// The first of the given names (subject GN, names separated by spaces): "Lotte Marie" →
// "Lotte", "Jean-Pierre Luc" → "Jean-Pierre"; empty when there is none.
[[nodiscard]] std::string first_given_name(std::string_view given_names);

// {"age"?, "pseudonym"?, "firstName"?, "surname"?, "birthDate"? ("YYYY-MM-DD"),
//  "nationalNumber"?}: absent members are left out.
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
