// SPDX-License-Identifier: Apache-2.0
#include "vcard/card_profile.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "vcard/apdu.hpp"
#include "vcard/file_system.hpp"
#include "vcard/pkcs15.hpp"

namespace saferchat::vcard {

namespace {

using nlohmann::json;

constexpr std::size_t max_atr_size = 33;  // ISO 7816-3 §8.2.1

// Wipes a string that held secret text (the PIN) before it is freed.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::string& text) : text_(text) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  WipeOnExit(WipeOnExit&&) = delete;
  WipeOnExit& operator=(WipeOnExit&&) = delete;
  ~WipeOnExit() { OPENSSL_cleanse(text_.data(), text_.size()); }

 private:
  std::string& text_;
};

std::string read_file(const std::filesystem::path& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ProfileError("cannot open " + path.string());
  }
  std::string bytes;
  std::array<char, 8192> chunk{};
  while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
    bytes.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > limit) {
      throw ProfileError(path.string() + " is larger than " + std::to_string(limit) + " bytes");
    }
  }
  if (in.bad()) {
    throw ProfileError("cannot read " + path.string());
  }
  return bytes;
}

// A file name from the profile, resolved inside the profile folder.
std::filesystem::path inside(const std::filesystem::path& dir, const std::string& name,
                             std::string_view field) {
  const std::filesystem::path relative(name);
  bool escapes = name.empty() || relative.is_absolute() || relative.has_root_name();
  for (const auto& part : relative) {
    escapes = escapes || part == "..";
  }
  if (escapes) {
    throw ProfileError(std::string(field) + ": \"" + name +
                       "\" must be a relative path inside the profile folder");
  }
  return dir / relative;
}

const json& member(const json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end()) {
    throw ProfileError(std::string("profile.json: missing \"") + key + "\"");
  }
  return *found;
}

std::string string_member(const json& object, const char* key) {
  const json& value = member(object, key);
  if (!value.is_string()) {
    throw ProfileError(std::string("profile.json: \"") + key + "\" must be a string");
  }
  return value.get<std::string>();
}

std::vector<std::uint8_t> hex_member(const json& object, const char* key) {
  std::optional<std::vector<std::uint8_t>> bytes = from_hex(string_member(object, key));
  if (!bytes.has_value()) {
    throw ProfileError(std::string("profile.json: \"") + key + "\" is not hex");
  }
  return std::move(*bytes);
}

std::vector<std::uint16_t> parse_path(const std::string& text) {
  const std::optional<std::vector<std::uint8_t>> bytes = from_hex(text);
  if (!bytes.has_value() || bytes->empty() || bytes->size() % 2 != 0) {
    throw ProfileError("profile.json: files: \"" + text + "\" is not a path of 4-hex-digit FIDs");
  }
  std::vector<std::uint16_t> path;
  for (std::size_t i = 0; i < bytes->size(); i += 2) {
    path.push_back(static_cast<std::uint16_t>(((*bytes)[i] << 8) | (*bytes)[i + 1]));
  }
  return path;
}

void load_files(CardProfile& profile, const json& files, const std::filesystem::path& dir) {
  if (!files.is_object()) {
    throw ProfileError("profile.json: \"files\" must be an object");
  }
  for (const auto& [path_text, name] : files.items()) {
    if (!name.is_string()) {
      throw ProfileError("profile.json: files: \"" + path_text + "\" must name a file");
    }
    const std::filesystem::path file = inside(dir, name.get<std::string>(), "files");
    const std::string bytes = read_file(file, max_file_size);
    profile.files.push_back(
        ProfileFile{parse_path(path_text), std::vector<std::uint8_t>(bytes.begin(), bytes.end())});
  }
  try {
    static_cast<void>(FileSystem(profile.files));
  } catch (const std::invalid_argument& e) {
    throw ProfileError(std::string("profile.json: files: ") + e.what());
  }
}

void load_keys(CardProfile& profile, const json& keys, const std::filesystem::path& dir) {
  if (!keys.is_object()) {
    throw ProfileError("profile.json: \"keys\" must be an object");
  }
  const KeyType expected =
      profile.applet_version == AppletVersion::v1_7 ? KeyType::rsa : KeyType::ec;
  for (const auto& [reference_text, name] : keys.items()) {
    const std::optional<std::vector<std::uint8_t>> reference = from_hex(reference_text);
    if (!reference.has_value() || reference->size() != 1 || (*reference)[0] < basic_key_reference ||
        (*reference)[0] > signing_key_reference) {
      throw ProfileError("profile.json: keys: \"" + reference_text +
                         "\" is not a key reference (81, 82 or 83)");
    }
    if (!name.is_string()) {
      throw ProfileError("profile.json: keys: \"" + reference_text + "\" must name a file");
    }
    const std::filesystem::path file = inside(dir, name.get<std::string>(), "keys");
    std::string pem = read_file(file, std::size_t{64} * 1024);
    const WipeOnExit wipe(pem);
    try {
      PrivateKey key = PrivateKey::from_pem(pem);
      if (key.type() != expected) {
        throw ProfileError(file.string() + ": applet " +
                           (expected == KeyType::rsa ? "1.7 uses RSA keys" : "1.8 uses EC keys"));
      }
      profile.keys.emplace((*reference)[0], std::move(key));
    } catch (const std::runtime_error& e) {
      if (dynamic_cast<const ProfileError*>(&e) != nullptr) {
        throw;
      }
      throw ProfileError(file.string() + ": " + e.what());
    }
  }
}

}  // namespace

std::vector<Protocol> atr_protocols(std::span<const std::uint8_t> atr) {
  if (atr.size() < 2) {
    return {};
  }
  std::vector<Protocol> protocols;
  std::size_t next = 2;
  unsigned indicator = atr[1] >> 4U;  // Y1 in T0
  for (;;) {
    // TAi, TBi, TCi present as bits 1-3 of Yi; TDi as bit 4.
    next += (indicator & 1U) + ((indicator >> 1U) & 1U) + ((indicator >> 2U) & 1U);
    if ((indicator & 8U) == 0) {
      break;
    }
    if (next >= atr.size()) {
      return {};
    }
    const std::uint8_t td = atr[next++];
    const unsigned t = td & 0x0FU;
    if (t == 0 && std::find(protocols.begin(), protocols.end(), Protocol::t0) == protocols.end()) {
      protocols.push_back(Protocol::t0);
    } else if (t == 1 &&
               std::find(protocols.begin(), protocols.end(), Protocol::t1) == protocols.end()) {
      protocols.push_back(Protocol::t1);
    }
    indicator = td >> 4U;
  }
  if (next > atr.size()) {
    return {};
  }
  if (protocols.empty()) {
    protocols.push_back(Protocol::t0);  // no TD1: T=0 (ISO 7816-3 §8.2.3)
  }
  return protocols;
}

CardProfile load_card_profile(const std::filesystem::path& dir) {
  std::string text = read_file(dir / "profile.json", std::size_t{1024} * 1024);
  const WipeOnExit wipe_text(text);
  json root = json::parse(text, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    throw ProfileError((dir / "profile.json").string() + " is not a JSON object");
  }

  CardProfile profile;
  if (const auto name = root.find("profile"); name != root.end() && name->is_string()) {
    profile.name = name->get<std::string>();
  }

  const std::string version = string_member(root, "applet_version");
  if (version == "1.7") {
    profile.applet_version = AppletVersion::v1_7;
  } else if (version == "1.8") {
    profile.applet_version = AppletVersion::v1_8;
  } else {
    throw ProfileError(R"(profile.json: "applet_version" must be "1.7" or "1.8")");
  }

  profile.atr = hex_member(root, "atr");
  if (profile.atr.size() < 2 || profile.atr.size() > max_atr_size) {
    throw ProfileError("profile.json: \"atr\" must hold 2 to 33 bytes");
  }

  // pcscd picks the protocol from the ATR (vpcd passes the card's ATR on as it is), so the
  // profile's protocol must be one the ATR offers.
  const std::vector<Protocol> offered = atr_protocols(profile.atr);
  if (offered.empty()) {
    throw ProfileError("profile.json: \"atr\" ends inside its interface bytes");
  }
  // An ATR that offers T=1 gets T=1 from pcscd for a caller that accepts both (pcsc-lite
  // prefers it; vpcd does not tell the card what was negotiated), so that is the default.
  profile.protocol = std::find(offered.begin(), offered.end(), Protocol::t1) != offered.end()
                         ? Protocol::t1
                         : Protocol::t0;
  if (const auto protocol = root.find("protocol"); protocol != root.end()) {
    if (*protocol == "T=0") {
      profile.protocol = Protocol::t0;
    } else if (*protocol == "T=1") {
      profile.protocol = Protocol::t1;
    } else {
      throw ProfileError(R"(profile.json: "protocol" must be "T=0" or "T=1")");
    }
    if (std::find(offered.begin(), offered.end(), profile.protocol) == offered.end()) {
      throw ProfileError(R"(profile.json: "atr" does not offer "protocol")");
    }
  }
  if (const auto applet = root.find("applet"); applet != root.end()) {
    if (*applet != "belpic" && *applet != "none") {
      throw ProfileError(R"(profile.json: "applet" must be "belpic" or "none")");
    }
    profile.belpic_applet = *applet == "belpic";
  }

  const std::vector<std::uint8_t> card_data = hex_member(root, "card_data");
  if (card_data.size() != card_data_size) {
    throw ProfileError("profile.json: \"card_data\" must hold 28 bytes");
  }
  const std::uint8_t version_byte =
      profile.applet_version == AppletVersion::v1_7 ? std::uint8_t{0x17} : std::uint8_t{0x18};
  if (card_data[card_data_applet_version_offset] != version_byte) {
    throw ProfileError(
        "profile.json: \"card_data\" byte 21 (applet version) disagrees with "
        "\"applet_version\"");
  }
  std::copy(card_data.begin(), card_data.end(), profile.card_data.begin());

  json& pin = root["pin"];
  if (!pin.is_string()) {
    throw ProfileError("profile.json: \"pin\" must be a string of 4 to 12 digits");
  }
  auto& pin_text = pin.get_ref<std::string&>();
  const WipeOnExit wipe_pin(pin_text);
  const std::optional<PinBlock> block = encode_pin_block(pin_text);
  if (!block.has_value()) {
    throw ProfileError("profile.json: \"pin\" must be a string of 4 to 12 digits");
  }
  profile.pin = *block;

  if (const auto tries = root.find("pin_tries_left"); tries != root.end()) {
    if (!tries->is_number_integer() || tries->get<std::int64_t>() < 0 ||
        tries->get<std::int64_t>() > max_pin_tries) {
      throw ProfileError("profile.json: \"pin_tries_left\" must be an integer from 0 to 3");
    }
    profile.pin_tries_left = static_cast<std::uint8_t>(tries->get<std::int64_t>());
  }

  load_files(profile, member(root, "files"), dir);
  load_keys(profile, member(root, "keys"), dir);
  // The PKCS#15 directory files, unless the profile brings its own.
  for (ProfileFile& file : make_pkcs15_files(profile)) {
    const bool given = std::any_of(profile.files.begin(), profile.files.end(),
                                   [&file](const ProfileFile& f) { return f.path == file.path; });
    if (!given) {
      profile.files.push_back(std::move(file));
    }
  }
  return profile;
}

}  // namespace saferchat::vcard
