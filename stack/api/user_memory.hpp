// Reading and writing the caller's buffers the way the kernel's
// copy_from_user/copy_to_user do: an address the process cannot access is
// EFAULT, not a crash. The stack runs in the same process as its caller, so
// the check goes through process_vm_readv/writev on our own pid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ipc::stack::api {

// 0 or -EFAULT.
int copy_from_user(void* dst, const void* user, std::size_t n);
int copy_to_user(void* user, const void* src, std::size_t n);

// Reads n bytes (n > 0) into a vector; -EFAULT leaves it empty.
int read_user(const void* user, std::size_t n, std::vector<std::uint8_t>& out);

// The readable prefix of [user, user + max): as many bytes as can be read
// before the first inaccessible page.
std::vector<std::uint8_t> read_user_prefix(const void* user, std::size_t max);

}  // namespace ipc::stack::api
