// SPDX-License-Identifier: Apache-2.0
// Sealed tokens' primitives (wire/jwe_primitives.hpp) with Windows' own crypto (CNG), so that
// the Windows host seals without OpenSSL DLLs: ECDH on P-256 (BCRYPT_ECDH_P256_ALGORITHM) and
// X25519 (BCRYPT_ECDH_ALGORITHM with the curve "curve25519", Windows 10 and later),
// BCryptSecretAgreement with BCRYPT_KDF_RAW_SECRET for Z (the Concat KDF is shared,
// wire/jwe.cpp), AES-256-GCM with BCRYPT_CHAIN_MODE_GCM, BCryptGenRandom. What Wine runs of
// this, and what only a real PC does: docs/windows.md.
// clang-format off
#include <windows.h>  // first: bcrypt.h needs its types
#include <bcrypt.h>
// clang-format on

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "wire/jwe.hpp"
#include "wire/jwe_primitives.hpp"

// Windows 10's names (bcrypt.h); mingw-w64's header does not have them yet.
#ifndef BCRYPT_ECDH_ALGORITHM
#define BCRYPT_ECDH_ALGORITHM L"ECDH"
#endif
#ifndef BCRYPT_ECC_CURVE_NAME
#define BCRYPT_ECC_CURVE_NAME L"ECCCurveName"
#endif
#ifndef BCRYPT_ECC_CURVE_25519
#define BCRYPT_ECC_CURVE_25519 L"curve25519"
#endif

namespace saferchat::jwe {
namespace {

bool succeeded(NTSTATUS status) { return status >= 0; }  // NT_SUCCESS

// CNG's prototypes take non-const buffers for input; it does not write to them.
PUCHAR input(const void* data) {
  return const_cast<PUCHAR>(static_cast<const UCHAR*>(data));  // NOLINT
}

// An algorithm provider; a key holds the one it was made with, closed after the key.
class Provider {
 public:
  explicit Provider(const wchar_t* algorithm) {
    if (!succeeded(BCryptOpenAlgorithmProvider(&handle_, algorithm, nullptr, 0))) {
      handle_ = nullptr;
    }
  }
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;
  Provider(Provider&&) = delete;
  Provider& operator=(Provider&&) = delete;
  ~Provider() {
    if (handle_ != nullptr) {
      static_cast<void>(BCryptCloseAlgorithmProvider(handle_, 0));
    }
  }
  [[nodiscard]] BCRYPT_ALG_HANDLE get() const noexcept { return handle_; }
  [[nodiscard]] bool set(const wchar_t* property, const wchar_t* value) const {
    const auto size = static_cast<ULONG>((std::wcslen(value) + 1) * sizeof(wchar_t));
    return succeeded(BCryptSetProperty(handle_, property, input(value), size, 0));
  }

 private:
  BCRYPT_ALG_HANDLE handle_ = nullptr;
};

}  // namespace

struct KeyHandle {
  KeyHandle(BCRYPT_KEY_HANDLE h, Curve c, std::shared_ptr<const Provider> p)
      : handle(h), curve(c), provider(std::move(p)) {}
  KeyHandle(const KeyHandle&) = delete;
  KeyHandle& operator=(const KeyHandle&) = delete;
  KeyHandle(KeyHandle&&) = delete;
  KeyHandle& operator=(KeyHandle&&) = delete;
  ~KeyHandle() {
    static_cast<void>(BCryptDestroyKey(handle));  // fails only for a handle that is not one
  }
  BCRYPT_KEY_HANDLE handle;
  Curve curve;
  std::shared_ptr<const Provider> provider;  // destroyed after the key
};

namespace {

using detail::Bytes;
using detail::coordinate_bytes;
using detail::fail;

// The ECDH provider for `curve`. X25519 needs the generic ECDH algorithm with a curve name
// (Windows 10 and later).
std::shared_ptr<const Provider> ecdh_provider(Curve curve) {
  if (curve == Curve::p256) {
    auto provider = std::make_shared<const Provider>(BCRYPT_ECDH_P256_ALGORITHM);
    if (provider->get() == nullptr) {
      fail("ECDH on P-256 is not available in this Windows (CNG)");
    }
    return provider;
  }
  auto provider = std::make_shared<const Provider>(BCRYPT_ECDH_ALGORITHM);
  if (provider->get() == nullptr || !provider->set(BCRYPT_ECC_CURVE_NAME, BCRYPT_ECC_CURVE_25519)) {
    fail("X25519 is not available in this Windows (CNG curve25519 needs Windows 10)");
  }
  return provider;
}

// BCRYPT_ECCKEY_BLOB then X, Y (and d), each cbKey bytes, big-endian for the NIST curves. For
// curve25519 X is the u-coordinate as RFC 7748 §5 encodes it and Y is zero.
Bytes key_blob(const detail::RawKey& raw) {
  const bool with_private = !raw.d.empty();
  BCRYPT_ECCKEY_BLOB header{};
  if (raw.curve == Curve::p256) {
    header.dwMagic = with_private ? BCRYPT_ECDH_PRIVATE_P256_MAGIC : BCRYPT_ECDH_PUBLIC_P256_MAGIC;
  } else {
    header.dwMagic =
        with_private ? BCRYPT_ECDH_PRIVATE_GENERIC_MAGIC : BCRYPT_ECDH_PUBLIC_GENERIC_MAGIC;
  }
  header.cbKey = static_cast<ULONG>(coordinate_bytes);
  Bytes blob(sizeof header);
  std::memcpy(blob.data(), &header, sizeof header);
  blob.insert(blob.end(), raw.x.begin(), raw.x.end());
  if (raw.curve == Curve::p256) {
    blob.insert(blob.end(), raw.y.begin(), raw.y.end());
  } else {
    blob.insert(blob.end(), coordinate_bytes, 0);
  }
  blob.insert(blob.end(), raw.d.begin(), raw.d.end());
  return blob;
}

class Secret {
 public:
  Secret() = default;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&&) = delete;
  Secret& operator=(Secret&&) = delete;
  ~Secret() {
    if (handle_ != nullptr) {
      static_cast<void>(BCryptDestroySecret(handle_));
    }
  }
  BCRYPT_SECRET_HANDLE* out() noexcept { return &handle_; }
  [[nodiscard]] BCRYPT_SECRET_HANDLE get() const noexcept { return handle_; }

 private:
  BCRYPT_SECRET_HANDLE handle_ = nullptr;
};

class SymmetricKey {
 public:
  explicit SymmetricKey(std::span<const std::uint8_t> key) {
    if (provider_.get() == nullptr || !provider_.set(BCRYPT_CHAINING_MODE, BCRYPT_CHAIN_MODE_GCM) ||
        !succeeded(BCryptGenerateSymmetricKey(provider_.get(), &handle_, nullptr, 0,
                                              input(key.data()), static_cast<ULONG>(key.size()),
                                              0))) {
      handle_ = nullptr;
    }
  }
  SymmetricKey(const SymmetricKey&) = delete;
  SymmetricKey& operator=(const SymmetricKey&) = delete;
  SymmetricKey(SymmetricKey&&) = delete;
  SymmetricKey& operator=(SymmetricKey&&) = delete;
  ~SymmetricKey() {
    if (handle_ != nullptr) {
      static_cast<void>(BCryptDestroyKey(handle_));
    }
  }
  [[nodiscard]] BCRYPT_KEY_HANDLE get() const noexcept { return handle_; }

 private:
  Provider provider_{BCRYPT_AES_ALGORITHM};
  BCRYPT_KEY_HANDLE handle_ = nullptr;
};

BCRYPT_AUTHENTICATED_CIPHER_MODE_INFO gcm_info(std::span<const std::uint8_t> iv,
                                               std::string_view aad, PUCHAR tag) {
  BCRYPT_AUTHENTICATED_CIPHER_MODE_INFO info;
  BCRYPT_INIT_AUTH_MODE_INFO(info);
  info.pbNonce = input(iv.data());
  info.cbNonce = static_cast<ULONG>(iv.size());
  info.pbAuthData = input(aad.data());
  info.cbAuthData = static_cast<ULONG>(aad.size());
  info.pbTag = tag;
  info.cbTag = static_cast<ULONG>(detail::tag_bytes);
  return info;
}

}  // namespace

namespace detail {

void fail(const char* why) { throw JweError(why); }

std::shared_ptr<KeyHandle> import_key(const RawKey& raw) {
  std::shared_ptr<const Provider> provider = ecdh_provider(raw.curve);
  Bytes blob = key_blob(raw);
  BCRYPT_KEY_HANDLE handle = nullptr;
  // Without BCRYPT_NO_KEY_VALIDATION CNG checks the public point (on the curve, right order).
  const NTSTATUS status = BCryptImportKeyPair(
      provider->get(), nullptr, raw.d.empty() ? BCRYPT_ECCPUBLIC_BLOB : BCRYPT_ECCPRIVATE_BLOB,
      &handle, blob.data(), static_cast<ULONG>(blob.size()), 0);
  SecureZeroMemory(blob.data(), blob.size());
  if (!succeeded(status)) {
    fail(raw.curve == Curve::p256 ? "the key's point is not on P-256"
                                  : "the X25519 key does not decode");
  }
  return std::make_shared<KeyHandle>(handle, raw.curve, std::move(provider));
}

RawKey export_public(Curve curve, const KeyHandle& key) {
  std::array<std::uint8_t, sizeof(BCRYPT_ECCKEY_BLOB) + 2 * coordinate_bytes> blob{};
  ULONG size = 0;
  if (!succeeded(BCryptExportKey(key.handle, nullptr, BCRYPT_ECCPUBLIC_BLOB, blob.data(),
                                 static_cast<ULONG>(blob.size()), &size, 0)) ||
      size != blob.size()) {
    fail("cannot read the key's coordinates");
  }
  BCRYPT_ECCKEY_BLOB header{};
  std::memcpy(&header, blob.data(), sizeof header);
  if (header.cbKey != coordinate_bytes) {
    fail("cannot read the key's coordinates");
  }
  const auto* x = blob.data() + sizeof header;
  RawKey raw{curve, Bytes(x, x + coordinate_bytes), {}, {}};
  if (curve == Curve::p256) {
    raw.y.assign(x + coordinate_bytes, x + 2 * coordinate_bytes);
  }
  return raw;
}

std::shared_ptr<KeyHandle> generate_key(Curve curve) {
  std::shared_ptr<const Provider> provider = ecdh_provider(curve);
  BCRYPT_KEY_HANDLE handle = nullptr;
  // 256 bits for P-256, 255 for curve25519 (CNG named elliptic curves).
  if (!succeeded(
          BCryptGenerateKeyPair(provider->get(), &handle, curve == Curve::p256 ? 256 : 255, 0))) {
    fail("cannot generate a key");
  }
  auto key = std::make_shared<KeyHandle>(handle, curve, provider);
  if (!succeeded(BCryptFinalizeKeyPair(handle, 0))) {
    fail("cannot generate a key");
  }
  return key;
}

Bytes agree(const KeyHandle& own, const KeyHandle& peer) {
  if (own.curve != peer.curve) {
    fail("key agreement failed");
  }
  Secret secret;
  ULONG size = 0;
  if (!succeeded(BCryptSecretAgreement(own.handle, peer.handle, secret.out(), 0)) ||
      !succeeded(
          BCryptDeriveKey(secret.get(), BCRYPT_KDF_RAW_SECRET, nullptr, nullptr, 0, &size, 0)) ||
      size != coordinate_bytes) {
    fail("key agreement failed");
  }
  Bytes z(size);
  if (!succeeded(BCryptDeriveKey(secret.get(), BCRYPT_KDF_RAW_SECRET, nullptr, z.data(), size,
                                 &size, 0)) ||
      size != z.size()) {
    SecureZeroMemory(z.data(), z.size());
    fail("key agreement failed");
  }
  // BCRYPT_KDF_RAW_SECRET gives Z least significant byte first: reversed, it is the big-endian
  // x-coordinate of SEC 1 §3.3.1 (P-256), the byte string of RFC 7748 §5 (X25519).
  std::reverse(z.begin(), z.end());
  return z;
}

bool aes256gcm_encrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                       std::string_view aad, std::string_view plaintext, Bytes& ciphertext,
                       Bytes& tag) {
  const SymmetricKey symmetric(key);
  ciphertext.assign(plaintext.size(), 0);
  tag.assign(tag_bytes, 0);
  if (symmetric.get() == nullptr || key.size() != cek_bytes || iv.size() != iv_bytes) {
    return false;
  }
  BCRYPT_AUTHENTICATED_CIPHER_MODE_INFO info = gcm_info(iv, aad, tag.data());
  ULONG written = 0;
  return succeeded(BCryptEncrypt(
             symmetric.get(), input(plaintext.data()), static_cast<ULONG>(plaintext.size()), &info,
             nullptr, 0, ciphertext.data(), static_cast<ULONG>(ciphertext.size()), &written, 0)) &&
         written == ciphertext.size();
}

bool aes256gcm_decrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                       std::string_view aad, std::span<const std::uint8_t> ciphertext,
                       std::span<const std::uint8_t> tag, std::string& plaintext) {
  const SymmetricKey symmetric(key);
  plaintext.assign(ciphertext.size(), '\0');
  if (symmetric.get() == nullptr || key.size() != cek_bytes || iv.size() != iv_bytes ||
      tag.size() != tag_bytes) {
    plaintext.clear();
    return false;
  }
  BCRYPT_AUTHENTICATED_CIPHER_MODE_INFO info = gcm_info(iv, aad, input(tag.data()));
  ULONG written = 0;
  // STATUS_AUTH_TAG_MISMATCH when the tag does not match: CNG then writes no plaintext.
  const bool opened = succeeded(BCryptDecrypt(symmetric.get(), input(ciphertext.data()),
                                              static_cast<ULONG>(ciphertext.size()), &info, nullptr,
                                              0, reinterpret_cast<PUCHAR>(plaintext.data()),
                                              static_cast<ULONG>(plaintext.size()), &written, 0)) &&
                      written == plaintext.size();
  if (!opened) {
    SecureZeroMemory(plaintext.data(), plaintext.size());
    plaintext.clear();
  }
  return opened;
}

void random_bytes(std::span<std::uint8_t> out) {
  if (!succeeded(BCryptGenRandom(nullptr, out.data(), static_cast<ULONG>(out.size()),
                                 BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
    fail("no random bytes for the IV");
  }
}

void cleanse(void* data, std::size_t size) noexcept { SecureZeroMemory(data, size); }

}  // namespace detail
}  // namespace saferchat::jwe
