// struct sockaddr_in as bytes (x86-64): family u16 (host order), port u16
// and address u32 in network order, 8 bytes of zero.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "stack/wire/address.hpp"

namespace ipc::stack::api {

inline constexpr int kSockaddrInLen = 16;
inline constexpr int kSockaddrStorageLen = 128;  // sizeof(struct sockaddr_storage)

struct SockaddrIn {
  std::uint16_t family = 0;
  std::uint16_t port = 0;  // host order
  wire::Ipv4Address addr;
};

// The first bytes of what the caller passed (at least 2 for the family;
// port and address read as zero where the buffer is shorter).
SockaddrIn parse_sockaddr(const std::vector<std::uint8_t>& bytes);
std::array<std::uint8_t, kSockaddrInLen> sockaddr_bytes(wire::Ipv4Address addr, std::uint16_t port);

// move_addr_to_user: min(*len, 16) bytes of `k` to `addr`, then 16 to *len.
// 0, -EFAULT, or -EINVAL for a negative *len.
long put_sockaddr(const std::array<std::uint8_t, kSockaddrInLen>& k, void* addr, void* len);

}  // namespace ipc::stack::api
