// SPDX-License-Identifier: Apache-2.0
#include "vcard/file_system.hpp"

#include <stdexcept>
#include <string>

#include "vcard/apdu.hpp"

namespace saferchat::vcard {

namespace {

std::string path_text(std::span<const std::uint16_t> path) {
  std::vector<std::uint8_t> bytes;
  for (const std::uint16_t fid : path) {
    bytes.push_back(static_cast<std::uint8_t>(fid >> 8));
    bytes.push_back(static_cast<std::uint8_t>(fid & 0xFFU));
  }
  return to_hex(bytes);
}

}  // namespace

FileSystem::FileSystem(std::span<const ProfileFile> files) {
  nodes_.push_back(Node{mf_fid, true, mf, {}, {}});
  add(mf, belpic_df_fid, true);
  add(mf, id_df_fid, true);
  for (const ProfileFile& file : files) {
    const std::string name = path_text(file.path);
    if (file.path.size() < 2 || file.path.front() != mf_fid) {
      throw std::invalid_argument("file path " + name + " must start at 3F00 and name an EF");
    }
    NodeId df = mf;
    for (std::size_t i = 1; i + 1 < file.path.size(); ++i) {
      const std::uint16_t fid = file.path[i];
      const std::optional<NodeId> existing = child(df, fid);
      if (existing.has_value() && !is_df(*existing)) {
        throw std::invalid_argument("file path " + name + " runs through an EF");
      }
      df = existing.has_value() ? *existing : add(df, fid, true);
    }
    const std::uint16_t fid = file.path.back();
    if (fid == mf_fid || child(df, fid).has_value()) {
      throw std::invalid_argument("file path " + name + " names a DF or appears twice");
    }
    nodes_[add(df, fid, false)].content = file.content;
  }
}

std::optional<FileSystem::NodeId> FileSystem::child(NodeId df, std::uint16_t fid) const {
  for (const NodeId id : nodes_.at(df).children) {
    if (nodes_[id].fid == fid) {
      return id;
    }
  }
  return std::nullopt;
}

FileSystem::NodeId FileSystem::add(NodeId parent, std::uint16_t fid, bool is_df) {
  const NodeId id = nodes_.size();
  nodes_.push_back(Node{fid, is_df, parent, {}, {}});
  nodes_[parent].children.push_back(id);
  return id;
}

}  // namespace saferchat::vcard
