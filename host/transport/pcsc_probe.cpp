// SPDX-License-Identifier: Apache-2.0
#include "transport/pcsc_probe.hpp"

#include <vector>

#include "platform/pcsc_api.hpp"
#include "transport/pcsc.hpp"

namespace saferchat {

PcscStatus probe_pcsc_with(const PcscCalls& calls) noexcept {
  PcscStatus status;
  SCARDCONTEXT context = 0;
  LONG rv = calls.establish_context(SCARD_SCOPE_USER, &context);
  const bool stops = calls.service_stops_without_readers();
  if (stops && rv == static_cast<LONG>(SCARD_E_NO_SERVICE)) {
    status.reachable = true;  // Windows: the service sleeps until a reader is plugged in
    status.detail = scard_name(rv);
    return status;
  }
  if (rv != SCARD_S_SUCCESS) {
    status.detail = scard_name(rv);
    return status;
  }
  status.reachable = true;
  DWORD length = 0;
  rv = calls.list_readers(context, nullptr, &length);
  if (rv == SCARD_S_SUCCESS && length > 0) {
    try {
      std::vector<char> names(length);
      rv = calls.list_readers(context, names.data(), &length);
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
  } else if (rv != SCARD_E_NO_READERS_AVAILABLE && rv != SCARD_S_SUCCESS &&
             !(stops && rv == static_cast<LONG>(SCARD_E_NO_SERVICE))) {
    status.detail = scard_name(rv);
  }
  // Releasing can only fail for an invalid handle, which this one is not.
  static_cast<void>(calls.release_context(context));
  return status;
}

PcscStatus probe_pcsc() noexcept { return probe_pcsc_with(system_pcsc_calls()); }

}  // namespace saferchat
