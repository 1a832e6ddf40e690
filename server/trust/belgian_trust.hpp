// SPDX-License-Identifier: Apache-2.0
// The real Belgian eID certificates shipped with Safer Chat (server/trust/README.md: origin and
// SHA-256 fingerprints), compiled in so that no file has to be found at run time.
#pragma once

#include <string_view>

namespace saferchat::trust {

// PEM text of the roots a production verifier trusts: Belgium Root CA3, CA4 (both issues) and
// CA6. (Root CA2 expired in 2021 and is shipped only as a file, not here.)
[[nodiscard]] std::string_view belgian_root_certificates_pem() noexcept;

// PEM text of the issuing CAs shipped as untrusted intermediates: Citizen CA 202002 and
// Foreigner CA 202001 (under Root CA6). Cards issued by other Citizen/Foreigner CAs need their
// CA certificate added to VerifierConfig::intermediates_pem (docs/verifier.md §8).
[[nodiscard]] std::string_view belgian_intermediate_certificates_pem() noexcept;

}  // namespace saferchat::trust
