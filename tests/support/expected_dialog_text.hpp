// SPDX-License-Identifier: Apache-2.0
// The exact red lines the child reads after a wrong PIN, per language, written out here once
// so that a change to ui/dialog_text.cpp shows up in review as a change to the tests too.
#pragma once

#include <array>
#include <string_view>

#include "wire/language.hpp"

namespace saferchat::testing {

struct ExpectedTriesText {
  Language language;
  std::string_view two_left;
  std::string_view one_left;
};

inline constexpr std::array<ExpectedTriesText, 4> expected_tries_texts{{
    {Language::nl, "Verkeerde pincode. Je mag nog 2 keer proberen.",
     "Verkeerde pincode. Opgelet! Je mag nog maar 1 keer proberen. Is het weer fout, dan "
     "wordt je kaart geblokkeerd."},
    {Language::fr, "Code PIN incorrect. Tu peux encore essayer 2 fois.",
     "Code PIN incorrect. Attention\u00a0! Tu ne peux plus essayer qu'une seule fois. Si "
     "c'est encore faux, ta carte sera bloquée."},
    {Language::de, "Falscher PIN-Code. Du kannst es noch 2-mal versuchen.",
     "Falscher PIN-Code. Vorsicht! Du kannst es nur noch einmal versuchen. Ist er wieder "
     "falsch, wird deine Karte gesperrt."},
    {Language::en, "Wrong PIN code. You can try 2 more times.",
     "Wrong PIN code. Careful! You can try only 1 more time. If it is wrong again, your card "
     "gets blocked."},
}};

}  // namespace saferchat::testing
