// A zero-filled buffer handed to the kernel, whose last byte is immediately
// followed by an inaccessible page.
//
// Requests may declare a length (optlen, recv len, an ioctl's implied struct
// size) larger than the bytes we allocate. If the kernel then touches memory
// past the buffer, it gets EFAULT instead of silently reading or corrupting
// the probe's heap.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ipconform::probe {

class GuardedBuffer {
 public:
  // Throws std::bad_alloc if the mapping cannot be made.
  explicit GuardedBuffer(std::size_t size);
  ~GuardedBuffer();
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  void* base_ = nullptr;
  std::size_t mapped_ = 0;
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace ipconform::probe
