#include "stack/tcp/byte_ring.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace ipc::stack::tcp {

void ByteRing::grow(std::size_t need) {
  std::size_t cap = std::max<std::size_t>(buf_.size() * 2, 4096);
  while (cap < need) cap *= 2;
  std::vector<std::uint8_t> next(cap);
  copy_out(0, std::span(next).first(size_));
  buf_.swap(next);
  head_ = 0;
}

void ByteRing::append(std::span<const std::uint8_t> data) {
  if (data.empty()) return;
  if (size_ + data.size() > buf_.size()) grow(size_ + data.size());
  const std::size_t cap = buf_.size();
  const std::size_t tail = (head_ + size_) % cap;
  const std::size_t first = std::min(data.size(), cap - tail);
  std::memcpy(buf_.data() + tail, data.data(), first);
  if (first < data.size()) std::memcpy(buf_.data(), data.data() + first, data.size() - first);
  size_ += data.size();
}

void ByteRing::copy_out(std::size_t offset, std::span<std::uint8_t> out) const {
  assert(offset + out.size() <= size_);
  if (out.empty()) return;
  const std::size_t cap = buf_.size();
  const std::size_t start = (head_ + offset) % cap;
  const std::size_t first = std::min(out.size(), cap - start);
  std::memcpy(out.data(), buf_.data() + start, first);
  if (first < out.size()) std::memcpy(out.data() + first, buf_.data(), out.size() - first);
}

void ByteRing::consume(std::size_t n) {
  assert(n <= size_);
  if (n == 0) return;
  head_ = (head_ + n) % buf_.size();
  size_ -= n;
  if (size_ == 0) head_ = 0;
}

void ByteRing::clear() {
  head_ = 0;
  size_ = 0;
}

}  // namespace ipc::stack::tcp
