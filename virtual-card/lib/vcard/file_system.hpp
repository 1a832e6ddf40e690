// SPDX-License-Identifier: Apache-2.0
// The card's file tree: the MF 3F00, DF(BELPIC) DF00 and DF(ID) DF01 (card content spec
// §4.3), any other DF a profile path implies, and the profile's transparent EFs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "vcard/card_profile.hpp"

namespace saferchat::vcard {

inline constexpr std::uint16_t mf_fid = 0x3F00;
inline constexpr std::uint16_t belpic_df_fid = 0xDF00;
inline constexpr std::uint16_t id_df_fid = 0xDF01;

class FileSystem {
 public:
  using NodeId = std::size_t;
  static constexpr NodeId mf = 0;

  // Throws std::invalid_argument for a path that does not start at 3F00, names a DF, runs
  // through an EF, or appears twice.
  explicit FileSystem(std::span<const ProfileFile> files);

  [[nodiscard]] bool is_df(NodeId node) const { return nodes_.at(node).is_df; }
  [[nodiscard]] NodeId parent(NodeId node) const { return nodes_.at(node).parent; }
  [[nodiscard]] std::span<const std::uint8_t> content(NodeId node) const {
    return nodes_.at(node).content;
  }
  // The child of a DF with that FID.
  [[nodiscard]] std::optional<NodeId> child(NodeId df, std::uint16_t fid) const;

 private:
  struct Node {
    std::uint16_t fid = 0;
    bool is_df = false;
    NodeId parent = mf;
    std::vector<NodeId> children;
    std::vector<std::uint8_t> content;
  };

  NodeId add(NodeId parent, std::uint16_t fid, bool is_df);

  std::vector<Node> nodes_;
};

}  // namespace saferchat::vcard
