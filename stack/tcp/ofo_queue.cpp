#include "stack/tcp/ofo_queue.hpp"

#include <algorithm>

namespace ipc::stack::tcp {

bool OfoQueue::insert(std::uint64_t off, std::span<const std::uint8_t> data) {
  std::uint64_t pos = off;
  const std::uint64_t stop = off + data.size();
  bool added = false;
  // Start from the range that may cover `pos`.
  auto it = chunks_.upper_bound(pos);
  if (it != chunks_.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second.size() > pos) pos = prev->first + prev->second.size();
  }
  while (pos < stop) {
    const std::uint64_t gap_end = (it == chunks_.end()) ? stop : std::min<std::uint64_t>(stop, it->first);
    if (gap_end > pos) {
      auto piece = data.subspan(pos - off, gap_end - pos);
      chunks_.emplace_hint(it, pos, std::vector<std::uint8_t>(piece.begin(), piece.end()));
      bytes_ += piece.size();
      added = true;
    }
    if (it == chunks_.end()) break;
    pos = std::max(pos, it->first + it->second.size());
    ++it;
  }
  return added;
}

std::uint64_t OfoQueue::drain(std::uint64_t next, ByteRing& out) {
  while (!chunks_.empty()) {
    auto it = chunks_.begin();
    const std::uint64_t start = it->first;
    const std::uint64_t stop = start + it->second.size();
    if (start > next) break;
    if (stop > next) {
      out.append(std::span<const std::uint8_t>(it->second).subspan(next - start));
      next = stop;
    }
    bytes_ -= it->second.size();
    chunks_.erase(it);
  }
  return next;
}

std::uint64_t OfoQueue::end() const {
  if (chunks_.empty()) return 0;
  auto last = std::prev(chunks_.end());
  return last->first + last->second.size();
}

}  // namespace ipc::stack::tcp
