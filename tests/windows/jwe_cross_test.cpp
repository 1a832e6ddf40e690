// SPDX-License-Identifier: Apache-2.0
// Sealed tokens across builds: what the Windows build's sealing code (CNG, jwe-tool.exe under
// Wine, tests/windows/jwe_tool.cpp) makes, the Linux build's code (OpenSSL, wire/jwe.hpp as the
// verifier opens tokens) opens, on both curves; tampered ones are refused. Built by the Linux
// build, run by the windows preset (windows.jwe_cross_test) with SAFERCHAT_TEST_JWE_TOOL naming
// the Wine launcher of jwe-tool.exe.
//
// Wine 8.0's bcrypt has no ECDH key agreement and no curve25519 (docs/windows.md), so the
// shared secret Z comes from the recipient's side of ECDH-ES here (RFC 7518 §4.6: both sides
// compute the same Z): on P-256 from the ephemeral key that CNG generated, on X25519 from one
// OpenSSL generated. Everything after the agreement (Concat KDF over BCryptHash, AES-256-GCM,
// the IV from BCryptGenRandom, the header, the serialisation) is the Windows build's.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "wire/jwe.hpp"

namespace saferchat::jwe {
namespace {

using nlohmann::json;
using Bytes = std::vector<std::uint8_t>;

struct ToolResult {
  int status = -1;
  std::string out;
  std::string err;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(std::filesystem::file_size(path)), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  return text;
}

// Runs jwe-tool.exe under Wine with `input` on its standard input.
ToolResult run_tool(const std::string& command, const std::string& input) {
  const char* tool = std::getenv("SAFERCHAT_TEST_JWE_TOOL");
  if (tool == nullptr) {
    ADD_FAILURE() << "SAFERCHAT_TEST_JWE_TOOL is not set (run by the windows preset's ctest)";
    return {};
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("saferchat-jwe-cross-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "in", std::ios::binary) << input;
  const std::string shell = "'" + std::string(tool) + "' " + command + " <'" +
                            (dir / "in").string() + "' >'" + (dir / "out").string() + "' 2>'" +
                            (dir / "err").string() + "'";
  const int status = std::system(shell.c_str());  // NOLINT(cert-env33-c): a test's own tool
  ToolResult result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(dir / "out"),
                    read_file(dir / "err")};
  std::filesystem::remove_all(dir);
  return result;
}

// A web-eid:1.0 token (docs/protocol.md §4.3) of a real token's size, with non-ASCII text.
std::string token_json() {
  std::string certificate;
  for (int i = 0; certificate.size() < 1600; ++i) {
    certificate += "MIIGfzCCBGegAwIBAgIQ" + std::to_string(i);
  }
  return json{{"format", "web-eid:1.0"},
              {"unverifiedCertificate", certificate},
              {"algorithm", "ES384"},
              {"signature", std::string(128, 'S')},
              {"appVersion", "https://saferchat.example/host/1.0 (Windows; Zoë)"}}
      .dump();
}

std::string with_part(const std::string& compact, std::size_t index, const std::string& part) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot = 0; (dot = compact.find('.', start)) != std::string::npos;
       start = dot + 1) {
    parts.push_back(compact.substr(start, dot - start));
  }
  parts.push_back(compact.substr(start));
  parts.at(index) = part;
  std::string out = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) {
    out += "." + parts[i];
  }
  return out;
}

std::string open_error(const std::string& compact, const PrivateKey& key) {
  try {
    static_cast<void>(open(parse_compact(compact), key));
  } catch (const JweError& e) {
    return e.what();
  }
  return "opened";
}

// Opens `compact` with `recipient` and refuses it with a flipped bit in the ciphertext or the
// tag, or a header serialised otherwise.
void expect_opens_and_refuses_tampering(const std::string& compact, const PrivateKey& recipient,
                                        const std::string& plaintext) {
  const CompactJwe parsed = parse_compact(compact);
  EXPECT_EQ(open(parsed, recipient), plaintext);
  const std::string refused =
      "the JWE does not decrypt: wrong key, or tampered header, IV, ciphertext or tag";
  Bytes ciphertext = parsed.ciphertext;
  ciphertext.at(ciphertext.size() / 2) ^= 0x01;
  EXPECT_EQ(open_error(with_part(compact, 3, base64url_encode(ciphertext)), recipient), refused);
  Bytes tag = parsed.tag;
  tag.at(0) ^= 0x80;
  EXPECT_EQ(open_error(with_part(compact, 4, base64url_encode(tag)), recipient), refused);
  const std::string header = parsed.header.dump(1);
  EXPECT_EQ(
      open_error(with_part(compact, 0,
                           base64url_encode({reinterpret_cast<const std::uint8_t*>(header.data()),
                                             header.size()})),
                 recipient),
      refused);
  EXPECT_EQ(open_error(compact, PrivateKey::generate(recipient.curve(), recipient.kid())), refused);
}

json epk_members(json jwk) {
  for (const char* member : {"kid", "use", "alg"}) {
    jwk.erase(member);
  }
  return jwk;
}

TEST(JweCross, P256SealedByTheWindowsBuildOpensWithOpenSsl) {
  const PrivateKey recipient = PrivateKey::generate(Curve::p256, "chat-2026-12");
  const ToolResult epk_run = run_tool("epk", "");
  ASSERT_EQ(epk_run.status, 0) << epk_run.err;
  const json epk = json::parse(epk_run.out);
  EXPECT_EQ(epk["kty"], "EC");
  EXPECT_EQ(epk["crv"], "P-256");
  EXPECT_EQ(epk.size(), 4U) << epk.dump();  // kty, crv, x, y: no "d"
  // OpenSSL checks that CNG's key is a point of P-256 (SP 800-56A §5.6.2.3.3).
  json named = epk;
  named["kid"] = "ephemeral";
  const PublicJwk ephemeral = PublicJwk::from_json(named);
  const Bytes z = ecdh(recipient.key(), ephemeral.key());

  const std::string plaintext = token_json();
  const json request = {
      {"kid", recipient.kid()}, {"epk", epk}, {"z", base64url_encode(z)}, {"plaintext", plaintext}};
  const ToolResult first = run_tool("seal-secret", request.dump());
  ASSERT_EQ(first.status, 0) << first.err;
  const CompactJwe parsed = parse_compact(first.out);
  EXPECT_EQ(header_kid(parsed), "chat-2026-12");
  EXPECT_EQ(parsed.header["epk"], epk);
  expect_opens_and_refuses_tampering(first.out, recipient, plaintext);

  // A fresh IV each time (BCryptGenRandom).
  const ToolResult second = run_tool("seal-secret", request.dump());
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_NE(parse_compact(second.out).iv, parsed.iv);
  EXPECT_EQ(open(parse_compact(second.out), recipient), plaintext);
}

TEST(JweCross, X25519SealedByTheWindowsBuildOpensWithOpenSsl) {
  const PrivateKey recipient = PrivateKey::generate(Curve::x25519, "chat-2026-06");
  const PrivateKey ephemeral = PrivateKey::generate(Curve::x25519, "ephemeral");
  const Bytes z = ecdh(recipient.key(), ephemeral.public_jwk().key());
  const json epk = epk_members(ephemeral.public_jwk().to_json());
  const std::string plaintext = token_json();
  const ToolResult sealed = run_tool("seal-secret", json{{"kid", recipient.kid()},
                                                         {"epk", epk},
                                                         {"z", base64url_encode(z)},
                                                         {"plaintext", plaintext}}
                                                        .dump());
  ASSERT_EQ(sealed.status, 0) << sealed.err;
  EXPECT_EQ(parse_compact(sealed.out).header["epk"], epk);
  expect_opens_and_refuses_tampering(sealed.out, recipient, plaintext);
}

// The whole sealing as the host does it. Under Wine 8.0 it cannot agree on a key: it must then
// fail with the key agreement's sentence and write nothing; with a bcrypt that can, what it
// writes must open.
TEST(JweCross, TheHostsWholeSealingOpensOrFailsClosed) {
  for (const Curve curve : {Curve::p256, Curve::x25519}) {
    const PrivateKey recipient = PrivateKey::generate(curve, "chat-2026-12");
    const std::string plaintext = token_json();
    const ToolResult sealed = run_tool(
        "seal", json{{"key", recipient.public_jwk().to_json()}, {"plaintext", plaintext}}.dump());
    if (sealed.status == 0) {
      expect_opens_and_refuses_tampering(sealed.out, recipient, plaintext);
      continue;
    }
    EXPECT_EQ(sealed.status, 1);
    EXPECT_EQ(sealed.out, "");
    EXPECT_EQ(sealed.err,
              curve == Curve::p256
                  ? "key agreement failed\n"
                  : "X25519 is not available in this Windows (CNG curve25519 needs Windows 10)\n");
  }
}

}  // namespace
}  // namespace saferchat::jwe
