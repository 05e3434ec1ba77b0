// A growable ring of bytes: the send queue (written, not yet acknowledged)
// and the in-order receive queue. Appends and reads copy in at most two
// memcpy calls, so bulk transfers cost no per-byte work.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ipc::stack::tcp {

class ByteRing {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void append(std::span<const std::uint8_t> data);
  // Copies out.size() bytes starting `offset` bytes after the head.
  void copy_out(std::size_t offset, std::span<std::uint8_t> out) const;
  // Drops n bytes from the head.
  void consume(std::size_t n);
  void clear();

 private:
  void grow(std::size_t need);
  std::vector<std::uint8_t> buf_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace ipc::stack::tcp
