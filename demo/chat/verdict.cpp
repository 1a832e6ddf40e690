// SPDX-License-Identifier: Apache-2.0
#include "chat/verdict.hpp"

#include <nlohmann/json.hpp>

#include "wire/utf8.hpp"

namespace saferchat::demo {
namespace {

constexpr std::size_t max_name_code_points = 40;

Admission refused(Refusal refusal, std::string reason) {
  return {.member = std::nullopt,
          .refusal = refusal,
          .reason = std::move(reason),
          .refused_pseudonym = {}};
}

std::string string_field(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string first_given_name(std::string_view given_names) {
  if (!is_valid_utf8(given_names)) {
    return {};
  }
  const std::size_t start = given_names.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    return {};
  }
  const std::size_t end = given_names.find(' ', start);
  const std::string_view first =
      given_names.substr(start, end == std::string_view::npos ? end : end - start);
  // Cut at a code point boundary after max_name_code_points code points.
  std::size_t code_points = 0;
  for (std::size_t i = 0; i < first.size(); ++i) {
    if ((static_cast<unsigned char>(first[i]) & 0xC0U) != 0x80U) {
      if (++code_points > max_name_code_points) {
        return std::string(first.substr(0, i));
      }
    }
  }
  return std::string(first);
}

Admission read_verify_reply(unsigned status, std::string_view body, const Room& room) {
  if (status == 503) {
    return refused(Refusal::service_unavailable, "VERIFIER_UNAVAILABLE");
  }
  const nlohmann::json reply = nlohmann::json::parse(body, nullptr, false);
  if (status != 200 || !reply.is_object()) {
    return refused(Refusal::software_problem, "VERIFIER_ERROR_" + std::to_string(status));
  }
  const std::string verdict = string_field(reply, "verdict");
  const auto holder = reply.find("holder");
  if (verdict == "rejected") {
    Admission admission = refused(refusal_for_category(string_field(reply, "category")),
                                  string_field(reply, "reason"));
    if (holder != reply.end() && holder->is_object()) {
      admission.refused_pseudonym = string_field(*holder, "pseudonym");
    }
    return admission;
  }
  if (verdict != "accepted" || holder == reply.end() || !holder->is_object()) {
    return refused(Refusal::software_problem, "VERIFIER_REPLY_INVALID");
  }
  Member member{.name = first_given_name(string_field(*holder, "givenNames")),
                .age = 0,
                .pseudonym = string_field(*holder, "pseudonym")};
  const auto age = holder->find("age");
  if (age == holder->end() || !age->is_number_integer()) {
    return refused(Refusal::age_unknown, "HOLDER_UNKNOWN_BIRTH_DATE");
  }
  member.age = age->get<int>();
  // The verifier checked the room's policy; a verdict that contradicts it is not trusted.
  if (member.age < room.min_age) {
    return refused(Refusal::too_young, "AGE_TOO_LOW");
  }
  if (member.age > room.max_age) {
    return refused(Refusal::too_old, "AGE_TOO_HIGH");
  }
  if (member.name.empty() || member.pseudonym.empty()) {
    return refused(Refusal::software_problem, "VERIFIER_REPLY_INVALID");
  }
  return {.member = std::move(member),
          .refusal = Refusal::software_problem,
          .reason = {},
          .refused_pseudonym = {}};
}

}  // namespace saferchat::demo
