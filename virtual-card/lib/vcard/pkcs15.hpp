// SPDX-License-Identifier: Apache-2.0
// The PKCS#15 directory files of DF(BELPIC) (card content spec v5.4 §5.3): EF(ODF) 5031,
// EF(TokenInfo) 5032, EF(AODF) 5034, EF(PrKDF) 5035 and EF(CDF) 5037, built from the profile
// the way the card's personalisation writes them, so that PKCS#15 middleware finds the keys
// and certificate files the card really has.
#pragma once

#include <vector>

#include "vcard/card_profile.hpp"

namespace saferchat::vcard {

// The five files, with their paths (3F00 DF00 50xx). A certificate appears in EF(CDF) when
// its file holds one (not all zero); a key in EF(PrKDF) when the profile has it.
[[nodiscard]] std::vector<ProfileFile> make_pkcs15_files(const CardProfile& profile);

}  // namespace saferchat::vcard
