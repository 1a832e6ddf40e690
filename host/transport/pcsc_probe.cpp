// SPDX-License-Identifier: Apache-2.0
#include "transport/pcsc_probe.hpp"

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include <vector>

namespace saferchat {

PcscStatus probe_pcsc() noexcept {
  PcscStatus status;
  SCARDCONTEXT context = 0;
  LONG rv = SCardEstablishContext(SCARD_SCOPE_USER, nullptr, nullptr, &context);
  if (rv != SCARD_S_SUCCESS) {
    status.detail = pcsc_stringify_error(rv);
    return status;
  }
  status.reachable = true;
  DWORD length = 0;
  rv = SCardListReaders(context, nullptr, nullptr, &length);
  if (rv == SCARD_S_SUCCESS && length > 0) {
    try {
      std::vector<char> names(length);
      rv = SCardListReaders(context, nullptr, names.data(), &length);
      // The list is a sequence of NUL-terminated names ended by an empty one.
      for (std::size_t i = 0; rv == SCARD_S_SUCCESS && i < length && names.at(i) != '\0';) {
        ++status.reader_count;
        while (i < length && names.at(i) != '\0') {
          ++i;
        }
        ++i;
      }
    } catch (...) {
      status.detail = "out of memory listing readers";
    }
  } else if (rv != SCARD_E_NO_READERS_AVAILABLE && rv != SCARD_S_SUCCESS) {
    status.detail = pcsc_stringify_error(rv);
  }
  // Releasing can only fail for an invalid handle, which this one is not.
  static_cast<void>(SCardReleaseContext(context));
  return status;
}

}  // namespace saferchat
