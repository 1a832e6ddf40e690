// SPDX-License-Identifier: Apache-2.0
// A small PKCS#15 reader for tests, written from PKCS#15 v1.1 and the card content spec v5.4
// §5.3 (independently of the virtual card's writer): DER TLVs, EF(ODF), EF(TokenInfo),
// EF(AODF), EF(PrKDF) and EF(CDF) entries. Throws std::runtime_error on malformed DER.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace saferchat::testing::pkcs15 {

using Bytes = std::vector<std::uint8_t>;

struct Tlv {
  std::uint8_t tag = 0;
  Bytes value;
};

// The TLVs one after another in `bytes` (X.690 §8.1: one-byte tags, definite lengths); stops
// at 00 padding (content spec §5.3.6: "the remainder of the file is filled with zero bytes").
inline std::vector<Tlv> parse_all(std::span<const std::uint8_t> bytes) {
  std::vector<Tlv> out;
  std::size_t at = 0;
  while (at < bytes.size() && bytes[at] != 0x00) {
    if (at + 2 > bytes.size()) {
      throw std::runtime_error("TLV header cut off");
    }
    const std::uint8_t tag = bytes[at++];
    std::size_t length = bytes[at++];
    if (length >= 0x80) {
      const std::size_t count = length & 0x7FU;
      if (count == 0 || count > 2 || at + count > bytes.size()) {
        throw std::runtime_error("bad DER length");
      }
      length = 0;
      for (std::size_t i = 0; i < count; ++i) {
        length = (length << 8U) | bytes[at++];
      }
    }
    if (at + length > bytes.size()) {
      throw std::runtime_error("TLV value cut off");
    }
    out.push_back({tag, Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                              bytes.begin() + static_cast<std::ptrdiff_t>(at + length))});
    at += length;
  }
  return out;
}

inline const Tlv& expect(const std::vector<Tlv>& tlvs, std::size_t index, std::uint8_t tag) {
  if (index >= tlvs.size() || tlvs[index].tag != tag) {
    throw std::runtime_error("expected tag " + std::to_string(tag) + " at " +
                             std::to_string(index));
  }
  return tlvs[index];
}

// Path ::= SEQUENCE { path OCTET STRING, ... } (PKCS#15 §6.1.5).
inline Bytes path_of(const Tlv& path_sequence) {
  return expect(parse_all(path_sequence.value), 0, 0x04).value;
}

// EF(ODF): [0] PrKDF, [4] CDF, [8] AODF … each a Path.
struct Odf {
  std::optional<Bytes> prkdf, cdf, aodf;
};
inline Odf parse_odf(std::span<const std::uint8_t> bytes) {
  Odf odf;
  for (const Tlv& entry : parse_all(bytes)) {
    const Bytes path = path_of(expect(parse_all(entry.value), 0, 0x30));
    if (entry.tag == 0xA0) {
      odf.prkdf = path;
    } else if (entry.tag == 0xA4) {
      odf.cdf = path;
    } else if (entry.tag == 0xA8) {
      odf.aodf = path;
    }
  }
  return odf;
}

struct TokenInfo {
  int version = -1;
  Bytes serial;
  std::string label;
};
inline TokenInfo parse_token_info(std::span<const std::uint8_t> bytes) {
  const std::vector<Tlv> fields = parse_all(expect(parse_all(bytes), 0, 0x30).value);
  TokenInfo info;
  info.version = expect(fields, 0, 0x02).value.at(0);
  info.serial = expect(fields, 1, 0x04).value;
  const Bytes label = expect(fields, 2, 0x80).value;
  info.label.assign(label.begin(), label.end());
  return info;
}

struct CommonObject {
  std::string label;
  Bytes auth_id;
};
inline CommonObject parse_common(const Tlv& sequence) {
  CommonObject common;
  for (const Tlv& field : parse_all(sequence.value)) {
    if (field.tag == 0x0C) {
      common.label.assign(field.value.begin(), field.value.end());
    } else if (field.tag == 0x04) {
      common.auth_id = field.value;
    }
  }
  return common;
}

// EF(AODF): PIN objects.
struct Pin {
  CommonObject common;
  Bytes auth_id;
  int min_length = -1;
  int stored_length = -1;
  int reference = -1;
  Bytes pad_char;
  Bytes path;
};
inline std::vector<Pin> parse_aodf(std::span<const std::uint8_t> bytes) {
  std::vector<Pin> pins;
  for (const Tlv& object : parse_all(bytes)) {
    const std::vector<Tlv> parts = parse_all(object.value);
    Pin pin;
    pin.common = parse_common(expect(parts, 0, 0x30));
    pin.auth_id = expect(parse_all(expect(parts, 1, 0x30).value), 0, 0x04).value;
    const std::vector<Tlv> attributes =
        parse_all(expect(parse_all(expect(parts, 2, 0xA1).value), 0, 0x30).value);
    std::size_t integers = 0;
    for (const Tlv& attribute : attributes) {
      if (attribute.tag == 0x02) {
        (integers++ == 0 ? pin.min_length : pin.stored_length) = attribute.value.at(0);
      } else if (attribute.tag == 0x80) {
        pin.reference = attribute.value.at(0);
      } else if (attribute.tag == 0x04) {
        pin.pad_char = attribute.value;
      } else if (attribute.tag == 0x30) {
        pin.path = path_of(attribute);
      }
    }
    pins.push_back(pin);
  }
  return pins;
}

// EF(PrKDF): private keys ([0] EC, SEQUENCE RSA).
struct PrivateKeyEntry {
  bool ec = false;
  CommonObject common;
  Bytes id;
  int key_reference = -1;
  Bytes path;
  int bits = -1;
};
inline std::vector<PrivateKeyEntry> parse_prkdf(std::span<const std::uint8_t> bytes) {
  std::vector<PrivateKeyEntry> keys;
  for (const Tlv& object : parse_all(bytes)) {
    if (object.tag != 0xA0 && object.tag != 0x30) {
      throw std::runtime_error("not a private EC or RSA key object");
    }
    const std::vector<Tlv> parts = parse_all(object.value);
    PrivateKeyEntry key;
    key.ec = object.tag == 0xA0;
    key.common = parse_common(expect(parts, 0, 0x30));
    for (const Tlv& field : parse_all(expect(parts, 1, 0x30).value)) {
      if (field.tag == 0x04) {
        key.id = field.value;
      } else if (field.tag == 0x02) {
        key.key_reference = 0;
        for (const std::uint8_t b : field.value) {
          key.key_reference = (key.key_reference << 8) | b;
        }
      }
    }
    const std::vector<Tlv> type =
        parse_all(expect(parse_all(expect(parts, 2, 0xA1).value), 0, 0x30).value);
    key.path = path_of(expect(type, 0, 0x30));
    const Bytes bits = expect(type, 1, 0x02).value;
    key.bits = 0;
    for (const std::uint8_t b : bits) {
      key.bits = (key.bits << 8) | b;
    }
    keys.push_back(key);
  }
  return keys;
}

// EF(CDF): X.509 certificate objects.
struct CertificateEntry {
  CommonObject common;
  Bytes id;
  bool authority = false;
  Bytes path;
};
inline std::vector<CertificateEntry> parse_cdf(std::span<const std::uint8_t> bytes) {
  std::vector<CertificateEntry> certificates;
  for (const Tlv& object : parse_all(bytes)) {
    if (object.tag != 0x30) {
      throw std::runtime_error("not an X.509 certificate object");
    }
    const std::vector<Tlv> parts = parse_all(object.value);
    CertificateEntry certificate;
    certificate.common = parse_common(expect(parts, 0, 0x30));
    for (const Tlv& field : parse_all(expect(parts, 1, 0x30).value)) {
      if (field.tag == 0x04) {
        certificate.id = field.value;
      } else if (field.tag == 0x01) {
        certificate.authority = field.value.at(0) != 0;
      }
    }
    certificate.path = path_of(
        expect(parse_all(expect(parse_all(expect(parts, 2, 0xA1).value), 0, 0x30).value), 0, 0x30));
    certificates.push_back(certificate);
  }
  return certificates;
}

}  // namespace saferchat::testing::pkcs15
