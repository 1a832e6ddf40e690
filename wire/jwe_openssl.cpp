// SPDX-License-Identifier: Apache-2.0
// Sealed tokens' primitives (wire/jwe_primitives.hpp) with OpenSSL 3, and the verifier's PEM
// key files (PrivateKey::from_pem, to_pem).
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "wire/jwe.hpp"
#include "wire/jwe_primitives.hpp"

namespace saferchat::jwe {

struct KeyHandle {
  explicit KeyHandle(EVP_PKEY* key) : pkey(key) {}
  KeyHandle(const KeyHandle&) = delete;
  KeyHandle& operator=(const KeyHandle&) = delete;
  KeyHandle(KeyHandle&&) = delete;
  KeyHandle& operator=(KeyHandle&&) = delete;
  ~KeyHandle() { EVP_PKEY_free(pkey); }
  EVP_PKEY* pkey;
};

namespace {

using detail::Bytes;
using detail::coordinate_bytes;
using detail::fail;

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* pointer) const noexcept {
    Free(pointer);
  }
};
using PkeyContextPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>>;
using CipherContextPtr = std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<EVP_CIPHER_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;

std::shared_ptr<KeyHandle> own(EVP_PKEY* key) { return std::make_shared<KeyHandle>(key); }

std::shared_ptr<KeyHandle> ec_key_from_data(const detail::RawKey& raw) {
  // SEC 1 §2.3.3: an uncompressed point is 04 ‖ X ‖ Y.
  Bytes point{0x04};
  point.insert(point.end(), raw.x.begin(), raw.x.end());
  point.insert(point.end(), raw.y.begin(), raw.y.end());
  std::string group = "prime256v1";
  BignumPtr private_value;
  std::array<unsigned char, coordinate_bytes> d_native{};
  std::vector<OSSL_PARAM> params{
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size())};
  const bool with_private = !raw.d.empty();
  if (with_private) {
    private_value.reset(BN_bin2bn(raw.d.data(), static_cast<int>(raw.d.size()), nullptr));
    if (!private_value || BN_bn2nativepad(private_value.get(), d_native.data(),
                                          static_cast<int>(d_native.size())) < 0) {
      fail("the key's private value does not decode");
    }
    params.push_back(
        OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, d_native.data(), d_native.size()));
  }
  params.push_back(OSSL_PARAM_construct_end());
  const PkeyContextPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  const int selection = with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (!context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &key, selection, params.data()) != 1) {
    OPENSSL_cleanse(d_native.data(), d_native.size());
    fail("the key's point is not on P-256");
  }
  OPENSSL_cleanse(d_native.data(), d_native.size());
  std::shared_ptr<KeyHandle> owned = own(key);
  // SP 800-56A §5.6.2.3.3: on the curve, not infinity, right order.
  const PkeyContextPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    fail("the key's point is not on P-256");
  }
  return owned;
}

std::optional<Curve> curve_of(const EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_X25519) {
    return Curve::x25519;
  }
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    std::array<char, 64> group{};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &length) == 1 &&
        std::string_view(group.data(), length) == "prime256v1") {
      return Curve::p256;
    }
  }
  return std::nullopt;
}

Bytes bignum_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    fail("cannot read the key's coordinates");
  }
  const BignumPtr value(raw);
  Bytes out(coordinate_bytes);
  if (BN_bn2binpad(value.get(), out.data(), static_cast<int>(out.size())) < 0) {
    fail("cannot read the key's coordinates");
  }
  return out;
}

const unsigned char* data_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

namespace detail {

void fail(const char* why) {
  ERR_clear_error();  // OpenSSL's queue says nothing the caller may see
  throw JweError(why);
}

std::shared_ptr<KeyHandle> import_key(const RawKey& raw) {
  if (raw.curve == Curve::p256) {
    return ec_key_from_data(raw);
  }
  EVP_PKEY* key =
      raw.d.empty()
          ? EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr, raw.x.data(), raw.x.size())
          : EVP_PKEY_new_raw_private_key_ex(nullptr, "X25519", nullptr, raw.d.data(), raw.d.size());
  if (key == nullptr) {
    fail("the X25519 key does not decode");
  }
  return own(key);
}

RawKey export_public(Curve curve, const KeyHandle& key) {
  RawKey raw{curve, {}, {}, {}};
  if (curve == Curve::x25519) {
    raw.x.resize(coordinate_bytes);
    std::size_t length = raw.x.size();
    if (EVP_PKEY_get_raw_public_key(key.pkey, raw.x.data(), &length) != 1 ||
        length != raw.x.size()) {
      fail("cannot read the X25519 public key");
    }
    return raw;
  }
  raw.x = bignum_param(key.pkey, OSSL_PKEY_PARAM_EC_PUB_X);
  raw.y = bignum_param(key.pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
  return raw;
}

std::shared_ptr<KeyHandle> generate_key(Curve curve) {
  EVP_PKEY* key = curve == Curve::p256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  if (key == nullptr) {
    fail("cannot generate a key");
  }
  return own(key);
}

Bytes agree(const KeyHandle& own_key, const KeyHandle& peer) {
  const PkeyContextPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, own_key.pkey, nullptr));
  std::size_t length = 0;
  // EVP_PKEY_derive_set_peer checks the peer's key (SP 800-56A §5.6.2.3) and its curve; for
  // X25519 OpenSSL refuses an all-zero secret (RFC 7748 §6.1).
  if (!context || EVP_PKEY_derive_init(context.get()) != 1 ||
      EVP_PKEY_derive_set_peer(context.get(), peer.pkey) != 1 ||
      EVP_PKEY_derive(context.get(), nullptr, &length) != 1) {
    fail("key agreement failed");
  }
  Bytes secret(length);
  if (EVP_PKEY_derive(context.get(), secret.data(), &length) != 1) {
    fail("key agreement failed");
  }
  secret.resize(length);
  return secret;
}

bool aes256gcm_encrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                       std::string_view aad, std::string_view plaintext, Bytes& ciphertext,
                       Bytes& tag) {
  ciphertext.assign(plaintext.size(), 0);
  tag.assign(tag_bytes, 0);
  const CipherContextPtr context(EVP_CIPHER_CTX_new());
  int length = 0;
  int final_length = 0;
  return key.size() == cek_bytes && context &&
         EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
         EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                             nullptr) == 1 &&
         EVP_EncryptInit_ex(context.get(), nullptr, nullptr, key.data(), iv.data()) == 1 &&
         EVP_EncryptUpdate(context.get(), nullptr, &length, data_of(aad),
                           static_cast<int>(aad.size())) == 1 &&
         EVP_EncryptUpdate(context.get(), ciphertext.data(), &length, data_of(plaintext),
                           static_cast<int>(plaintext.size())) == 1 &&
         EVP_EncryptFinal_ex(context.get(), ciphertext.data() + length, &final_length) == 1 &&
         EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag.size()),
                             tag.data()) == 1;
}

bool aes256gcm_decrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                       std::string_view aad, std::span<const std::uint8_t> ciphertext,
                       std::span<const std::uint8_t> tag, std::string& plaintext) {
  plaintext.assign(ciphertext.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  std::array<std::uint8_t, tag_bytes> tag_copy{};
  if (tag.size() != tag_copy.size() || key.size() != cek_bytes) {
    return false;
  }
  std::copy(tag.begin(), tag.end(), tag_copy.begin());
  const CipherContextPtr context(EVP_CIPHER_CTX_new());
  int length = 0;
  int final_length = 0;
  const bool opened =
      context &&
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                          nullptr) == 1 &&
      EVP_DecryptInit_ex(context.get(), nullptr, nullptr, key.data(), iv.data()) == 1 &&
      EVP_DecryptUpdate(context.get(), nullptr, &length, data_of(aad),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(context.get(), out, &length, ciphertext.data(),
                        static_cast<int>(ciphertext.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_copy.size()),
                          tag_copy.data()) == 1 &&
      EVP_DecryptFinal_ex(context.get(), out + length, &final_length) == 1;
  if (!opened) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    plaintext.clear();
  }
  return opened;
}

void random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    fail("no random bytes for the IV");
  }
}

void cleanse(void* data, std::size_t size) noexcept { OPENSSL_cleanse(data, size); }

}  // namespace detail

PrivateKey PrivateKey::from_pem(std::string_view pem, std::string kid) {
  if (!is_valid_kid(kid)) {
    fail("the key's kid is not 1 to 64 characters of A-Z a-z 0-9 . _ -");
  }
  const BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (key == nullptr) {
    fail("not a PEM private key");
  }
  std::shared_ptr<KeyHandle> owned = own(key);
  const std::optional<Curve> curve = curve_of(key);
  if (!curve) {
    fail("the private key is neither P-256 nor X25519");
  }
  return {*curve, std::move(kid), std::move(owned)};
}

std::string PrivateKey::to_pem() const {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_->pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail("cannot write the private key");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);  // NOLINT(google-runtime-int)
  return {data, static_cast<std::size_t>(length)};
}

}  // namespace saferchat::jwe
