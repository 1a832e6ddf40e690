// SPDX-License-Identifier: Apache-2.0
// APDU transcripts against the in-process BELPIC applet, for applets 1.7 (RSA-2048) and 1.8
// (ECDSA P-384). Section numbers refer to the applet reference manuals ("§6.4": READ BINARY
// in 1.7; the 1.8 manual has the same command in §6.7). Each line is one APDU and the status
// word the manuals prescribe.
#include <openssl/evp.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "card_session.hpp"

namespace saferchat::vcard::testing {
namespace {

constexpr std::string_view select_applet =
    "00 A4 04 0C 0F A0 00 00 00 30 29 05 70 00 AD 13 10 01 01 FF";
constexpr std::string_view select_auth_cert = "00 A4 08 0C 04 DF00 5038";
constexpr std::string_view log_off = "80 E6 00 00 00";  // case 1 on T=0: P3 = 00

// 00 2A 9E 9A Lc <data>: PSO COMPUTE DIGITAL SIGNATURE, T=0 form without Le.
Bytes pso(const Bytes& data) {
  Bytes apdu = hex("00 2A 9E 9A");
  apdu.push_back(static_cast<std::uint8_t>(data.size()));
  apdu.insert(apdu.end(), data.begin(), data.end());
  return apdu;
}

// 00 C0 00 00 Le.
Bytes get_response(std::size_t le) {
  Bytes apdu = hex("00 C0 00 00");
  apdu.push_back(static_cast<std::uint8_t>(le & 0xFFU));
  return apdu;
}

// 00 B0 offH offL Le.
Bytes read_binary(std::size_t offset, std::size_t le) {
  return Bytes{0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8),
               static_cast<std::uint8_t>(offset & 0xFFU), static_cast<std::uint8_t>(le & 0xFFU)};
}

// Reads the selected EF as middleware does: Le=00 (256) until 6Cxx gives the exact rest, then
// one more READ BINARY past the end must answer 6B00. Returns the bytes; `statuses` receives
// the status word of every APDU.
Bytes read_whole_file(CardSession& session, std::vector<std::string>& statuses) {
  Bytes content;
  for (std::size_t le = 256;;) {
    const Reply reply = session.tx(read_binary(content.size(), le));
    statuses.push_back(reply.sw);
    if (reply.sw == "9000") {
      content.insert(content.end(), reply.data.begin(), reply.data.end());
      le = 256;
    } else if (reply.sw.starts_with("6C")) {
      le = hex(reply.sw.substr(2))[0];  // re-issue with Le = xx
    } else {
      return content;  // 6B00: the offset is at the end
    }
  }
}

std::string name_of(const ::testing::TestParamInfo<AppletVersion>& info) {
  return info.param == AppletVersion::v1_7 ? "Applet17" : "Applet18";
}

class VcardApplet : public ::testing::TestWithParam<AppletVersion> {};
INSTANTIATE_TEST_SUITE_P(Versions, VcardApplet,
                         ::testing::Values(AppletVersion::v1_7, AppletVersion::v1_8), name_of);

// ---------------------------------------------------------------------------------------
// SELECT FILE (1.7 §6.3, 1.8 §6.6)

TEST_P(VcardApplet, SelectsByAidFidAndPath) {
  CardSession s(GetParam());
  // By AID, P1=04: the full instance AID, then a 5-byte prefix (partial selection).
  EXPECT_EQ(s.sw(select_applet), "9000");
  EXPECT_EQ(s.sw("00 A4 04 0C 05 A0 00 00 00 30"), "9000");
  // An AID nobody has: file not found. Shorter than 5 bytes: Lc inconsistent with P1-P2.
  EXPECT_EQ(s.sw("00 A4 04 0C 05 A0 00 00 00 99"), "6A82");
  EXPECT_EQ(s.sw("00 A4 04 0C 04 A0 00 00 00"), "6A87");
  // By FID, P1=02: the MF, DF(BELPIC), then the authentication certificate in it.
  EXPECT_EQ(s.sw("00 A4 02 0C 02 3F00"), "9000");
  EXPECT_EQ(s.sw("00 A4 02 0C 02 DF00"), "9000");
  EXPECT_EQ(s.sw("00 A4 02 0C 02 5038"), "9000");
  EXPECT_EQ(s.tx("00 B0 00 00 04").data,
            Bytes(s.card.auth_cert_file.begin(), s.card.auth_cert_file.begin() + 4));
  // From DF00/5038, the sibling DF01 and its identity file are found by FID too.
  EXPECT_EQ(s.sw("00 A4 02 0C 02 DF01"), "9000");
  EXPECT_EQ(s.sw("00 A4 02 0C 02 4031"), "9000");
  EXPECT_EQ(s.tx("00 B0 00 00 02").data, hex("01 09"));
  // A FID that is not there: 6A82, and the selection stays on 4031.
  EXPECT_EQ(s.sw("00 A4 02 0C 02 5038"), "6A82");
  EXPECT_EQ(s.tx("00 B0 00 00 02").data, hex("01 09"));
  // By path from the MF, P1=08, without 3F00 as the manual writes it, and with 3F00 as
  // middleware sends it.
  EXPECT_EQ(s.sw(select_auth_cert), "9000");
  EXPECT_EQ(s.sw("00 A4 08 0C 06 3F00 DF01 4035"), "9000");
  EXPECT_EQ(s.tx("00 B0 00 00 01").data, Bytes{s.card.photo_file[0]});
  // Paths that lead nowhere: unknown EF, through an EF, odd length.
  EXPECT_EQ(s.sw("00 A4 08 0C 04 DF00 5099"), "6A82");
  EXPECT_EQ(s.sw("00 A4 08 0C 06 DF00 5038 0001"), "6A82");
  EXPECT_EQ(s.sw("00 A4 08 0C 03 DF00 50"), "6A87");
  EXPECT_EQ(s.sw("00 A4 02 0C 03 DF00 50"), "6A87");
  // PKCS#15 application AID (card content spec §5.1) selects DF(BELPIC).
  EXPECT_EQ(s.sw("00 A4 04 0C 0C A0 00 00 01 77 50 4B 43 53 2D 31 35"), "9000");
  EXPECT_EQ(s.sw("00 A4 02 0C 02 5038"), "9000");
}

TEST_P(VcardApplet, SelectRejectsOtherP1P2AndBadLengths) {
  CardSession s(GetParam());
  // Only P2=0C (no FCI) is defined; P1 is 02, 04 or 08: anything else is 6A86.
  EXPECT_EQ(s.sw("00 A4 02 00 02 3F00"), "6A86");
  EXPECT_EQ(s.sw("00 A4 04 00 0F A0 00 00 00 30 29 05 70 00 AD 13 10 01 01 FF"), "6A86");
  EXPECT_EQ(s.sw("00 A4 08 04 04 DF00 5038"), "6A86");
  EXPECT_EQ(s.sw("00 A4 00 0C 02 3F00"), "6A86");
  EXPECT_EQ(s.sw("00 A4 01 0C 02 DF00"), "6A86");
  // Lc disagrees with the bytes sent: not a well-formed APDU at all.
  EXPECT_EQ(s.sw("00 A4 08 0C 04 DF00"), "6700");
  EXPECT_EQ(s.sw("00 A4 08 0C 02 DF00 5038 00 00"), "6700");
  // P3 alone announces data that is missing.
  EXPECT_EQ(s.sw("00 A4 02 0C 02"), "6700");
  // A DF has no content: READ BINARY there is "no current EF".
  EXPECT_EQ(s.sw("00 A4 02 0C 02 3F00"), "9000");
  EXPECT_EQ(s.sw("00 B0 00 00 10"), "6986");
}

TEST_P(VcardApplet, EmptyAidSelectsTheCardManagerUntilBelpicIsSelectedAgain) {
  CardSession s(GetParam());
  EXPECT_EQ(s.sw(select_auth_cert), "9000");
  // 1.8 §6.6 note 1: an empty AID selects the card manager, which knows no BELPIC command.
  EXPECT_EQ(s.sw("00 A4 04 0C 00"), "9000");
  EXPECT_EQ(s.sw("00 B0 00 00 10"), "6D00");
  EXPECT_EQ(s.sw("80 E4 00 00 1C"), "6D00");
  EXPECT_EQ(s.sw("00 A4 04 0C 0C A0 00 00 01 77 50 4B 43 53 2D 31 35"), "6A82");
  // Selecting the applet again brings it back, with the MF as current DF.
  EXPECT_EQ(s.sw(select_applet), "9000");
  EXPECT_EQ(s.sw("00 B0 00 00 10"), "6986");
  EXPECT_EQ(s.sw(select_auth_cert), "9000");
  // A card reset does the same (the applet is default-selected).
  EXPECT_EQ(s.sw("00 A4 04 0C 00"), "9000");  // empty AID, P3 = Lc = 00 on T=0
  s.applet.reset();
  EXPECT_EQ(s.sw("80 E4 00 00 1C"), "9000");
}

// ---------------------------------------------------------------------------------------
// READ BINARY (1.7 §6.4, 1.8 §6.7)

TEST_P(VcardApplet, ReadsTheCertificateInChunksWith6CxxAnd6B00) {
  CardSession s(GetParam());
  ASSERT_EQ(s.sw(select_auth_cert), "9000");
  std::vector<std::string> statuses;
  const Bytes content = read_whole_file(s, statuses);
  // Whole chunks of 256, one 6Cxx with the exact rest, the rest, then 6B00 at the end.
  const std::size_t size = s.card.auth_cert_file.size();
  std::vector<std::string> expected(size / 256, "9000");
  const std::uint8_t rest = static_cast<std::uint8_t>(size % 256);
  ASSERT_NE(rest, 0);
  expected.push_back("6C" + to_hex(std::span(&rest, 1)));
  expected.push_back("9000");
  expected.push_back("6B00");
  EXPECT_EQ(statuses, expected);
  // Served as-is, padding included. The DER header gives the certificate's length (30 82 LL LL).
  EXPECT_EQ(content, s.card.auth_cert_file);
  ASSERT_EQ(content[0], 0x30);
  ASSERT_EQ(content[1], 0x82);
  const std::size_t der_size = 4 + ((std::size_t{content[2]} << 8) | content[3]);
  EXPECT_EQ(Bytes(content.begin(), content.begin() + static_cast<std::ptrdiff_t>(der_size)),
            s.card.auth_cert_der);
}

TEST_P(VcardApplet, ReadBinaryEdgeCases) {
  CardSession s(GetParam());
  // Nothing selected after reset: the MF is current, no EF.
  EXPECT_EQ(s.sw("00 B0 00 00 00"), "6986");
  ASSERT_EQ(s.sw("00 A4 08 0C 04 DF01 4035"), "9000");  // 1024 bytes: a multiple of 256
  // Le=00 means 256. A 4-byte APDU never reaches a T=0 card (P3 is part of every header).
  EXPECT_EQ(s.tx("00 B0 00 00 00").data.size(), 256U);
  EXPECT_EQ(s.sw("00 B0 00 00"), "6700");
  EXPECT_EQ(s.tx("00 B0 03 00 00").data,
            Bytes(s.card.photo_file.begin() + 768, s.card.photo_file.end()));
  // At the end exactly, and far beyond: 6B00 "offset outside the EF".
  EXPECT_EQ(s.sw("00 B0 04 00 00"), "6B00");
  EXPECT_EQ(s.sw("00 B0 7F FF 01"), "6B00");
  // A short read inside the file is fine; one byte too many is 6Cxx with the exact count.
  EXPECT_EQ(s.tx("00 B0 03 FE 02").data,
            Bytes(s.card.photo_file.end() - 2, s.card.photo_file.end()));
  EXPECT_EQ(s.sw("00 B0 03 FE 03"), "6C02");
  // P1 bit 8 must be 0 (no short EF identifier): 6B00. Data in a case 2 command: 6700.
  EXPECT_EQ(s.sw("00 B0 80 00 01"), "6B00");
  EXPECT_EQ(s.sw("00 B0 00 00 01 00"), "6700");
}

// ---------------------------------------------------------------------------------------
// GET CARD DATA (1.7 §6.9, 1.8 §6.14)

TEST_P(VcardApplet, GetCardDataLegacyForm) {
  CardSession s(GetParam());
  const Reply reply = s.tx("80 E4 00 00 1C");
  EXPECT_EQ(reply.sw, "9000");
  EXPECT_EQ(reply.data, s.card.card_data);
  // Byte 21 is the applet version: how a host tells 1.7 from 1.8.
  EXPECT_EQ(reply.data[21], GetParam() == AppletVersion::v1_7 ? 0x17 : 0x18);
  // Any other Le: 6C1C, the exact length. Other P1: 6B00. ISO CLA 00 for this INS: 6E00.
  EXPECT_EQ(s.sw("80 E4 00 00 00"), "6C1C");
  EXPECT_EQ(s.sw("80 E4 00 00 10"), "6C1C");
  EXPECT_EQ(s.sw("80 E4 00 00"), "6700");  // no P3: never on T=0
  EXPECT_EQ(s.sw("80 E4 01 00 1C"), "6B00");
  EXPECT_EQ(s.sw("00 E4 00 00 1C"), "6E00");
}

TEST(VcardGetCardData, Applet18AppendsPinTriesWithP2Is01) {
  CardSession s(AppletVersion::v1_8);
  // 80 E4 00 01 1F: the 28 bytes, then PIN tries left, then two RFU bytes FF (Tables 45-47).
  Reply reply = s.tx("80 E4 00 01 1F");
  EXPECT_EQ(reply.sw, "9000");
  Bytes expected = s.card.card_data;
  expected.insert(expected.end(), {0x03, 0xFF, 0xFF});
  EXPECT_EQ(reply.data, expected);
  // The byte follows the counter.
  EXPECT_EQ(s.sw(verify_apdu("9999")), "63C2");
  reply = s.tx("80 E4 00 01 1F");
  EXPECT_EQ(reply.data[28], 0x02);
  EXPECT_EQ(s.sw("80 E4 00 01 1C"), "6C1F");
  EXPECT_EQ(s.sw("80 E4 00 02 1F"), "6B00");
}

TEST(VcardGetCardData, Applet17KnowsOnlyP2Is00) {
  CardSession s(AppletVersion::v1_7);
  EXPECT_EQ(s.sw("80 E4 00 01 1F"), "6B00");
}

// ---------------------------------------------------------------------------------------
// VERIFY (1.7 §6.5, 1.8 §6.9)

TEST_P(VcardApplet, WrongPinsCountDownThenBlock) {
  CardSession s(GetParam());
  // Lc=0: the status, without using a try: not verified, 3 tries.
  EXPECT_EQ(s.sw("00 20 00 01 00"), "63C3");
  EXPECT_EQ(s.sw(verify_apdu("9999")), "63C2");
  EXPECT_EQ(s.sw(verify_apdu("12345")), "63C1");
  // The status query still says 1 try and does not use it; a 4-byte VERIFY is refused on T=0.
  EXPECT_EQ(s.sw("00 20 00 01 00"), "63C1");
  EXPECT_EQ(s.sw("00 20 00 01"), "6700");
  // The last try: 63C0, and from then on 6983 "authentication method blocked", even for the
  // right PIN and for the status query.
  EXPECT_EQ(s.sw(verify_apdu("0000")), "63C0");
  EXPECT_EQ(s.sw(verify_apdu("1234")), "6983");
  EXPECT_EQ(s.sw("00 20 00 01 00"), "6983");
  EXPECT_EQ(s.applet.pin_tries_left(), 0);
  // A reset keeps the counter (it is in EEPROM).
  s.applet.reset();
  EXPECT_EQ(s.sw(verify_apdu("1234")), "6983");
}

TEST_P(VcardApplet, RightPinRestoresTheCounterAndGrantsTheRight) {
  CardSession s(GetParam());
  EXPECT_EQ(s.sw(verify_apdu("1111")), "63C2");
  EXPECT_EQ(s.sw(verify_apdu("1234")), "9000");
  EXPECT_EQ(s.sw("00 20 00 01 00"), "9000");  // verified
  EXPECT_EQ(s.applet.pin_tries_left(), 3);
  // A wrong PIN afterwards drops the right (§5.1) and starts again from 3 tries.
  EXPECT_EQ(s.sw(verify_apdu("1111")), "63C2");
  EXPECT_EQ(s.sw("00 20 00 01 00"), "63C2");
}

TEST_P(VcardApplet, MalformedVerifyDoesNotUseATry) {
  CardSession s(GetParam());
  EXPECT_EQ(s.sw("00 20 00 01 07 24 12 34 FF FF FF FF"), "6700");     // Lc neither 00 nor 08
  EXPECT_EQ(s.sw("00 20 00 01 08 24 12 34 FF"), "6700");              // Lc says 8, 4 bytes follow
  EXPECT_EQ(s.sw("00 20 00 01 08"), "6700");                          // P3=08 and no data
  EXPECT_EQ(s.sw("00 20 00 02 08 24 12 34 FF FF FF FF FF"), "6A88");  // no PIN 02
  EXPECT_EQ(s.sw("00 20 01 01 08 24 12 34 FF FF FF FF FF"), "6A86");  // P1 must be 00
  EXPECT_EQ(s.sw("00 20 00 01 00"), "63C3");
  // A well-sized block in a wrong format is compared like any other: a wrong PIN.
  EXPECT_EQ(s.sw("00 20 00 01 08 12 34 FF FF FF FF FF FF"), "63C2");
}

TEST_P(VcardApplet, ProfileCanStartBlocked) {
  CardSession s(GetParam(), TestCardOptions{"1234", 0, true, "", "", ""});
  EXPECT_EQ(s.sw("00 20 00 01 00"), "6983");
  EXPECT_EQ(s.sw(verify_apdu("1234")), "6983");
}

// ---------------------------------------------------------------------------------------
// CHANGE REFERENCE DATA (1.7 §6.6, 1.8 §6.10)

TEST_P(VcardApplet, ChangesThePin) {
  CardSession s(GetParam());
  const auto change = [](std::string_view old_pin, const Bytes& new_block) {
    Bytes apdu = hex("00 24 00 01 10");
    const Bytes old_block = pin_block(old_pin);
    apdu.insert(apdu.end(), old_block.begin(), old_block.end());
    apdu.insert(apdu.end(), new_block.begin(), new_block.end());
    return apdu;
  };
  EXPECT_EQ(s.sw(change("1234", hex("25 12 34 5F FF FF FF FF"))), "9000");
  EXPECT_EQ(s.sw("00 20 00 01 00"), "9000");  // the right is granted
  EXPECT_EQ(s.sw(verify_apdu("1234")), "63C2");
  EXPECT_EQ(s.sw(verify_apdu("12345")), "9000");
  // New block not in the §3.2 format: 6A80, no try used. Wrong old PIN: a try used.
  EXPECT_EQ(s.sw(change("12345", hex("21 12 FF FF FF FF FF FF"))), "6A80");
  EXPECT_EQ(s.sw(change("11111", pin_block("4321"))), "63C2");
  EXPECT_EQ(s.sw("00 24 00 01 08 24 12 34 FF FF FF FF FF"), "6700");
}

// ---------------------------------------------------------------------------------------
// MSE SET + PSO COMPUTE DIGITAL SIGNATURE + GET RESPONSE

TEST(VcardSignature, Applet18Es384WithTheAuthenticationKey) {
  CardSession s(AppletVersion::v1_8);
  // Read the authentication certificate off the card: its key verifies what follows.
  ASSERT_EQ(s.sw(select_auth_cert), "9000");
  std::vector<std::string> statuses;
  const Pkey certificate_key = certificate_public_key(read_whole_file(s, statuses));
  const Bytes hash = digest(EVP_sha384(), "origin hash || challenge hash");
  ASSERT_EQ(hash.size(), 48U);

  // MSE SET: algorithm 02 = ECDSA SHA-384 (1.8 Table 14), key 82 = authentication.
  EXPECT_EQ(s.sw("00 22 41 B6 05 04 80 02 84 82"), "9000");
  // No PIN yet: 6982 security status not satisfied.
  EXPECT_EQ(s.sw(pso(hash)), "6982");
  EXPECT_EQ(s.sw(verify_apdu("1234")), "9000");
  // 96 bytes of r||s wait behind 6160.
  EXPECT_EQ(s.sw(pso(hash)), "6160");
  const Reply signature = s.tx(get_response(0x60));
  EXPECT_EQ(signature.sw, "9000");
  ASSERT_EQ(signature.data.size(), 96U);  // plain r||s, not DER
  EXPECT_TRUE(verify_ecdsa_plain(certificate_key, hash, signature.data));

  // "PIN once" (§5.1.1): the next signature needs no new VERIFY. Le=00 (256) is more than
  // the 96 bytes waiting: 6C60, and the data still waits for a GET RESPONSE with Le=60.
  EXPECT_EQ(s.sw(pso(hash)), "6160");
  EXPECT_EQ(s.sw(get_response(0x00)), "6C60");
  const Reply second = s.tx(get_response(0x60));
  EXPECT_EQ(second.sw, "9000");
  EXPECT_TRUE(verify_ecdsa_plain(certificate_key, hash, second.data));
  EXPECT_NE(second.data, signature.data);  // ECDSA: a fresh random k each time

  // A signature can be fetched in pieces: 20 bytes then 61 with the 76 left.
  EXPECT_EQ(s.sw(pso(hash)), "6160");
  const Reply first_part = s.tx(get_response(0x20));
  EXPECT_EQ(first_part.sw, "6140");
  const Reply second_part = s.tx(get_response(0x40));
  EXPECT_EQ(second_part.sw, "9000");
  Bytes joined = first_part.data;
  joined.insert(joined.end(), second_part.data.begin(), second_part.data.end());
  EXPECT_TRUE(verify_ecdsa_plain(certificate_key, hash, joined));
  // Nothing left: 6985.
  EXPECT_EQ(s.sw(get_response(0x60)), "6985");

  // The case 4 form with Le=00 is accepted too.
  Bytes with_le = pso(hash);
  with_le.push_back(0x00);
  EXPECT_EQ(s.sw(with_le), "6160");
  // Any other command in between discards the waiting signature (T=0).
  EXPECT_EQ(s.sw("80 E4 00 00 1C"), "9000");
  EXPECT_EQ(s.sw(get_response(0x60)), "6985");

  // LOG OFF ends the PIN right: 6982 again.
  EXPECT_EQ(s.sw(log_off), "9000");
  EXPECT_EQ(s.sw(pso(hash)), "6982");
  EXPECT_EQ(s.applet.signature_count(), 4U);
}

TEST(VcardSignature, Applet18HashLengthsPerAlgorithm) {
  CardSession s(AppletVersion::v1_8);
  ASSERT_EQ(s.sw(verify_apdu("1234")), "9000");
  const Pkey& key = s.card.auth_key;
  // Each algorithm reference with its hash length (1.8 Table 42), and one byte off: 6700.
  const struct {
    const char* mse;
    std::size_t length;
  } cases[] = {{"00 22 41 B6 05 04 80 01 84 82", 32}, {"00 22 41 B6 05 04 80 02 84 82", 48},
               {"00 22 41 B6 05 04 80 04 84 82", 64}, {"00 22 41 B6 05 04 80 08 84 82", 32},
               {"00 22 41 B6 05 04 80 10 84 82", 48}, {"00 22 41 B6 05 04 80 20 84 82", 64}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.mse);
    ASSERT_EQ(s.sw(c.mse), "9000");
    const Bytes hash(c.length, 0x5A);
    EXPECT_EQ(s.sw(pso(hash)), "6160");
    const Reply signature = s.tx(get_response(0x60));
    EXPECT_TRUE(verify_ecdsa_plain(key, hash, signature.data));
    EXPECT_EQ(s.sw(pso(Bytes(c.length - 1, 0x5A))), "6700");
  }
  // 40 = hash not specified: 20, 28, 32, 48 or 64 bytes; nothing else.
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 40 84 82"), "9000");
  for (const std::size_t length : {20U, 28U, 32U, 48U, 64U}) {
    const Bytes hash(length, 0xA5);
    EXPECT_EQ(s.sw(pso(hash)), "6160") << length;
    // ECDSA with a 64-byte hash on P-384 uses its leftmost 48 bytes, as OpenSSL does.
    EXPECT_TRUE(verify_ecdsa_plain(key, hash, s.tx(get_response(0x60)).data)) << length;
  }
  EXPECT_EQ(s.sw(pso(Bytes(33, 0xA5))), "6700");
}

TEST(VcardSignature, Applet17Rs256Ps256AndCallerDigestInfo) {
  CardSession s(AppletVersion::v1_7);
  ASSERT_EQ(s.sw(select_auth_cert), "9000");
  std::vector<std::string> statuses;
  const Pkey certificate_key = certificate_public_key(read_whole_file(s, statuses));
  const Bytes hash = digest(EVP_sha256(), "challenge");
  ASSERT_EQ(s.sw(verify_apdu("1234")), "9000");

  // 08 = RSASSA-PKCS1-v1.5 SHA-256 (1.7 Table 11): the card adds the DigestInfo. 256 bytes
  // wait behind 6100 (00 = 256) and come with GET RESPONSE Le=00.
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 08 84 82"), "9000");
  EXPECT_EQ(s.sw(pso(hash)), "6100");
  Reply signature = s.tx(get_response(0x00));
  EXPECT_EQ(signature.sw, "9000");
  ASSERT_EQ(signature.data.size(), 256U);
  EXPECT_TRUE(verify_rsa_pkcs1(certificate_key, EVP_sha256(), hash, signature.data));
  EXPECT_EQ(s.sw(pso(Bytes(20, 0x01))), "6700");  // SHA-256 means 32 bytes

  // 20 = RSASSA-PSS SHA-256, salt of 32 bytes (1.7 §1.7).
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 20 84 82"), "9000");
  EXPECT_EQ(s.sw(pso(hash)), "6100");
  signature = s.tx(get_response(0x00));
  EXPECT_TRUE(verify_rsa_pss(certificate_key, EVP_sha256(), hash, signature.data));

  // 01 = PKCS#1 v1.5 over the caller's DigestInfo (here SHA-256's): the same signature as 08.
  Bytes digest_info = hex("30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
  digest_info.insert(digest_info.end(), hash.begin(), hash.end());
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 01 84 82"), "9000");
  EXPECT_EQ(s.sw(pso(digest_info)), "6100");
  signature = s.tx(get_response(0x00));
  EXPECT_TRUE(verify_rsa_pkcs1(certificate_key, EVP_sha256(), hash, signature.data));
  // At most 245 bytes of DigestInfo for RSA-2048 (§6.8).
  EXPECT_EQ(s.sw(pso(Bytes(246, 0x01))), "6700");

  // 02 = SHA-1 (20 bytes), 04 = MD5 (16 bytes), 10 = PSS SHA-1.
  const Bytes sha1 = digest(EVP_sha1(), "challenge");
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 02 84 82"), "9000");
  EXPECT_EQ(s.sw(pso(sha1)), "6100");
  EXPECT_TRUE(verify_rsa_pkcs1(certificate_key, EVP_sha1(), sha1, s.tx(get_response(0)).data));
  const Bytes md5 = digest(EVP_md5(), "challenge");
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 04 84 82"), "9000");
  EXPECT_EQ(s.sw(pso(md5)), "6100");
  EXPECT_TRUE(verify_rsa_pkcs1(certificate_key, EVP_md5(), md5, s.tx(get_response(0)).data));
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 10 84 82"), "9000");
  EXPECT_EQ(s.sw(pso(sha1)), "6100");
  EXPECT_TRUE(verify_rsa_pss(certificate_key, EVP_sha1(), sha1, s.tx(get_response(0)).data));
}

TEST_P(VcardApplet, MseSetErrors) {
  CardSession s(GetParam());
  const bool v17 = GetParam() == AppletVersion::v1_7;
  // An algorithm reference of the other applet version, or none at all: 6A80.
  EXPECT_EQ(s.sw(v17 ? "00 22 41 B6 05 04 80 40 84 82" : "00 22 41 B6 05 04 80 80 84 82"), "6A80");
  EXPECT_EQ(s.sw("00 22 41 B6 05 04 80 00 84 82"), "6A80");
  // Wrong template: length byte, algorithm tag, key tag.
  EXPECT_EQ(s.sw("00 22 41 B6 05 05 80 02 84 82"), "6A80");
  EXPECT_EQ(s.sw("00 22 41 B6 05 04 81 02 84 82"), "6A80");
  EXPECT_EQ(s.sw("00 22 41 B6 05 04 80 02 83 82"), "6A80");
  // Keys that are not signature keys of this card: 6A88.
  EXPECT_EQ(s.sw("00 22 41 B6 05 04 80 02 84 84"), "6A88");
  EXPECT_EQ(s.sw("00 22 41 B6 05 04 80 02 84 81"), "6A88");
  // Lc other than 05: 6700. P1-P2 other than 41 B6: 6B00.
  EXPECT_EQ(s.sw("00 22 41 B6 04 04 80 02 84"), "6700");
  EXPECT_EQ(s.sw("00 22 41 B6"), "6700");
  EXPECT_EQ(s.sw("00 22 81 B6 05 04 80 02 84 82"), "6B00");
  EXPECT_EQ(s.sw("00 22 41 B8 05 04 80 02 84 82"), "6B00");
  // After a failed MSE no environment is set: PSO answers 6985.
  ASSERT_EQ(s.sw(verify_apdu("1234")), "9000");
  EXPECT_EQ(s.sw(pso(Bytes(32, 0x01))), "6985");
  // PSO with other P1-P2: 6B00; with no data: 6700.
  EXPECT_EQ(s.sw("00 2A 9E 9B 20" + std::string(64, '1')), "6B00");
  EXPECT_EQ(s.sw("00 2A 9E 9A"), "6700");
}

TEST_P(VcardApplet, NoSigningKeyOnAKidsCard) {
  CardSession s(GetParam(), TestCardOptions{"1234", 3, false, "", "", ""});
  // Key 83 is not on the card: 6A88 "referenced key not found".
  EXPECT_EQ(s.sw("00 22 41 B6 05 04 80 02 84 83"), "6A88");
}

// §5.1 "PIN just before" for the signing key 83: the VERIFY must come right before the
// signature on 1.7, with at most one command between on 1.8, and serves one signature only.
TEST(VcardSigningKey, Applet18AllowsOneCommandBetweenVerifyAndSignature) {
  CardSession s(AppletVersion::v1_8);
  const Bytes hash(48, 0x11);
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 02 84 83"), "9000");
  EXPECT_EQ(s.sw(verify_apdu("1234")), "9000");
  EXPECT_EQ(s.sw(pso(hash)), "6160");
  EXPECT_TRUE(verify_ecdsa_plain(s.card.sign_key, hash, s.tx(get_response(0x60)).data));
  // Once only: the next signature needs a new VERIFY.
  EXPECT_EQ(s.sw(pso(hash)), "6982");
  // VERIFY, one command, signature: allowed (§5.1.2).
  EXPECT_EQ(s.sw(verify_apdu("1234")), "9000");
  EXPECT_EQ(s.sw("80 E4 00 00 1C"), "9000");
  EXPECT_EQ(s.sw(pso(hash)), "6160");
  // VERIFY, two commands, signature: refused.
  EXPECT_EQ(s.sw(verify_apdu("1234")), "9000");
  EXPECT_EQ(s.sw("80 E4 00 00 1C"), "9000");
  EXPECT_EQ(s.sw("80 E4 00 00 1C"), "9000");
  EXPECT_EQ(s.sw(pso(hash)), "6982");
  // ... but that VERIFY stays good for the authentication key ("PIN once").
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 02 84 82"), "9000");
  EXPECT_EQ(s.sw(pso(hash)), "6160");
}

TEST(VcardSigningKey, Applet17NeedsTheVerifyRightBefore) {
  CardSession s(AppletVersion::v1_7);
  const Bytes hash(32, 0x22);
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 08 84 83"), "9000");
  EXPECT_EQ(s.sw(verify_apdu("1234")), "9000");
  EXPECT_EQ(s.sw(pso(hash)), "6100");
  EXPECT_TRUE(verify_rsa_pkcs1(s.card.sign_key, EVP_sha256(), hash, s.tx(get_response(0)).data));
  // Verify(PIN), Read, Sign(Keynon-rep) KO ... Sign(Keyauth) OK (§5.1 "PIN Mixed" mode).
  EXPECT_EQ(s.sw(verify_apdu("1234")), "9000");
  EXPECT_EQ(s.sw("80 E4 00 00 1C"), "9000");
  EXPECT_EQ(s.sw(pso(hash)), "6982");
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 08 84 82"), "9000");
  EXPECT_EQ(s.sw(pso(hash)), "6100");
}

TEST_P(VcardApplet, SigningKeySignatureSpendsTheVerifyForTheAuthenticationKey) {
  CardSession s(GetParam());
  const bool v17 = GetParam() == AppletVersion::v1_7;
  const Bytes hash(v17 ? 32 : 48, 0x33);
  const std::string alg = v17 ? "08" : "02";
  // Verify(PIN), Sign(Keynon-rep), ..., Sign(Keyauth) KO (§5.1 "PIN Mixed" mode).
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 " + alg + " 84 83"), "9000");
  EXPECT_EQ(s.sw(verify_apdu("1234")), "9000");
  EXPECT_EQ(s.sw(pso(hash)).substr(0, 2), "61");
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 " + alg + " 84 82"), "9000");
  EXPECT_EQ(s.sw(pso(hash)), "6982");
  // Verify(PIN), ..., Verify(PIN), Sign(Keynon-rep), ..., Sign(Keyauth): the first VERIFY
  // serves the authentication key.
  EXPECT_EQ(s.sw(verify_apdu("1234")), "9000");
  EXPECT_EQ(s.sw(verify_apdu("1234")), "9000");
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 " + alg + " 84 83"), "9000");
  if (v17) {
    // On 1.7 the MSE above was a command between VERIFY and signature: VERIFY again.
    EXPECT_EQ(s.sw(verify_apdu("1234")), "9000");
  }
  EXPECT_EQ(s.sw(pso(hash)).substr(0, 2), "61");
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 " + alg + " 84 82"), "9000");
  EXPECT_EQ(s.sw(pso(hash)).substr(0, 2), "61");
  // A wrong PIN drops every right (§5.1 note 2).
  EXPECT_EQ(s.sw(verify_apdu("0000")), "63C2");
  EXPECT_EQ(s.sw(pso(hash)), "6982");
}

// ---------------------------------------------------------------------------------------
// Reset, LOG OFF, class and instruction bytes, malformed APDUs

TEST_P(VcardApplet, ResetClearsPinStateEnvironmentAndSelection) {
  CardSession s(GetParam());
  ASSERT_EQ(s.sw(select_auth_cert), "9000");
  ASSERT_EQ(s.sw("00 22 41 B6 05 04 80 01 84 82"), "9000");
  ASSERT_EQ(s.sw(verify_apdu("1234")), "9000");
  EXPECT_TRUE(s.applet.pin_verified());
  s.applet.reset();
  EXPECT_FALSE(s.applet.pin_verified());
  EXPECT_EQ(s.sw("00 20 00 01 00"), "63C3");
  EXPECT_EQ(s.sw(pso(Bytes(32, 0x44))), "6985");  // no environment after reset
  EXPECT_EQ(s.sw("00 B0 00 00 10"), "6986");      // the MF is current again
  // Re-selecting the applet by AID starts afresh as well.
  ASSERT_EQ(s.sw(verify_apdu("1234")), "9000");
  ASSERT_EQ(s.sw(select_applet), "9000");
  EXPECT_EQ(s.sw("00 20 00 01 00"), "63C3");
}

TEST_P(VcardApplet, LogOff) {
  CardSession s(GetParam());
  ASSERT_EQ(s.sw(verify_apdu("1234")), "9000");
  EXPECT_EQ(s.sw(log_off), "9000");
  EXPECT_EQ(s.sw("00 20 00 01 00"), "63C3");
  EXPECT_EQ(s.sw("80 E6 00 00 00"), "9000");  // T=0 sends a case 1 APDU with P3=00
  EXPECT_EQ(s.sw("80 E6 00 01 00"), "6B00");
  EXPECT_EQ(s.sw("80 E6 00 00"), "6700");  // no P3 on T=0
  EXPECT_EQ(s.sw("80 E6 00 00 01 00"), "6700");
  EXPECT_EQ(s.sw("00 E6 00 00 00"), "6E00");
}

TEST_P(VcardApplet, ClassAndInstructionBytes) {
  CardSession s(GetParam());
  EXPECT_EQ(s.sw("00 12 00 00 00"), "6D00");  // no such instruction
  EXPECT_EQ(s.sw("80 12 00 00 00"), "6D00");
  EXPECT_EQ(s.sw("00 88 00 81 00"), "6D00");       // INTERNAL AUTHENTICATE: not implemented
  EXPECT_EQ(s.sw("10 A4 02 0C 02 3F00"), "6E00");  // class not supported
  EXPECT_EQ(s.sw("0C B0 00 00 01"), "6E00");       // secure messaging: not supported
  EXPECT_EQ(s.sw("FF B0 00 00 01"), "6E00");
  EXPECT_EQ(s.sw("01 A4 02 0C 02 3F00"), "6881");  // logical channel 1: Belpic is on 0 only
  EXPECT_EQ(s.sw("83 E4 00 00 1C"), "6881");
  EXPECT_EQ(s.sw("80 B0 00 00 01"), "6E00");  // an ISO instruction with the proprietary class
}

TEST_P(VcardApplet, MalformedApdusAnswer6700) {
  CardSession s(GetParam());
  EXPECT_EQ(s.tx(Bytes{}).sw, "6700");                     // nothing at all
  EXPECT_EQ(s.sw("00 A4 02"), "6700");                     // shorter than a header
  EXPECT_EQ(s.sw("00 B0 00 00 00 01 00"), "6700");         // extended length
  EXPECT_EQ(s.sw("00 A4 08 0C 06 3F00 DF00"), "6700");     // Lc longer than the data
  EXPECT_EQ(s.sw("00 A4 08 0C 02 3F00 DF00 50"), "6700");  // Lc shorter than the data
  EXPECT_EQ(s.sw("00 20 00 01 08 24 12 34 FF FF FF FF FF 00 00"), "6700");
  // The card is fine afterwards.
  EXPECT_EQ(s.sw(select_auth_cert), "9000");
  EXPECT_EQ(s.applet.apdu_count(), 7U);
}

// Random APDUs (fixed seed): no crash, always a status word. The libFuzzer target in
// tests/fuzz goes much further; this keeps a quick check in every build.
TEST_P(VcardApplet, RandomApdusAlwaysGetAStatusWord) {
  CardSession s(GetParam());
  std::mt19937 random(20240601);
  const std::uint8_t interesting_ins[] = {0xA4, 0xB0, 0x20, 0x24, 0x22, 0x2A, 0xC0, 0xE4, 0xE6};
  for (int i = 0; i < 20000; ++i) {
    Bytes apdu(random() % 24);
    for (auto& byte : apdu) {
      byte = static_cast<std::uint8_t>(random());
    }
    if (apdu.size() >= 2) {
      apdu[0] = (random() % 2 == 0) ? 0x00 : 0x80;
      apdu[1] = interesting_ins[random() % sizeof interesting_ins];
    }
    if (apdu.size() > 5 && random() % 2 == 0) {
      apdu[4] = static_cast<std::uint8_t>(apdu.size() - 5);  // a consistent Lc
    }
    ASSERT_GE(s.applet.transmit(apdu).size(), 2U);
    if (i % 1000 == 0) {
      s.applet.reset();
    }
  }
}

// ---------------------------------------------------------------------------------------
// Speed in process: what the card costs before any transport (recorded in the test log).

// Time per APDU in process: bench/virtual_card_bench.cpp (not timed here).

// ---------------------------------------------------------------------------------------
// As strict as a real card about the transmission protocol, and a card of another kind.

TEST(VcardStrict, T0RefusesFourByteCase1CommandsAndT1TakesThem) {
  CardSession t0(AppletVersion::v1_8);
  EXPECT_EQ(t0.sw("80 E6 00 00"), "6700");     // LOG OFF without P3
  EXPECT_EQ(t0.sw("00 20 00 01"), "6700");     // VERIFY status without P3
  EXPECT_EQ(t0.sw("80 E6 00 00 00"), "9000");  // with P3 = 00, as eid-mw and OpenSC send them
  EXPECT_EQ(t0.sw("00 20 00 01 00"), "63C3");
  TestCardOptions t1_options;
  t1_options.atr = "3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A";
  t1_options.protocol = "T=1";
  CardSession t1(AppletVersion::v1_8, t1_options);
  EXPECT_EQ(t1.sw("80 E6 00 00"), "9000");
  EXPECT_EQ(t1.sw("00 20 00 01"), "63C3");
  EXPECT_EQ(t1.applet.atr().size(), 20U);
}

TEST(VcardStrict, ACardWithoutTheBelpicAppletKnowsNoneOfItsCommands) {
  TestCardOptions options;
  options.applet = "none";
  CardSession s(AppletVersion::v1_8, options);
  EXPECT_EQ(s.sw("00 A4 04 0C 0C A0 00 00 01 77 50 4B 43 53 2D 31 35"), "6A82");
  EXPECT_EQ(s.sw(select_applet), "6A82");
  EXPECT_EQ(s.sw("00 A4 08 0C 06 3F00 DF00 5038"), "6A82");
  EXPECT_EQ(s.sw("80 E4 00 00 1C"), "6D00");
  EXPECT_EQ(s.applet.apdu_count(), 4U);
}

// The PKCS#15 files answer as the card's: full paths from the MF, ALW read (content spec §4.3).
TEST_P(VcardApplet, Pkcs15DirectoryFilesAreReadable) {
  CardSession s(GetParam());
  ASSERT_EQ(s.sw("00 A4 08 0C 06 3F00 DF00 5031"), "9000");
  // EF(ODF), content spec §5.3.2, byte for byte.
  EXPECT_EQ(to_hex(s.tx("00 B0 00 00 24").data),
            "A00A300804063F00DF005035A40A300804063F00DF005037A80A300804063F00DF005034");
  EXPECT_EQ(s.sw("00 B0 00 00 25"), "6C24");
  ASSERT_EQ(s.sw("00 A4 08 0C 06 3F00 DF00 5032"), "9000");
  // EF(TokenInfo), §5.3.1: 30 27, version 0, the chip serial (GET CARD DATA bytes 0-15).
  const Bytes token_info = s.tx("00 B0 00 00 29").data;
  ASSERT_EQ(token_info.size(), 0x29U);
  EXPECT_EQ(to_hex(Bytes(token_info.begin(), token_info.begin() + 7)), "30270201000410");
  EXPECT_EQ(Bytes(token_info.begin() + 7, token_info.begin() + 23),
            Bytes(s.card.card_data.begin(), s.card.card_data.begin() + 16));
  // EF(AODF), §5.3.3, byte for byte.
  ASSERT_EQ(s.sw("00 A4 08 0C 06 3F00 DF00 5034"), "9000");
  EXPECT_EQ(to_hex(s.tx("00 B0 00 00 35").data),
            "3033300F0C0942617369632050494E030206C0300304010"
            "1A11B30190302020C0A0100020104020108800101040"
            "1FF300404023F00");
}

}  // namespace

}  // namespace saferchat::vcard::testing
