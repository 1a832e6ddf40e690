// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the native messaging framing (docs/protocol.md §2) and what follows it.
// The first input byte picks how the bytes are split into reads, so partial reads are covered.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "protocol/frame.hpp"
#include "protocol/reply.hpp"
#include "protocol/request.hpp"
#include "support/memory_source.hpp"
#include "wire/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace saferchat;
  if (size == 0) {
    return 0;
  }
  const std::size_t chunk = data[0] == 0 ? 0 : data[0];
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  testing::MemorySource source(
      std::move(bytes), chunk == 0 ? std::vector<std::size_t>{} : std::vector<std::size_t>{chunk});
  FrameReader reader(source);
  for (int messages = 0; messages < 64; ++messages) {
    FrameEvent event = reader.next();
    if (std::holds_alternative<EndOfInput>(event)) {
      break;
    }
    if (const auto* error = std::get_if<FrameError>(&event)) {
      if (error->stream_lost) {
        break;
      }
      continue;
    }
    RequestEnvelope envelope;
    try {
      const Request request = parse_request(std::get<Frame>(event).payload, {}, envelope);
      static_cast<void>(success_reply(request.envelope, nlohmann::json::object()));
    } catch (const Error& e) {
      static_cast<void>(error_reply(envelope, e.code()));
    }
  }
  return 0;
}
