// SPDX-License-Identifier: Apache-2.0
// Byte buffers for secrets (PIN digits, PIN blocks, command APDUs that carry them): every
// buffer the vector ever owned is wiped before it is freed, including on reallocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "platform/platform.hpp"  // platform::wipe: a wipe the compiler may not remove

namespace saferchat {

template <class T>
struct WipingAllocator {
  using value_type = T;  // NOLINT(readability-identifier-naming): the Allocator requirement
  WipingAllocator() = default;
  template <class U>
  explicit WipingAllocator(const WipingAllocator<U>& /*other*/) noexcept {}

  T* allocate(std::size_t count) { return std::allocator<T>().allocate(count); }
  void deallocate(T* pointer, std::size_t count) noexcept {
    platform::wipe(pointer, count * sizeof(T));
    std::allocator<T>().deallocate(pointer, count);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};

using SecureBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;
using Bytes = std::vector<std::uint8_t>;

}  // namespace saferchat
