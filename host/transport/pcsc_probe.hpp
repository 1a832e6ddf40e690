// SPDX-License-Identifier: Apache-2.0
// Whether the PC/SC service (pcscd) answers, for the `version` command and the self-check.
#pragma once

#include <cstddef>
#include <string>

#include "transport/pcsc_calls.hpp"

namespace saferchat {

struct PcscStatus {
  bool reachable = false;
  std::size_t reader_count = 0;
  std::string detail;  // for the log: the SCARD_* result when not reachable
};

// Establishes a PC/SC context, counts the readers and releases the context. Never throws.
// Where the service stops with the last reader (Windows), SCARD_E_NO_SERVICE is reachable
// with no reader.
[[nodiscard]] PcscStatus probe_pcsc_with(const PcscCalls& calls) noexcept;
// The platform's PC/SC.
[[nodiscard]] PcscStatus probe_pcsc() noexcept;

}  // namespace saferchat
