// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: round-trip properties of the encoders and decoders both ends share.
//   frames (docs/protocol.md §2): encode_frame(p) read back by FrameReader, in any read sizes,
//     is p;
//   base64 (RFC 4648 §4, §5): the host's encoder and the verifier's strict decoder agree, both
//     alphabets; what the decoder accepts decodes again to the same bytes after re-encoding;
//   DER lengths (X.690 §8.1.3): the header of a SEQUENCE of any length up to 3 length bytes
//     gives back that length through belpic::der_element_size (the host's certificate reads).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "apdu/belpic.hpp"
#include "protocol/frame.hpp"
#include "support/memory_source.hpp"
#include "verify/token.hpp"
#include "wire/error.hpp"
#include "wire/token.hpp"

namespace {

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

void frame_round_trip(std::string_view payload, std::size_t chunk) {
  std::string encoded;
  try {
    encoded = saferchat::encode_frame(payload);
  } catch (const saferchat::Error& e) {
    require(e.code() == saferchat::ErrorCode::response_too_large);
    return;
  }
  require(encoded.size() == payload.size() + saferchat::frame_header_size);
  if (payload.empty()) {
    return;  // an empty message is a framing error of its own (fuzz_frame_reader)
  }
  saferchat::testing::MemorySource source(
      encoded, chunk == 0 ? std::vector<std::size_t>{} : std::vector<std::size_t>{chunk});
  saferchat::FrameReader reader(source);
  saferchat::FrameEvent event = reader.next();
  const auto* frame = std::get_if<saferchat::Frame>(&event);
  require(frame != nullptr && frame->payload == payload);
  event = reader.next();
  require(std::holds_alternative<saferchat::EndOfInput>(event));
}

bool decodes_to(const std::optional<std::vector<std::uint8_t>>& decoded,
                std::span<const std::uint8_t> bytes) {
  return decoded && std::equal(decoded->begin(), decoded->end(), bytes.begin(), bytes.end());
}

void base64_round_trip(std::span<const std::uint8_t> bytes) {
  namespace verify = saferchat::verify;
  if (bytes.empty()) {
    return;  // no token field is empty
  }
  const std::string standard = saferchat::base64_encode(bytes);
  require(standard.size() == 4 * ((bytes.size() + 2) / 3));
  require(decodes_to(verify::base64_decode(standard), bytes));
  const std::string url = verify::base64url_encode(bytes);
  require(url.find_first_of("+/=") == std::string::npos);
  require(decodes_to(verify::base64_decode(url, true), bytes));
}

void base64_decode_again(std::string_view text) {
  namespace verify = saferchat::verify;
  for (const bool url_safe : {false, true}) {
    const auto decoded = verify::base64_decode(text, url_safe);
    if (decoded) {
      const std::string again =
          url_safe ? verify::base64url_encode(*decoded) : saferchat::base64_encode(*decoded);
      require(decodes_to(verify::base64_decode(again, url_safe), *decoded));
    }
  }
}

void der_length_round_trip(std::span<const std::uint8_t> bytes) {
  std::size_t length = 0;
  for (std::size_t i = 0; i < bytes.size() && i < 3; ++i) {
    length = (length << 8U) | bytes[i];
  }
  std::vector<std::uint8_t> header{0x30};
  if (length < 0x80) {
    header.push_back(static_cast<std::uint8_t>(length));
  } else {
    std::vector<std::uint8_t> digits;
    for (std::size_t rest = length; rest != 0; rest >>= 8U) {
      digits.insert(digits.begin(), static_cast<std::uint8_t>(rest & 0xFFU));
    }
    header.push_back(static_cast<std::uint8_t>(0x80U | digits.size()));
    header.insert(header.end(), digits.begin(), digits.end());
  }
  const std::size_t header_size = header.size();
  require(saferchat::belpic::der_element_size(header) == header_size + length);
  // Whatever follows the header does not change the answer.
  header.insert(header.end(), bytes.begin(), bytes.end());
  require(saferchat::belpic::der_element_size(header) == header_size + length);
  // And any input either has no size or one at least as long as its header.
  if (const auto size = saferchat::belpic::der_element_size(bytes)) {
    require(*size >= 2);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  frame_round_trip(text, size == 0 ? 0 : data[0] % 8);
  base64_round_trip(bytes);
  base64_decode_again(text);
  der_length_round_trip(bytes);
  return 0;
}
