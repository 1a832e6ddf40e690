// SPDX-License-Identifier: Apache-2.0
#include "verify/reason.hpp"

#include <array>

namespace saferchat::verify {
namespace {

struct ReasonInfo {
  Reason reason;
  std::string_view code;
  Category category;
  std::string_view description;
};

// One row per reason, in enum (= check) order; docs/verifier.md §3 mirrors this table.
constexpr std::array<ReasonInfo, 28> reasons{{
    {Reason::token_too_large, "TOKEN_TOO_LARGE", Category::software_problem,
     "The token, or one of its fields, is larger than this verifier accepts."},
    {Reason::token_malformed, "TOKEN_MALFORMED", Category::software_problem,
     "The token is not a JSON object with the required string fields in valid base64."},
    {Reason::token_not_sealed, "TOKEN_NOT_SEALED", Category::software_problem,
     "This verifier requires sealed tokens and the token is not sealed."},
    {Reason::seal_key_unknown, "SEAL_KEY_UNKNOWN", Category::try_again,
     "The token is sealed to a key this verifier does not hold (neither current nor previous)."},
    {Reason::seal_invalid, "SEAL_INVALID", Category::software_problem,
     "The sealed token is malformed or does not decrypt with this verifier's key."},
    {Reason::format_unsupported, "FORMAT_UNSUPPORTED", Category::software_problem,
     "The token's format is not web-eid:1."},
    {Reason::algorithm_unsupported, "ALGORITHM_UNSUPPORTED", Category::software_problem,
     "The token's signature algorithm is not one this verifier accepts."},
    {Reason::certificate_malformed, "CERTIFICATE_MALFORMED", Category::card_problem,
     "The token's certificate is not a single valid X.509 certificate."},
    {Reason::certificate_not_yet_valid, "CERTIFICATE_NOT_YET_VALID", Category::card_problem,
     "The card's certificate is not valid yet."},
    {Reason::certificate_expired, "CERTIFICATE_EXPIRED", Category::card_expired,
     "The card's certificate has expired."},
    {Reason::key_usage_invalid, "KEY_USAGE_INVALID", Category::card_problem,
     "The certificate is not an authentication certificate (key usage or extended key usage)."},
    {Reason::algorithm_mismatch, "ALGORITHM_MISMATCH", Category::software_problem,
     "The token's algorithm does not fit the certificate's key."},
    {Reason::chain_untrusted, "CHAIN_UNTRUSTED", Category::not_a_belgian_card,
     "The certificate does not chain to a trusted Belgian root."},
    {Reason::certificate_revoked, "CERTIFICATE_REVOKED", Category::card_revoked,
     "The card's certificate has been revoked."},
    {Reason::revocation_unavailable, "REVOCATION_UNAVAILABLE", Category::try_again,
     "The certificate's revocation status could not be established."},
    {Reason::origin_invalid, "ORIGIN_INVALID", Category::software_problem,
     "The origin is not an https origin as browsers serialise it."},
    {Reason::origin_not_allowed, "ORIGIN_NOT_ALLOWED", Category::software_problem,
     "The origin is not one this verifier serves."},
    {Reason::store_unavailable, "STORE_UNAVAILABLE", Category::try_again,
     "The challenge store could not be reached."},
    {Reason::nonce_unknown, "NONCE_UNKNOWN", Category::try_again,
     "The challenge nonce was not issued here, or was forgotten long ago."},
    {Reason::nonce_expired, "NONCE_EXPIRED", Category::try_again,
     "The challenge nonce expired before the token arrived."},
    {Reason::nonce_replayed, "NONCE_REPLAYED", Category::try_again,
     "The challenge nonce was already used."},
    {Reason::session_mismatch, "SESSION_MISMATCH", Category::try_again,
     "The challenge nonce was issued to another session."},
    {Reason::signature_invalid, "SIGNATURE_INVALID", Category::try_again,
     "The signature does not verify for this origin and challenge nonce."},
    {Reason::national_number_invalid, "NATIONAL_NUMBER_INVALID", Category::card_problem,
     "The certificate does not carry a valid national register number."},
    {Reason::holder_unknown_birth_date, "HOLDER_UNKNOWN_BIRTH_DATE", Category::age_unknown,
     "The card does not give a full birth date, so the age cannot be checked."},
    {Reason::age_too_low, "AGE_TOO_LOW", Category::too_young,
     "The holder is younger than this room's minimum age."},
    {Reason::age_too_high, "AGE_TOO_HIGH", Category::too_old,
     "The holder is older than this room's maximum age."},
    {Reason::internal_error, "INTERNAL_ERROR", Category::try_again,
     "An unexpected failure inside the verifier."},
}};

constexpr std::array<Reason, reasons.size()> make_all() {
  std::array<Reason, reasons.size()> all{};
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    all[i] = reasons[i].reason;
  }
  return all;
}
constexpr std::array<Reason, reasons.size()> all_reason_values = make_all();

constexpr bool table_in_enum_order() {
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    if (static_cast<std::size_t>(reasons[i].reason) != i) {
      return false;
    }
  }
  return true;
}
static_assert(table_in_enum_order(), "reasons table must follow the enum order");

const ReasonInfo& info(Reason reason) noexcept {
  const auto index = static_cast<std::size_t>(reason);
  return index < reasons.size() ? reasons[index] : reasons.back();
}

}  // namespace

std::string_view reason_code(Reason reason) noexcept { return info(reason).code; }

std::optional<Reason> reason_from_code(std::string_view code) noexcept {
  for (const ReasonInfo& row : reasons) {
    if (row.code == code) {
      return row.reason;
    }
  }
  return std::nullopt;
}

Category reason_category(Reason reason) noexcept { return info(reason).category; }

std::string_view category_name(Category category) noexcept {
  switch (category) {
    case Category::try_again:
      return "try_again";
    case Category::too_young:
      return "too_young";
    case Category::too_old:
      return "too_old";
    case Category::age_unknown:
      return "age_unknown";
    case Category::card_expired:
      return "card_expired";
    case Category::card_revoked:
      return "card_revoked";
    case Category::not_a_belgian_card:
      return "not_a_belgian_card";
    case Category::card_problem:
      return "card_problem";
    case Category::software_problem:
      return "software_problem";
  }
  return "try_again";
}

std::string_view reason_description(Reason reason) noexcept { return info(reason).description; }

std::span<const Reason> all_reasons() noexcept { return all_reason_values; }

}  // namespace saferchat::verify
