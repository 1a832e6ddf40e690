// SPDX-License-Identifier: Apache-2.0
// The PC/SC API of the platform: pcsc-lite's headers on Linux (and the BSDs), winscard.h on
// Windows. Only the transport layer includes this (transport/pcsc_calls.cpp, the seam's real
// side; the rest of transport/pcsc*.cpp for its types). Differences it must live with: LONG is
// 64 bits with pcsc-lite and 32 on Windows; SCardControl codes differ (platform::scard_ctl_code);
// no pcsc_stringify_error outside pcsc-lite; macOS has no SCARD_AUTOALLOCATE, so nothing uses it.
#pragma once

#if defined(_WIN32)
// clang-format off
#include <windows.h>  // first: winscard.h needs its types
#include <winscard.h>
// clang-format on
#else
#include <PCSC/pcsclite.h>
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#endif

namespace saferchat {

// Windows stops its smart card service when the last reader is unplugged (SCardSvr), and
// SCARD_E_NO_SERVICE then means "no reader"; a context made before is dead for good, and a
// new one is needed when a reader comes back. pcsc-lite's pcscd keeps running.
#if defined(_WIN32)
inline constexpr bool pcsc_service_stops_without_readers = true;
#else
inline constexpr bool pcsc_service_stops_without_readers = false;
#endif

// Reader arrival through the \\?PnP?\Notification pseudo reader: pcsc-lite and Windows have it,
// macOS's PCSC.framework does not (readers are listed again there instead).
// Nor does it count a reader's card events in the upper 16 bits of dwEventState, as pcsc-lite
// and Windows do.
#if defined(__APPLE__)
inline constexpr bool pcsc_has_reader_notification = false;
inline constexpr bool pcsc_has_event_counter = false;
#else
inline constexpr bool pcsc_has_reader_notification = true;
inline constexpr bool pcsc_has_event_counter = true;
#endif

}  // namespace saferchat
