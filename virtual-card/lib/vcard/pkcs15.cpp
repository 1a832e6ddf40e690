// SPDX-License-Identifier: Apache-2.0
#include "vcard/pkcs15.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace saferchat::vcard {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint16_t mf = 0x3F00;
constexpr std::uint16_t belpic_df = 0xDF00;

// A DER element with a definite length (X.690 §8.1.3); every object here is shorter than 128.
Bytes tlv(std::uint8_t tag, const Bytes& value) {
  Bytes out{tag};
  if (value.size() < 0x80) {
    out.push_back(static_cast<std::uint8_t>(value.size()));
  } else {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(value.size()));
  }
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

Bytes utf8(std::string_view text) { return tlv(0x0C, Bytes(text.begin(), text.end())); }

// Path ::= SEQUENCE { path OCTET STRING } (PKCS#15 v1.1 §6.1.5), from the MF.
Bytes path_of(std::uint16_t fid) {
  return tlv(0x30, tlv(0x04, {0x3F, 0x00, 0xDF, 0x00, static_cast<std::uint8_t>(fid >> 8),
                              static_cast<std::uint8_t>(fid & 0xFFU)}));
}

// EF(ODF), content spec §5.3.2: [0] PrKDF, [4] CDF, [8] AODF.
Bytes odf() {
  return cat({tlv(0xA0, path_of(0x5035)), tlv(0xA4, path_of(0x5037)), tlv(0xA8, path_of(0x5034))});
}

// EF(TokenInfo), content spec §5.3.1: version 0, the chip serial number (GET CARD DATA bytes
// 0-15), label "BELPIC", flags prnGeneration + eidCompliant, [30] the four version bytes
// (graphical, electrical, electrical interface personalisation: default 0; RFU).
Bytes token_info(const CardProfile& profile) {
  const Bytes serial(profile.card_data.begin(), profile.card_data.begin() + 16);
  return tlv(0x30, cat({tlv(0x02, {0x00}), tlv(0x04, serial),
                        tlv(0x80, Bytes{'B', 'E', 'L', 'P', 'I', 'C'}), tlv(0x03, {0x04, 0x30}),
                        tlv(0x9E, {0x00, 0x00, 0x00, 0x00})}));
}

// EF(AODF), content spec §5.3.3: the PIN "Basic PIN", authId 01, BCD, min length 4, stored
// length 8, reference 01, padded with FF, in the MF.
Bytes aodf() {
  const Bytes common = tlv(0x30, cat({utf8("Basic PIN"), tlv(0x03, {0x06, 0xC0})}));
  const Bytes auth = tlv(0x30, tlv(0x04, {0x01}));
  const Bytes pin_attributes = tlv(
      0x30, cat({tlv(0x03, {0x02, 0x0C}), tlv(0x0A, {0x00}), tlv(0x02, {0x04}), tlv(0x02, {0x08}),
                 tlv(0x80, {0x01}), tlv(0x04, {0xFF}), tlv(0x30, tlv(0x04, {0x3F, 0x00}))}));
  return tlv(0x30, cat({common, auth, tlv(0xA1, pin_attributes)}));
}

// One EF(PrKDF) entry, content spec §5.3.4: label, flags private+modifiable, authId 01
// (userConsent 1 for the signing key, §7.4), iD = the key number, usage, access flags, the key
// reference, and [1] the key's DF (3F00 DF00) with its size in bits. EC keys are tagged [0]
// (privateECKey, as the spec shows for applet 1.8); RSA keys (applet 1.7) are the untagged
// privateRSAKey SEQUENCE with the modulus length.
Bytes private_key_entry(std::uint8_t reference, const PrivateKey& key) {
  const bool signing = reference == signing_key_reference;
  Bytes common = cat(
      {utf8(signing ? "Signature" : "Authentication"), tlv(0x03, {0x06, 0xC0}), tlv(0x04, {0x01})});
  if (signing) {
    common = cat({common, tlv(0x02, {0x01})});
  }
  const std::uint8_t id = signing ? 0x03 : 0x02;
  const Bytes usage = signing ? tlv(0x03, {0x06, 0x00, 0x40})  // nonRepudiation(9)
                              : tlv(0x03, {0x05, 0x20});       // sign(2)
  const Bytes key_attributes =
      cat({tlv(0x04, {id}), usage, tlv(0x03, {0x03, 0xB8}), tlv(0x02, {0x00, reference})});
  const auto bits = static_cast<unsigned>(key.bits());
  const Bytes type_attributes =
      tlv(0xA1, tlv(0x30, cat({tlv(0x30, tlv(0x04, {0x3F, 0x00, 0xDF, 0x00})),
                               tlv(0x02, {static_cast<std::uint8_t>(bits >> 8U),
                                          static_cast<std::uint8_t>(bits & 0xFFU)})})));
  const Bytes body = cat({tlv(0x30, common), tlv(0x30, key_attributes), type_attributes});
  return tlv(key.type() == KeyType::ec ? 0xA0 : 0x30, body);
}

struct CertificateEntry {
  std::uint16_t fid;
  std::string_view label;
  std::uint8_t id;
  bool authority;
};

// EF(CDF) entries, content spec §5.3.6. (The spec prints 30 32 as the first entry's header,
// whose contents are 0x2F bytes; the lengths here are the DER ones.)
constexpr std::array<CertificateEntry, 4> certificates{{
    {0x5038, "Authentication", 0x02, false},
    {0x5039, "Signature", 0x03, false},
    {0x503A, "CA", 0x04, true},
    {0x503B, "Root", 0x06, true},
}};

Bytes certificate_entry(const CertificateEntry& entry) {
  const Bytes common =
      tlv(0x30, cat({utf8(entry.label), tlv(0x03, {0x06, 0x40}), tlv(0x04, {0x01})}));
  Bytes attributes = tlv(0x04, {entry.id});
  if (entry.authority) {
    attributes = cat({attributes, tlv(0x01, {0xFF})});
  }
  attributes = cat({attributes, tlv(0x83, {0x00})});  // [3] implicitTrust FALSE
  return tlv(0x30, cat({common, tlv(0x30, attributes), tlv(0xA1, tlv(0x30, path_of(entry.fid)))}));
}

const ProfileFile* find_file(const CardProfile& profile, std::uint16_t fid) {
  const auto it = std::find_if(profile.files.begin(), profile.files.end(), [fid](const auto& f) {
    return f.path == std::vector<std::uint16_t>{mf, belpic_df, fid};
  });
  return it == profile.files.end() ? nullptr : &*it;
}

bool holds_certificate(const ProfileFile* file) {
  // An absent certificate is a file of zero bytes (content spec §8).
  return file != nullptr && !file->content.empty() && file->content[0] == 0x30;
}

}  // namespace

std::vector<ProfileFile> make_pkcs15_files(const CardProfile& profile) {
  Bytes prkdf;
  for (const std::uint8_t reference : {authentication_key_reference, signing_key_reference}) {
    if (const auto key = profile.keys.find(reference); key != profile.keys.end()) {
      const Bytes entry = private_key_entry(reference, key->second);
      prkdf.insert(prkdf.end(), entry.begin(), entry.end());
    }
  }
  Bytes cdf;
  for (const CertificateEntry& entry : certificates) {
    if (holds_certificate(find_file(profile, entry.fid))) {
      const Bytes bytes = certificate_entry(entry);
      cdf.insert(cdf.end(), bytes.begin(), bytes.end());
    }
  }
  return {
      {{mf, belpic_df, 0x5031}, odf()},  {{mf, belpic_df, 0x5032}, token_info(profile)},
      {{mf, belpic_df, 0x5034}, aodf()}, {{mf, belpic_df, 0x5035}, prkdf},
      {{mf, belpic_df, 0x5037}, cdf},
  };
}

}  // namespace saferchat::vcard
