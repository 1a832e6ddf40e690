// SPDX-License-Identifier: Apache-2.0
// libsaferchat-vpcd-slots.so: the reader driver that saferchat-pcsc-env's reader configuration
// names. It forwards every IFD handler call (pcsc-lite ifdhandler.h, IFD Handler API v3) to
// vsmartcard's vpcd driver, except one answer: the number of slots. vpcd always reports two
// (its second slot listens on CHANNELID + 1), so pcscd showed two readers with one card; here
// the reader has as many slots as saferchat-pcsc-env has cards to put in them
// (SAFERCHAT_VPCD_SLOTS in pcscd's environment: 1, or 2 with --second-profile).
// ifdhandler.h declares the handler API without extern "C"; pcscd looks the names up unmangled.
extern "C" {
#include <PCSC/ifdhandler.h>
}
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

// The real driver, loaded on first use. pcscd calls a driver from one thread per reader, but
// the first call (IFDHCreateChannelByName) comes before any other.
void* vpcd() {
  static void* const handle = ::dlopen(SAFERCHAT_VPCD_DRIVER, RTLD_NOW | RTLD_LOCAL);
  return handle;
}

template <typename Function>
Function* real(const char* name) {
  void* const handle = vpcd();
  // The C API hands out functions as void*: the conversion is the dlsym(3) idiom.
  return handle == nullptr ? nullptr : reinterpret_cast<Function*>(::dlsym(handle, name));
}

// Calls vpcd's function `name`, of the same type as ours.
template <typename Function, typename... Args>
RESPONSECODE forward(const char* name, Args... args) {
  auto* const function = real<Function>(name);
  return function == nullptr ? IFD_COMMUNICATION_ERROR : function(args...);
}

// The slots this reader has: SAFERCHAT_VPCD_SLOTS, 1 or 2 (vpcd has two); 1 when unset.
UCHAR slot_count() {
  const char* const value = std::getenv("SAFERCHAT_VPCD_SLOTS");
  return value != nullptr && std::string_view(value) == "2" ? 2 : 1;
}

}  // namespace

// The IFD handler API's names and parameter names (ifdhandler.h), which pcscd looks up.
// NOLINTBEGIN(readability-identifier-naming,readability-inconsistent-declaration-parameter-name)
extern "C" {

RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName) {
  return forward<decltype(IFDHCreateChannelByName)>("IFDHCreateChannelByName", Lun, DeviceName);
}

RESPONSECODE IFDHCreateChannel(DWORD Lun, DWORD Channel) {
  return forward<decltype(IFDHCreateChannel)>("IFDHCreateChannel", Lun, Channel);
}

RESPONSECODE IFDHCloseChannel(DWORD Lun) {
  return forward<decltype(IFDHCloseChannel)>("IFDHCloseChannel", Lun);
}

RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value) {
  // ifdhandler.h, TAG_IFD_SLOTS_NUMBER: one byte, the reader's number of slots.
  if (Tag == TAG_IFD_SLOTS_NUMBER && Length != nullptr && *Length >= 1 && Value != nullptr) {
    *Length = 1;
    *Value = slot_count();
    return IFD_SUCCESS;
  }
  return forward<decltype(IFDHGetCapabilities)>("IFDHGetCapabilities", Lun, Tag, Length, Value);
}

RESPONSECODE IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length, PUCHAR Value) {
  return forward<decltype(IFDHSetCapabilities)>("IFDHSetCapabilities", Lun, Tag, Length, Value);
}

RESPONSECODE IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol, UCHAR Flags, UCHAR PTS1,
                                       UCHAR PTS2, UCHAR PTS3) {
  return forward<decltype(IFDHSetProtocolParameters)>("IFDHSetProtocolParameters", Lun, Protocol,
                                                      Flags, PTS1, PTS2, PTS3);
}

RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength) {
  return forward<decltype(IFDHPowerICC)>("IFDHPowerICC", Lun, Action, Atr, AtrLength);
}

RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer, DWORD TxLength,
                               PUCHAR RxBuffer, PDWORD RxLength, PSCARD_IO_HEADER RecvPci) {
  return forward<decltype(IFDHTransmitToICC)>("IFDHTransmitToICC", Lun, SendPci, TxBuffer, TxLength,
                                              RxBuffer, RxLength, RecvPci);
}

RESPONSECODE IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer, DWORD TxLength,
                         PUCHAR RxBuffer, DWORD RxLength, LPDWORD pdwBytesReturned) {
  return forward<decltype(IFDHControl)>("IFDHControl", Lun, dwControlCode, TxBuffer, TxLength,
                                        RxBuffer, RxLength, pdwBytesReturned);
}

RESPONSECODE IFDHICCPresence(DWORD Lun) {
  return forward<decltype(IFDHICCPresence)>("IFDHICCPresence", Lun);
}

}  // extern "C"
// NOLINTEND(readability-identifier-naming,readability-inconsistent-declaration-parameter-name)
