// SPDX-License-Identifier: Apache-2.0
#include "test_card.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "vcard/apdu.hpp"
#include "vcard/pin_block.hpp"

namespace saferchat::vcard::testing {

namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

void require(bool condition, const char* what) {
  if (!condition) {
    throw std::runtime_error(std::string("test card: ") + what);
  }
}

Pkey generate_key(AppletVersion version) {
  EVP_PKEY* key = version == AppletVersion::v1_7
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048))
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  require(key != nullptr, "key generation failed");
  return Pkey(key, &EVP_PKEY_free);
}

// RSA-2048 generation takes a while: each (version, key reference) gets one key per process.
Pkey cached_key(AppletVersion version, std::uint8_t reference) {
  static std::map<std::pair<AppletVersion, std::uint8_t>, Pkey> keys;
  Pkey& key = keys[{version, reference}];
  if (!key) {
    key = generate_key(version);
  }
  return key;
}

void add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
  require(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                     0) == 1,
          "name entry");
}

Bytes self_signed_certificate(const Pkey& key, const std::string& common_name, const EVP_MD* md) {
  X509Ptr cert(X509_new(), &X509_free);
  require(cert != nullptr, "X509_new");
  require(X509_set_version(cert.get(), X509_VERSION_3) == 1, "version");
  require(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1, "serial");
  require(X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) != nullptr, "notBefore");
  require(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 365) != nullptr,
          "notAfter");
  X509_NAME* name = X509_get_subject_name(cert.get());
  add_name_entry(name, "C", "BE");
  add_name_entry(name, "CN", common_name);
  add_name_entry(name, "SN", "Testkind");
  add_name_entry(name, "GN", "Lotte");
  add_name_entry(name, "serialNumber", "17073003384");  // specimen national number
  require(X509_set_issuer_name(cert.get(), name) == 1, "issuer");
  require(X509_set_pubkey(cert.get(), key.get()) == 1, "pubkey");
  require(X509_sign(cert.get(), key.get(), md) > 0, "sign");
  const int size = i2d_X509(cert.get(), nullptr);
  require(size > 0, "i2d_X509");
  Bytes der(static_cast<std::size_t>(size));
  unsigned char* cursor = der.data();
  require(i2d_X509(cert.get(), &cursor) == size, "i2d_X509");
  return der;
}

void write_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  require(out.good(), "write failed");
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  require(out.good(), "write failed");
}

void write_pem(const std::filesystem::path& path, const Pkey& key) {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "w"), &BIO_free);
  require(bio != nullptr, "BIO_new_file");
  // PKCS#8 "BEGIN PRIVATE KEY", unencrypted, as the profile generator writes.
  require(
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
      "PEM_write_bio_PrivateKey");
}

// Simplified TLV of the identity file (card content spec §6.1): 1-byte tag and length.
void add_tlv(Bytes& file, std::uint8_t tag, std::string_view value) {
  file.push_back(tag);
  file.push_back(static_cast<std::uint8_t>(value.size()));
  file.insert(file.end(), value.begin(), value.end());
}

}  // namespace

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "saferchat-vcard-XXXXXX").string();
  require(::mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;  // a leftover temp folder is not worth failing a test over
  std::filesystem::remove_all(path_, ignored);
}

TestCard write_test_card(AppletVersion version, const TestCardOptions& options) {
  TestCard card;
  card.dir = std::make_unique<TempDir>();
  card.version = version;
  const std::filesystem::path& dir = card.dir->path();
  const bool v17 = version == AppletVersion::v1_7;

  // GET CARD DATA (1.7 §6.9 Table 32, 1.8 §6.14 Table 47): serial "SLIN" + 12 bytes, then
  // component, OS number/version, softmask number/version, applet version (byte 21), global
  // OS version, interface version, PKCS#1 support, key exchange version, life cycle 0F.
  card.card_data = hex(v17 ? "534C494E 33665445 53540000 00000001 F3360125 01 17 0003 00 21 01 0F"
                           : "534C494E 33665445 53540000 00000002 B0850401 20 18 0001 00 00 02 0F");
  card.atr = hex(v17 ? "3B9894400AA503010101AD1310" : "3B7F96000080318065B085040120120FFF829000");
  if (!options.atr.empty()) {
    card.atr = hex(options.atr);
  }

  card.auth_key = cached_key(version, authentication_key_reference);
  const EVP_MD* cert_md = v17 ? EVP_sha256() : EVP_sha384();
  card.auth_cert_der =
      self_signed_certificate(card.auth_key, "Lotte Testkind (Authentication)", cert_md);
  card.auth_cert_file = card.auth_cert_der;
  card.auth_cert_file.resize(card.auth_cert_der.size() + cert_padding, 0x00);
  write_file(dir / "auth_cert.der", card.auth_cert_file);
  write_pem(dir / "auth.key.pem", card.auth_key);

  nlohmann::json files = {{"3F00DF005038", "auth_cert.der"},
                          {"3F00DF014031", "identity.bin"},
                          {"3F00 DF01 4035", "photo.jpg"}};  // spaces are tolerated
  nlohmann::json keys = {{"82", "auth.key.pem"}};
  if (options.with_signing_key) {
    card.sign_key = cached_key(version, signing_key_reference);
    const Bytes sign_cert =
        self_signed_certificate(card.sign_key, "Lotte Testkind (Signature)", cert_md);
    write_file(dir / "sign_cert.der", sign_cert);
    write_pem(dir / "sign.key.pem", card.sign_key);
    files["3F00DF005039"] = "sign_cert.der";
    keys["83"] = "sign.key.pem";
  }

  add_tlv(card.identity_file, 0x01, "B01234567");
  add_tlv(card.identity_file, 0x06, "17073003384");
  add_tlv(card.identity_file, 0x07, "Testkind");
  add_tlv(card.identity_file, 0x08, "Lotte Marie");
  add_tlv(card.identity_file, 0x0F, "06");
  write_file(dir / "identity.bin", card.identity_file);
  card.photo_file.resize(photo_size);
  for (std::size_t i = 0; i < photo_size; ++i) {
    card.photo_file[i] = static_cast<std::uint8_t>(i * 7 + 3);
  }
  write_file(dir / "photo.jpg", card.photo_file);

  nlohmann::json profile = {
      {"test_only", "TEST CARD: fictitious person, test keys. Never trust outside tests."},
      {"profile", v17 ? "test-1.7" : "test-1.8"},
      {"applet_version", v17 ? "1.7" : "1.8"},
      {"atr", to_hex(card.atr)},
      {"card_data", to_hex(card.card_data)},
      {"pin", options.pin},
      {"pin_tries_left", options.pin_tries_left},
      {"holder",
       {{"given_names", "Lotte Marie"},
        {"surname", "Testkind"},
        {"national_number", "17073003384"},
        {"birth_date", "2017-07-30"},
        {"age", 8},
        {"document_type", "06"},
        {"language", "nl"}}},
      {"files", files},
      {"keys", keys},
      {"an_unknown_field", {1, 2, 3}}};
  if (!options.protocol.empty()) {
    profile["protocol"] = options.protocol;
  }
  if (!options.applet.empty()) {
    profile["applet"] = options.applet;
  }
  write_text(dir / "profile.json", profile.dump(2));
  return card;
}

BelpicApplet load_applet(const TestCard& card) {
  return BelpicApplet(load_card_profile(card.dir->path()));
}

Bytes hex(std::string_view text) {
  const std::optional<Bytes> bytes = from_hex(text);
  require(bytes.has_value(), "bad hex in a test");
  return *bytes;
}

Response split(const Bytes& response) {
  require(response.size() >= 2, "response without a status word");
  return Response{
      Bytes(response.begin(), response.end() - 2),
      static_cast<std::uint16_t>((response[response.size() - 2] << 8) | response.back())};
}

Bytes pin_block(std::string_view digits) {
  const std::optional<PinBlock> block = encode_pin_block(digits);
  require(block.has_value(), "bad PIN in a test");
  return Bytes(block->bytes().begin(), block->bytes().end());
}

Bytes verify_apdu(std::string_view digits) {
  Bytes apdu = hex("00 20 00 01 08");
  const Bytes block = pin_block(digits);
  apdu.insert(apdu.end(), block.begin(), block.end());
  return apdu;
}

Bytes digest(const EVP_MD* md, std::string_view message) {
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int size = 0;
  require(EVP_Digest(message.data(), message.size(), out.data(), &size, md, nullptr) == 1,
          "EVP_Digest");
  out.resize(size);
  return out;
}

namespace {

bool verify_raw(const Pkey& key, std::span<const std::uint8_t> hash,
                std::span<const std::uint8_t> signature, int padding, const EVP_MD* md) {
  const std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), &EVP_PKEY_CTX_free);
  require(ctx != nullptr && EVP_PKEY_verify_init(ctx.get()) == 1, "verify init");
  if (padding != 0) {
    require(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding) == 1, "padding");
    require(EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1, "md");
    if (padding == RSA_PKCS1_PSS_PADDING) {
      require(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) == 1, "mgf1");
      // Exactly the hash length (manual 1.7 §1.7), not "auto".
      require(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), EVP_MD_get_size(md)) == 1, "salt");
    }
  }
  return EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), hash.data(), hash.size()) ==
         1;
}

}  // namespace

bool verify_ecdsa_plain(const Pkey& key, std::span<const std::uint8_t> hash,
                        std::span<const std::uint8_t> r_s) {
  if (r_s.empty() || r_s.size() % 2 != 0) {
    return false;
  }
  // Plain r||s (TR-03111) to the DER ECDSA-Sig-Value OpenSSL verifies: BN_bin2bn drops the
  // leading zeros and i2d adds a 00 before a high bit.
  const std::size_t half = r_s.size() / 2;
  const std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), &ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(r_s.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(r_s.data() + half, static_cast<int>(half), nullptr);
  require(sig != nullptr && r != nullptr && s != nullptr && ECDSA_SIG_set0(sig.get(), r, s) == 1,
          "ECDSA_SIG");
  const int size = i2d_ECDSA_SIG(sig.get(), nullptr);
  Bytes der(static_cast<std::size_t>(size));
  unsigned char* cursor = der.data();
  require(i2d_ECDSA_SIG(sig.get(), &cursor) == size, "i2d_ECDSA_SIG");
  return verify_raw(key, hash, der, 0, nullptr);
}

bool verify_rsa_pkcs1(const Pkey& key, const EVP_MD* md, std::span<const std::uint8_t> hash,
                      std::span<const std::uint8_t> signature) {
  return verify_raw(key, hash, signature, RSA_PKCS1_PADDING, md);
}

bool verify_rsa_pss(const Pkey& key, const EVP_MD* md, std::span<const std::uint8_t> hash,
                    std::span<const std::uint8_t> signature) {
  return verify_raw(key, hash, signature, RSA_PKCS1_PSS_PADDING, md);
}

Pkey certificate_public_key(std::span<const std::uint8_t> der) {
  const unsigned char* cursor = der.data();
  const X509Ptr cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())), &X509_free);
  require(cert != nullptr, "d2i_X509");
  EVP_PKEY* key = X509_get_pubkey(cert.get());
  require(key != nullptr, "X509_get_pubkey");
  return Pkey(key, &EVP_PKEY_free);
}

}  // namespace saferchat::vcard::testing
