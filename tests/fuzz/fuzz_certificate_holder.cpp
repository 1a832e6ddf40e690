// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: certificate → holder (server/verify: certificates, holder, national_number;
// NOTES §1-2). The input is a DER certificate (or, if it starts with "-----BEGIN", PEM text):
// parsed, its subject read (GN, SN, serialNumber, CN, C), the serialNumber read as a national
// register number, the birth date and age derived, the holder serialised. The input is also
// read directly as a national number. Invariants: a parsed certificate's
// DER parses again to the same subject; a valid national number is 11 ASCII digits with a real
// birth date or none; the age on the birth date's own day is 0; the holder's JSON is valid UTF-8
// text (dump() throws otherwise).
#include <openssl/x509.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "verify/certificates.hpp"
#include "verify/holder.hpp"
#include "verify/national_number.hpp"

namespace {

namespace verify = saferchat::verify;

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

void check_number(std::string_view text) {
  const auto number = verify::parse_national_number(text);
  if (!number) {
    return;
  }
  require(number->digits == text && text.size() == 11);
  for (const char c : text) {
    require(c >= '0' && c <= '9');
  }
  require(number->birth_year >= 1900 && number->birth_year <= 2099);
  if (number->birth_date) {
    require(number->birth_date->ok());
    require(static_cast<int>(number->birth_date->year()) == number->birth_year);
    require(verify::completed_years(*number->birth_date, *number->birth_date) == 0);
    require(verify::format_date(*number->birth_date).size() == 10);
  }
}

void check_holder(const X509* certificate) {
  const verify::SubjectFields subject = verify::subject_fields(certificate);
  check_number(subject.serial_number);
  verify::Holder holder;
  holder.given_names = subject.given_names;
  holder.surname = subject.surname;
  if (const auto number = verify::parse_national_number(subject.serial_number)) {
    holder.national_number = number->digits;
    holder.pseudonym = verify::make_pseudonym(std::vector<std::uint8_t>(32, 1), number->digits);
    require(holder.pseudonym->size() == 43);
    if (number->birth_date) {
      using namespace std::chrono;  // NOLINT(google-build-using-namespace)
      holder.birth_date = number->birth_date;
      holder.age = verify::completed_years(*number->birth_date,
                                           verify::brussels_date(sys_days{year{2026} / June / 1}));
    }
  }
  static_cast<void>(verify::holder_to_json(holder).dump());
  static_cast<void>(verify::sha256_fingerprint(certificate));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_number(text);

  if (text.starts_with("-----BEGIN")) {
    try {
      for (const verify::X509Ptr& certificate : verify::parse_pem_certificates(text)) {
        check_holder(certificate.get());
      }
    } catch (const std::invalid_argument&) {  // NOLINT(bugprone-empty-catch): a bad block
    }
    return 0;
  }
  const verify::X509Ptr certificate = verify::parse_der_certificate(bytes);
  if (certificate) {
    check_holder(certificate.get());
    // Its DER encoding parses again to the same subject.
    const verify::X509Ptr again =
        verify::parse_der_certificate(verify::certificate_der(certificate.get()));
    require(again != nullptr);
    const verify::SubjectFields first = verify::subject_fields(certificate.get());
    const verify::SubjectFields second = verify::subject_fields(again.get());
    require(first.given_names == second.given_names && first.surname == second.surname &&
            first.serial_number == second.serial_number);
  }
  return 0;
}
