// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: what a pinentry program writes back (ui/assuan.hpp). The first input byte
// picks how the bytes are split into reads, so lines cut across reads are covered; every
// complete line is parsed. Only Error(pin_dialog_failed) may come out of hostile output.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "ui/assuan.hpp"
#include "wire/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace saferchat;
  if (size == 0) {
    return 0;
  }
  const std::size_t chunk = data[0] == 0 ? size : data[0];
  const std::span<const std::uint8_t> bytes(data + 1, size - 1);
  AssuanLineReader reader;
  try {
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
      reader.feed(bytes.subspan(at, std::min(chunk, bytes.size() - at)));
      while (auto line = reader.next_line()) {
        if (line->size() >= assuan_max_line) {
          std::abort();  // the reader lets no longer line through
        }
        try {
          const AssuanReply reply = parse_assuan_reply(*line);
          if (reply.kind == AssuanReplyKind::data && reply.data.size() > line->size()) {
            std::abort();  // decoding never grows the data
          }
        } catch (const Error& e) {
          if (e.code() != ErrorCode::pin_dialog_failed) {
            std::abort();
          }
        }
      }
    }
  } catch (const Error& e) {
    if (e.code() != ErrorCode::pin_dialog_failed) {
      std::abort();
    }
  }
  // The escaping round trip: whatever the bytes, escape then unescape gives them back.
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (assuan_unescape(assuan_escape(text)) != text) {
    std::abort();
  }
  return 0;
}
