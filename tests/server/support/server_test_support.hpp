// SPDX-License-Identifier: Apache-2.0
// Test material for the verifier: the generated TEST cards and PKI (virtual-card/profiles/
// make_test_cards.sh), tokens signed with the cards' real keys exactly as the card signs
// (H(H(origin) ‖ H(nonce)), docs/protocol.md §4.3), certificates issued in the test by the test
// CAs, and child processes (openssl ocsp, redis-server) with their output read line by line.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "verify/certificates.hpp"
#include "verify/reason.hpp"
#include "verify/token.hpp"
#include "wire/token.hpp"

namespace saferchat::verify {
// GoogleTest prints reasons by their code.
inline void PrintTo(Reason reason, std::ostream* out) { *out << reason_code(reason); }
}  // namespace saferchat::verify

namespace saferchat::testing {

namespace fs = std::filesystem;

// In a forked child: runs argv[0] from the PATH with argv, or exits 127.
[[noreturn]] inline void exec_or_exit(std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (std::string& arg : argv) {
    args.push_back(arg.data());
  }
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  ::_exit(127);
}

inline std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw std::runtime_error("cannot read " + path.string());
  }
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

inline void write_file(const fs::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
}

inline std::vector<std::uint8_t> bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

// A temporary directory removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "saferchat-server-test") {
    std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }
  [[nodiscard]] fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// ---------------------------------------------------------------------------------------------
// Keys, certificates, tokens
// ---------------------------------------------------------------------------------------------

inline verify::EvpPkeyPtr load_private_key(const fs::path& path) {
  const std::string pem = read_file(path);
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  verify::EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    throw std::runtime_error("cannot parse key " + path.string());
  }
  return key;
}

// "P-256", "P-384", "P-521" or "RSA2048" / "RSA3072" / "RSA1024".
inline verify::EvpPkeyPtr generate_key(const std::string& kind) {
  EVP_PKEY* key = nullptr;
  if (kind.starts_with("RSA")) {
    key =
        EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(std::stoul(kind.substr(3))));
  } else {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", kind.c_str());
  }
  if (key == nullptr) {
    throw std::runtime_error("key generation failed: " + kind);
  }
  return verify::EvpPkeyPtr(key);
}

inline verify::X509Ptr load_certificate_pem(const fs::path& path) {
  auto certificates = verify::parse_pem_certificates(read_file(path));
  if (certificates.empty()) {
    throw std::runtime_error("no certificate in " + path.string());
  }
  return std::move(certificates.front());
}

inline std::string to_pem(const X509* certificate) {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), certificate);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(length)};
}

// The DER certificate at the start of a card's certificate file (padded with zero bytes,
// make_test_cards.sh): its length comes from the DER header.
inline std::vector<std::uint8_t> certificate_from_card_file(const fs::path& path) {
  const std::string file = read_file(path);
  const auto* cursor = reinterpret_cast<const unsigned char*>(file.data());
  const verify::X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(file.size())));
  if (!certificate) {
    throw std::runtime_error("no certificate in " + path.string());
  }
  const auto used =
      static_cast<std::size_t>(cursor - reinterpret_cast<const unsigned char*>(file.data()));
  return {file.begin(), file.begin() + static_cast<std::ptrdiff_t>(used)};
}

// The signature a card (or another Web eID host) puts into a token: over
// H(origin) ‖ H(nonce) with the algorithm's hash, ECDSA as raw r ‖ s (RFC 7518 §3.4), PSS with
// salt = hash length (§3.5).
inline std::vector<std::uint8_t> sign_token_data(EVP_PKEY* key, verify::TokenAlgorithm algorithm,
                                                 const std::string& origin,
                                                 const std::string& nonce) {
  const std::vector<std::uint8_t> data = verify::signed_data(algorithm, origin, nonce);
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pctx, verify::algorithm_digest(algorithm), nullptr, key) !=
      1) {
    throw std::runtime_error("EVP_DigestSignInit failed");
  }
  const std::string_view name = verify::jwa_name(algorithm);
  if (name.starts_with("PS")) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  std::size_t length = 0;
  EVP_DigestSign(ctx.get(), nullptr, &length, data.data(), data.size());
  std::vector<std::uint8_t> signature(length);
  if (EVP_DigestSign(ctx.get(), signature.data(), &length, data.data(), data.size()) != 1) {
    throw std::runtime_error("EVP_DigestSign failed");
  }
  signature.resize(length);
  if (!name.starts_with("ES")) {
    return signature;
  }
  // DER ECDSA-Sig-Value → raw r ‖ s, each left-padded to the field size.
  const auto field = static_cast<std::size_t>((EVP_PKEY_get_bits(key) + 7) / 8);
  const unsigned char* cursor = signature.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(signature.size()));
  std::vector<std::uint8_t> raw(2 * field);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), static_cast<int>(field));
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + field, static_cast<int>(field));
  ECDSA_SIG_free(sig);
  return raw;
}

// A token as the host makes it (docs/protocol.md §4.3), with any algorithm name.
inline nlohmann::json make_token_json(const std::vector<std::uint8_t>& certificate_der,
                                      const std::string& algorithm_name,
                                      const std::vector<std::uint8_t>& signature) {
  return {{"unverifiedCertificate", base64_encode(certificate_der)},
          {"algorithm", algorithm_name},
          {"signature", base64_encode(signature)},
          {"format", "web-eid:1.0"},
          {"appVersion", "https://saferchat.be/host/0.1.0"}};
}

inline std::string make_token(const std::vector<std::uint8_t>& certificate_der, EVP_PKEY* key,
                              verify::TokenAlgorithm algorithm, const std::string& origin,
                              const std::string& nonce) {
  return make_token_json(certificate_der, std::string(verify::jwa_name(algorithm)),
                         sign_token_data(key, algorithm, origin, nonce))
      .dump();
}

// Check digits of a national register number (NOTES §2) for YYMMDD + counter; `born_2000s`
// selects the "2" prefix rule.
inline std::string national_number(const std::string& yymmdd, int counter, bool born_2000s) {
  char first9[16];
  std::snprintf(first9, sizeof first9, "%s%03d", yymmdd.c_str(), counter);
  long long value = std::stoll(first9);
  if (born_2000s) {
    value += 2'000'000'000LL;
  }
  const int check = static_cast<int>(97 - value % 97);
  return std::string(first9) + static_cast<char>('0' + check / 10) +
         static_cast<char>('0' + check % 10);
}

struct CertificateSpec {
  std::string given_names = "Test";
  std::string surname = "Kind";
  std::string serial_number;  // the national number (empty: no serialNumber attribute)
  std::string key_usage = "critical, digitalSignature";
  std::string extended_key_usage = "clientAuth";  // empty: none
  std::string basic_constraints = "critical, CA:FALSE";
  std::string extra_name;  // e.g. "O=TEST other"
  std::chrono::system_clock::time_point not_before =
      std::chrono::system_clock::now() - std::chrono::hours(24 * 30);
  std::chrono::system_clock::time_point not_after =
      std::chrono::system_clock::now() + std::chrono::hours(24 * 365);
  std::string ocsp_url;     // authorityInfoAccess OCSP
  std::string common_name;  // default "<given> <surname> (Authentication)"
};

// Issues a certificate for `subject_key` from `issuer` (self-signed if issuer is null).
inline verify::X509Ptr issue_certificate(const CertificateSpec& spec, EVP_PKEY* subject_key,
                                         X509* issuer, EVP_PKEY* issuer_key) {
  verify::X509Ptr certificate(X509_new());
  X509_set_version(certificate.get(), 2);
  // 16-byte random positive serial, like the eID certificates.
  BIGNUM* serial = BN_new();
  BN_rand(serial, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(certificate.get()));
  BN_free(serial);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  const auto add = [name](const char* field, const std::string& value) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  };
  add("C", "BE");
  if (!spec.extra_name.empty()) {
    const auto equals = spec.extra_name.find('=');
    add(spec.extra_name.substr(0, equals).c_str(), spec.extra_name.substr(equals + 1));
  }
  add("CN", spec.common_name.empty() ? spec.given_names + " " + spec.surname + " (Authentication)"
                                     : spec.common_name);
  add("SN", spec.surname);
  add("GN", spec.given_names);
  if (!spec.serial_number.empty()) {
    add("serialNumber", spec.serial_number);
  }
  X509_set_issuer_name(certificate.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  ASN1_TIME_set(X509_getm_notBefore(certificate.get()),
                std::chrono::system_clock::to_time_t(spec.not_before));
  ASN1_TIME_set(X509_getm_notAfter(certificate.get()),
                std::chrono::system_clock::to_time_t(spec.not_after));
  X509_set_pubkey(certificate.get(), subject_key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : certificate.get(), certificate.get(), nullptr,
                 nullptr, 0);
  const auto extension = [&](const char* extension_name, const std::string& value) {
    if (value.empty()) {
      return;
    }
    X509_EXTENSION* ext = X509V3_EXT_conf(nullptr, &ctx, extension_name, value.c_str());
    if (ext == nullptr) {
      throw std::runtime_error(std::string("bad extension ") + extension_name + " = " + value);
    }
    X509_add_ext(certificate.get(), ext, -1);
    X509_EXTENSION_free(ext);
  };
  extension("basicConstraints", spec.basic_constraints);
  extension("keyUsage", spec.key_usage);
  extension("extendedKeyUsage", spec.extended_key_usage);
  extension("subjectKeyIdentifier", "hash");
  if (issuer != nullptr) {
    extension("authorityKeyIdentifier", "keyid");
  }
  if (!spec.ocsp_url.empty()) {
    extension("authorityInfoAccess", "OCSP;URI:" + spec.ocsp_url);
  }
  const EVP_MD* md = EVP_PKEY_get_base_id(issuer_key) == EVP_PKEY_EC ? EVP_sha384() : EVP_sha256();
  if (X509_sign(certificate.get(), issuer_key, md) <= 0) {
    throw std::runtime_error("X509_sign failed");
  }
  return certificate;
}

// The generated TEST PKI and cards (virtual-card/profiles/make_test_cards.sh).
struct TestCard {
  std::string name;
  nlohmann::json profile;
  std::vector<std::uint8_t> certificate_der;
  verify::EvpPkeyPtr key;
  verify::TokenAlgorithm algorithm = verify::TokenAlgorithm::es384;
};

inline fs::path cards_dir() { return SAFERCHAT_TEST_CARDS_DIR; }
inline fs::path pki_dir() { return cards_dir().parent_path() / "pki"; }

inline TestCard load_card(const std::string& name) {
  TestCard card;
  card.name = name;
  card.profile = nlohmann::json::parse(read_file(cards_dir() / name / "profile.json"));
  card.certificate_der = certificate_from_card_file(cards_dir() / name / "auth_cert.der");
  card.key = load_private_key(cards_dir() / name / "auth.key.pem");
  card.algorithm = card.profile["applet_version"] == "1.8" ? verify::TokenAlgorithm::es384
                                                           : verify::TokenAlgorithm::rs256;
  return card;
}

inline std::string test_anchors_pem() { return read_file(pki_dir() / "trust-anchors.pem"); }
inline std::string test_intermediates_pem() {
  return read_file(pki_dir() / "citizen-ca-rsa.pem") + read_file(pki_dir() / "citizen-ca-p384.pem");
}

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

// A loopback TCP port that was free a moment ago.
inline int free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// A child process whose stdout (and stderr) we read; killed and reaped on destruction.
class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> argv, const fs::path& working_dir = {}) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe failed");
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(out[1], STDERR_FILENO);
      if (!working_dir.empty() && ::chdir(working_dir.c_str()) != 0) {
        ::_exit(126);
      }
      exec_or_exit(argv);
    }
    ::close(out[1]);
    fd_ = out[0];
  }
  ~ChildProcess() { stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&&) = delete;
  ChildProcess& operator=(ChildProcess&&) = delete;

  // The next output line, or nullopt at end of output or after `timeout`.
  std::optional<std::string> read_line(
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd fd{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&fd, 1, static_cast<int>(left.count())) <= 0) {
        return std::nullopt;
      }
      char chunk[512];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n <= 0) {
        return std::nullopt;
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

// Runs a command to completion; returns its exit status and output.
inline std::pair<int, std::string> run_command(std::vector<std::string> argv,
                                               const std::string& input = {}) {
  int in[2];
  int out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDERR_FILENO);
    exec_or_exit(argv);
  }
  ::close(in[0]);
  ::close(out[1]);
  std::size_t written = 0;
  while (written < input.size()) {
    const ssize_t n = ::write(in[1], input.data() + written, input.size() - written);
    if (n <= 0) {
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  ::close(in[1]);
  std::string output;
  char chunk[4096];
  ssize_t n = 0;
  while ((n = ::read(out[0], chunk, sizeof chunk)) > 0) {
    output.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), output};
}

// Serial number of a certificate as upper-case hex (openssl ca index.txt column 4).
inline std::string serial_hex(const X509* certificate) {
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr);
  char* hex = BN_bn2hex(serial);
  std::string out(hex);
  OPENSSL_free(hex);
  BN_free(serial);
  if (out.size() % 2 != 0) {
    out.insert(0, "0");
  }
  return out;
}

// An index.txt line (openssl ca database): status V (valid) or R (revoked).
inline std::string index_line(const X509* certificate, bool revoked) {
  const auto to_utc = [](const ASN1_TIME* time) {
    std::tm tm{};
    ASN1_TIME_to_tm(time, &tm);
    // UTCTime, YYMMDDHHMMSSZ (RFC 5280 §4.1.2.5.1), as openssl ca writes it.
    char text[32];
    std::snprintf(text, sizeof text, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return std::string(text);
  };
  const std::string expiry = to_utc(X509_get0_notAfter(certificate));
  std::string revocation;
  if (revoked) {
    ASN1_TIME* now = ASN1_TIME_set(nullptr, std::time(nullptr) - 3600);
    revocation = to_utc(now) + ",keyCompromise";
    ASN1_TIME_free(now);
  }
  char* subject = X509_NAME_oneline(X509_get_subject_name(certificate), nullptr, 0);
  std::string line = std::string(revoked ? "R" : "V") + "\t" + expiry + "\t" + revocation + "\t" +
                     serial_hex(certificate) + "\tunknown\t" + subject + "\n";
  OPENSSL_free(subject);
  return line;
}

// A real `openssl ocsp` responder on a free port (it listens on every interface; tests reach it
// on 127.0.0.1), answering from `index` with `signer`/`signer_key` for certificates of `ca`.
class OcspResponder {
 public:
  OcspResponder(const fs::path& index, const fs::path& ca, const fs::path& signer,
                const fs::path& signer_key, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{
        "openssl", "ocsp",      "-index",   index.string(),  "-port", "0",
        "-CA",     ca.string(), "-rsigner", signer.string(), "-rkey", signer_key.string(),
        "-ndays",  "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ChildProcess>(argv);
    // "ACCEPT [::]:PORT PID=N" once listening.
    while (const auto line = process_->read_line()) {
      const auto accept = line->find("ACCEPT ");
      if (accept != std::string::npos) {
        const auto colon = line->rfind(':', line->find(" PID"));
        port_ = std::stoi(line->substr(colon + 1));
        return;
      }
    }
    throw std::runtime_error("openssl ocsp did not start");
  }
  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/";
  }

 private:
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

}  // namespace saferchat::testing
