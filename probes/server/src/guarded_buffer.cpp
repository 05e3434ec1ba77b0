#include "guarded_buffer.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

namespace ipconform::probe {

GuardedBuffer::GuardedBuffer(std::size_t size) : size_(size) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t data_pages = (size + page - 1) / page;
  mapped_ = (data_pages + 1) * page;
  base_ = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base_ == MAP_FAILED) {
    base_ = nullptr;
    throw std::bad_alloc();
  }
  auto* guard = static_cast<std::uint8_t*>(base_) + data_pages * page;
  if (::mprotect(guard, page, PROT_NONE) != 0) {
    ::munmap(base_, mapped_);
    base_ = nullptr;
    throw std::bad_alloc();
  }
  data_ = guard - size;  // anonymous mappings start zero-filled
}

GuardedBuffer::~GuardedBuffer() {
  if (base_ != nullptr) ::munmap(base_, mapped_);
}

}  // namespace ipconform::probe
