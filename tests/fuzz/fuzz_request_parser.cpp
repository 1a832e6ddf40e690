// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: decoding one request payload (docs/protocol.md §3), in both origin modes,
// and the replies built from what was decoded. Only saferchat::Error may escape the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/reply.hpp"
#include "protocol/request.hpp"
#include "wire/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace saferchat;
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  for (const bool development : {false, true}) {
    RequestOptions options;
    options.allow_http_localhost = development;
    RequestEnvelope envelope;
    try {
      const Request request = parse_request(payload, options, envelope);
      static_cast<void>(success_reply(request.envelope, {{"ok", true}}));
    } catch (const Error& e) {
      static_cast<void>(error_reply(envelope, e.code()));
    }
  }
  return 0;
}
