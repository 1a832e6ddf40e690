// SPDX-License-Identifier: Apache-2.0
// The crypto seam (wire/crypto.hpp) and CertificateKey through Windows' own crypto (CNG):
// BCryptHash for SHA-2, the certificate's key imported with CryptImportPublicKeyInfoEx2 and
// checked with BCryptVerifySignature. No OpenSSL on Windows.
// clang-format off
#include <windows.h>  // first: the other Windows headers need its types
#include <bcrypt.h>
#include <wincrypt.h>
// clang-format on

#include <memory>
#include <stdexcept>
#include <string_view>

#include "wire/crypto.hpp"
#include "wire/token.hpp"

namespace saferchat {
namespace {

constexpr DWORD encoding = X509_ASN_ENCODING | PKCS_7_ASN_ENCODING;

bool succeeded(NTSTATUS status) { return status >= 0; }  // NT_SUCCESS

struct CertificateFree {
  void operator()(const CERT_CONTEXT* context) const noexcept {
    // Fails only for a context that is not one.
    static_cast<void>(CertFreeCertificateContext(context));
  }
};
using CertificatePtr = std::unique_ptr<const CERT_CONTEXT, CertificateFree>;

CertificatePtr parse_certificate(std::span<const std::uint8_t> der) {
  if (der.empty()) {
    return nullptr;
  }
  return CertificatePtr(
      CertCreateCertificateContext(encoding, der.data(), static_cast<DWORD>(der.size())));
}

std::string to_utf8(std::wstring_view wide) {
  if (wide.empty()) {
    return {};
  }
  const int size = WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()),
                                       nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(size > 0 ? size : 0), '\0');
  static_cast<void>(WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()),
                                        out.data(), size, nullptr, nullptr));
  return out;
}

}  // namespace

struct CertificateKey::Key {
  enum class Type : std::uint8_t { rsa, ec };
  Key(BCRYPT_KEY_HANDLE h, Type t) : handle(h), type(t) {}
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  Key(Key&&) = delete;
  Key& operator=(Key&&) = delete;
  ~Key() {
    // Fails only for a handle that is not one.
    static_cast<void>(BCryptDestroyKey(handle));
  }
  BCRYPT_KEY_HANDLE handle;
  Type type;
};

std::vector<std::uint8_t> hash(HashAlgorithm algorithm, std::span<const std::uint8_t> data) {
  const bool sha256 = algorithm == HashAlgorithm::sha256;
  std::vector<std::uint8_t> out(sha256 ? 32 : 48);
  BCRYPT_ALG_HANDLE provider = nullptr;
  if (!succeeded(BCryptOpenAlgorithmProvider(
          &provider, sha256 ? BCRYPT_SHA256_ALGORITHM : BCRYPT_SHA384_ALGORITHM, nullptr, 0))) {
    throw std::runtime_error("BCryptOpenAlgorithmProvider failed");
  }
  // BCryptHash takes non-const input (its SAL says in); it does not write to it.
  const NTSTATUS status =
      BCryptHash(provider, nullptr, 0, const_cast<PUCHAR>(data.data()),  // NOLINT
                 static_cast<ULONG>(data.size()), out.data(), static_cast<ULONG>(out.size()));
  static_cast<void>(BCryptCloseAlgorithmProvider(provider, 0));  // fails only for a bad handle
  if (!succeeded(status)) {
    throw std::runtime_error("BCryptHash failed");
  }
  return out;
}

std::string certificate_subject(std::span<const std::uint8_t> certificate_der) {
  const CertificatePtr certificate = parse_certificate(certificate_der);
  if (!certificate) {
    return "(not a certificate)";
  }
  CERT_NAME_BLOB* subject = &certificate->pCertInfo->Subject;
  const DWORD size = CertNameToStrW(encoding, subject, CERT_X500_NAME_STR, nullptr, 0);
  std::wstring name(size, L'\0');
  const DWORD written = CertNameToStrW(encoding, subject, CERT_X500_NAME_STR, name.data(), size);
  name.resize(written > 0 ? written - 1 : 0);  // the count includes the terminating NUL
  return to_utf8(name);
}

std::optional<CertificateKey> CertificateKey::from_certificate(
    std::span<const std::uint8_t> certificate_der) {
  const CertificatePtr certificate = parse_certificate(certificate_der);
  if (!certificate) {
    return std::nullopt;
  }
  CERT_PUBLIC_KEY_INFO* info = &certificate->pCertInfo->SubjectPublicKeyInfo;
  const std::string_view oid = info->Algorithm.pszObjId;
  Key::Type type{};
  if (oid == szOID_RSA_RSA) {  // rsaEncryption, 1.2.840.113549.1.1.1
    type = Key::Type::rsa;
  } else if (oid == szOID_ECC_PUBLIC_KEY) {  // id-ecPublicKey, 1.2.840.10045.2.1
    type = Key::Type::ec;
  } else {
    return std::nullopt;
  }
  BCRYPT_KEY_HANDLE handle = nullptr;
  if (CryptImportPublicKeyInfoEx2(X509_ASN_ENCODING, info, 0, nullptr, &handle) == FALSE) {
    return std::nullopt;
  }
  return CertificateKey(std::make_shared<const Key>(handle, type));
}

bool CertificateKey::verifies(SignatureAlgorithm algorithm, std::span<const std::uint8_t> digest,
                              std::span<const std::uint8_t> signature) const {
  // CNG's prototypes take non-const buffers for input; it does not write to them.
  auto* digest_data = const_cast<PUCHAR>(digest.data());        // NOLINT
  auto* signature_data = const_cast<PUCHAR>(signature.data());  // NOLINT
  if (digest.empty() || signature.empty()) {
    return false;
  }
  if (algorithm == SignatureAlgorithm::es384) {
    // CNG takes the JWS form itself: r ‖ s, 48 bytes each on P-384 (RFC 7518 §3.4).
    if (key_->type != Key::Type::ec || signature.size() != 96 || digest.size() != 48) {
      return false;
    }
    return succeeded(BCryptVerifySignature(key_->handle, nullptr, digest_data,
                                           static_cast<ULONG>(digest.size()), signature_data,
                                           static_cast<ULONG>(signature.size()), 0));
  }
  if (key_->type != Key::Type::rsa || digest.size() != 32) {
    return false;
  }
  BCRYPT_PKCS1_PADDING_INFO padding{BCRYPT_SHA256_ALGORITHM};  // RSASSA-PKCS1-v1_5, SHA-256
  return succeeded(BCryptVerifySignature(key_->handle, &padding, digest_data,
                                         static_cast<ULONG>(digest.size()), signature_data,
                                         static_cast<ULONG>(signature.size()), BCRYPT_PAD_PKCS1));
}

}  // namespace saferchat
