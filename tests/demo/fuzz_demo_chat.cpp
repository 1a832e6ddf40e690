// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: what the demo chat reads from outside — a member's WebSocket frame, the
// Cookie and Accept-Language headers, and saferchatd's verify reply — with the invariants the
// room relies on: a text that passes has no control or bidi-override characters, no outer
// spaces, at most max_text_code_points code points, and passes again unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "chat/chat_message.hpp"
#include "chat/http_rules.hpp"
#include "chat/room.hpp"
#include "chat/verdict.hpp"

namespace {

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace saferchat::demo;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  for (const CheckedText& checked : {parse_client_frame(input), check_chat_text(input)}) {
    if (checked.error == ChatError::none) {
      require(!checked.text.empty() && checked.text.front() != ' ' && checked.text.back() != ' ');
      const CheckedText again = check_chat_text(checked.text);
      require(again.error == ChatError::none && again.text == checked.text);
      for (const char c : checked.text) {
        require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F);
      }
    } else {
      require(checked.text.empty());
    }
  }

  static_cast<void>(find_cookie(input, "sc_member"));
  static_cast<void>(language_from_accept_language(input));
  static_cast<void>(language_from_tag(input));

  const Room& kids = *find_room("kids");
  for (const unsigned status : {200U, 503U}) {
    const Admission admission = read_verify_reply(status, input, kids);
    if (admission.member) {
      require(admission.member->age >= kids.min_age && admission.member->age <= kids.max_age);
      require(!admission.member->name.empty() && !admission.member->pseudonym.empty());
    }
  }
  return 0;
}
