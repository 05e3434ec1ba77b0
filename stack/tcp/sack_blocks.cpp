#include "stack/tcp/sack_blocks.hpp"

#include "stack/tcp/seq.hpp"

namespace ipc::stack::tcp {

namespace {
// tcp_sack_extend: grows `b` by [start, end) when they overlap or touch.
bool extend(wire::TcpSackBlock& b, std::uint32_t start, std::uint32_t end) {
  if (seq::after(start, b.right) || seq::after(b.left, end)) return false;
  if (seq::before(start, b.left)) b.left = start;
  if (seq::after(end, b.right)) b.right = end;
  return true;
}
}  // namespace

void SackBlocks::on_out_of_order(std::uint32_t start, std::uint32_t end) {
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    if (!extend(blocks_[i], start, end)) continue;
    // Rotate the grown block to the front, then fold in any block it now reaches.
    auto grown = blocks_[i];
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
    blocks_.insert(blocks_.begin(), grown);
    for (std::size_t j = 1; j < blocks_.size();) {
      if (extend(blocks_[0], blocks_[j].left, blocks_[j].right))
        blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(j));
      else
        ++j;
    }
    return;
  }
  if (blocks_.size() >= kMaxBlocks) blocks_.pop_back();
  blocks_.insert(blocks_.begin(), wire::TcpSackBlock{start, end});
}

void SackBlocks::on_rcv_nxt(std::uint32_t rcv_nxt) {
  std::erase_if(blocks_, [&](const wire::TcpSackBlock& b) { return !seq::before(rcv_nxt, b.left); });
}

}  // namespace ipc::stack::tcp
