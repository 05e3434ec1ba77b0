// The out-of-order receive queue (Linux's tp->out_of_order_queue): data
// that arrived beyond rcv_nxt, keyed by its 64-bit offset in the stream so
// that wraparound never reorders the map. Stored ranges never overlap; bytes
// already held are ignored on insert (the first copy wins, as
// tcp_data_queue_ofo keeps the older skb when the new one is covered).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "stack/tcp/byte_ring.hpp"

namespace ipc::stack::tcp {

class OfoQueue {
 public:
  // Adds [off, off + data.size()); returns true if any byte was new.
  bool insert(std::uint64_t off, std::span<const std::uint8_t> data);
  // Moves bytes contiguous with `next` to `out`, drops what lies below it;
  // returns the new next offset.
  std::uint64_t drain(std::uint64_t next, ByteRing& out);
  std::size_t bytes() const { return bytes_; }
  bool empty() const { return chunks_.empty(); }
  void clear() {
    chunks_.clear();
    bytes_ = 0;
  }
  // The highest offset held (end of the last range), 0 when empty.
  std::uint64_t end() const;

 private:
  std::map<std::uint64_t, std::vector<std::uint8_t>> chunks_;
  std::size_t bytes_ = 0;
};

}  // namespace ipc::stack::tcp
