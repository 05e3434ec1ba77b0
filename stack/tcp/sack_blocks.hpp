// The SACK blocks a receiver reports (RFC 2018), kept the way Linux keeps
// tp->selective_acks: the block holding the most recently received segment
// comes first (tcp_sack_new_ofo_skb), blocks that touch are merged
// (tcp_sack_maybe_coalesce), at most four are remembered, and a block leaves
// once rcv_nxt reaches its start (tcp_sack_remove).
#pragma once

#include <cstdint>
#include <vector>

#include "stack/wire/tcp.hpp"

namespace ipc::stack::tcp {

class SackBlocks {
 public:
  static constexpr std::size_t kMaxBlocks = 4;  // TCP_NUM_SACKS
  void on_out_of_order(std::uint32_t start, std::uint32_t end);
  void on_rcv_nxt(std::uint32_t rcv_nxt);
  void clear() { blocks_.clear(); }
  const std::vector<wire::TcpSackBlock>& blocks() const { return blocks_; }

 private:
  std::vector<wire::TcpSackBlock> blocks_;
};

}  // namespace ipc::stack::tcp
