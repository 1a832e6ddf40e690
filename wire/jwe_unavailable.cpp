// SPDX-License-Identifier: Apache-2.0
// Sealed tokens in the Windows host: not yet. wire/jwe.cpp is OpenSSL (ECDH-ES P-256/X25519,
// A256GCM, Concat KDF) and Debian has no mingw build of OpenSSL; the CNG counterpart
// (BCryptSecretAgreement, AES-GCM through BCryptEncrypt) is still to be written. Until then a
// request with "sealKey" is refused with a clear error (docs/windows.md), never answered with an
// unsealed token. Only what the host links to is here.
#include "wire/jwe.hpp"

namespace saferchat::jwe {

PublicJwk PublicJwk::from_json(const nlohmann::json& /*jwk*/) {
  throw JweError(std::string(sealing_unavailable));
}

std::string seal(const PublicJwk& /*recipient*/, std::string_view /*plaintext*/) {
  throw JweError(std::string(sealing_unavailable));
}

}  // namespace saferchat::jwe
