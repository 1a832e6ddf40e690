// SPDX-License-Identifier: Apache-2.0
// saferchatd's answer to POST /v1/verify, read into what the demo chat needs: accepted (with
// the holder's first name, age and pseudonym) or refused (with the child's refusal). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chat/room.hpp"
#include "chat/texts.hpp"

namespace saferchat::demo {

// Who came in, as the room sees them (first given name and age) and as moderators see them
// (the pseudonym: the same child always gets the same one from this provider; never shown).
struct Member {
  std::string name;  // first given name only: "Lotte" of "Lotte Marie"
  int age = 0;
  std::string pseudonym;
};

struct Admission {
  std::optional<Member> member;                 // set when admitted
  Refusal refusal = Refusal::software_problem;  // when not admitted
  std::string reason;  // saferchatd's reason code ("AGE_TOO_HIGH"), or the chat's own, for logs
  // Refused, but the card was genuine (saferchatd sent the holder): their pseudonym, for the
  // moderators' log only (an adult's card at the kids' room is worth knowing about).
  std::string refused_pseudonym;
};

// The first of the holder's given names (subject GN, names separated by spaces): "Lotte Marie"
// → "Lotte", "Jean-Pierre Luc" → "Jean-Pierre"; at most 40 code points. Empty when none.
[[nodiscard]] std::string first_given_name(std::string_view given_names);

// Reads saferchatd's reply (HTTP status and body) to a verify request for `room`:
//  - 200 {"verdict":"accepted","holder":{"givenNames","age","pseudonym",…}} → admitted, if the
//    holder has a first name, an age this room admits (checked again here) and a pseudonym;
//  - 200 {"verdict":"rejected","reason","category",…} → the category's refusal (and the
//    holder's pseudonym when there is one);
//  - 503 (the nonce store is down) → service_unavailable; anything else → software_problem.
[[nodiscard]] Admission read_verify_reply(unsigned status, std::string_view body, const Room& room);

}  // namespace saferchat::demo
