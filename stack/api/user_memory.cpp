#include "stack/api/user_memory.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

namespace ipc::stack::api {

int copy_from_user(void* dst, const void* user, std::size_t n) {
  if (n == 0) return 0;
  if (!user) return -EFAULT;
  iovec local{dst, n};
  iovec remote{const_cast<void*>(user), n};
  const ssize_t got = ::process_vm_readv(::getpid(), &local, 1, &remote, 1, 0);
  return got == static_cast<ssize_t>(n) ? 0 : -EFAULT;
}

int copy_to_user(void* user, const void* src, std::size_t n) {
  if (n == 0) return 0;
  if (!user) return -EFAULT;
  iovec local{const_cast<void*>(src), n};
  iovec remote{user, n};
  const ssize_t put = ::process_vm_writev(::getpid(), &local, 1, &remote, 1, 0);
  return put == static_cast<ssize_t>(n) ? 0 : -EFAULT;
}

int read_user(const void* user, std::size_t n, std::vector<std::uint8_t>& out) {
  out.resize(n);
  if (const int err = copy_from_user(out.data(), user, n); err) {
    out.clear();
    return err;
  }
  return 0;
}

std::vector<std::uint8_t> read_user_prefix(const void* user, std::size_t max) {
  std::vector<std::uint8_t> out(max);
  if (!user || max == 0) return {};
  iovec local{out.data(), max};
  iovec remote{const_cast<void*>(user), max};
  const ssize_t got = ::process_vm_readv(::getpid(), &local, 1, &remote, 1, 0);
  out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return out;
}

}  // namespace ipc::stack::api
