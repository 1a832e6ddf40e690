// SPDX-License-Identifier: Apache-2.0
#include "store/nonce_store.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <vector>

namespace saferchat::store {

Clock system_clock() {
  return [] { return std::chrono::system_clock::now(); };
}

std::string generate_nonce(std::size_t bytes) {
  if (bytes < min_nonce_bytes || bytes > max_nonce_bytes) {
    throw std::invalid_argument("nonce size of " + std::to_string(bytes) + " bytes outside 32..96");
  }
  std::vector<unsigned char> random(bytes);
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  // Base64 with padding, RFC 4648 §4: 4 characters per 3 bytes.
  std::string out(4 * ((bytes + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), random.data(),
                                     static_cast<int>(random.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

std::string_view take_status_name(TakeStatus status) noexcept {
  switch (status) {
    case TakeStatus::taken:
      return "taken";
    case TakeStatus::unknown:
      return "unknown";
    case TakeStatus::expired:
      return "expired";
    case TakeStatus::replayed:
      return "replayed";
  }
  return "unknown";
}

}  // namespace saferchat::store
