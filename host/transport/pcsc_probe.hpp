// SPDX-License-Identifier: Apache-2.0
// Whether the PC/SC service (pcscd) answers, for the `version` command and the self-check.
#pragma once

#include <cstddef>
#include <string>

namespace saferchat {

struct PcscStatus {
  bool reachable = false;
  std::size_t reader_count = 0;
  std::string detail;  // for the log: the SCARD_* result when not reachable
};

// Establishes a PC/SC context, counts the readers and releases the context. Never throws.
[[nodiscard]] PcscStatus probe_pcsc() noexcept;

}  // namespace saferchat
