// struct sockaddr_in as the kernel copies it out: {u16 sin_family (host
// order); be16 sin_port; be32 sin_addr; u8 sin_zero[8] (zeroed)}.
#pragma once

#include <array>
#include <cstdint>

#include "stack/wire/address.hpp"

namespace ipc::stack::cmsg {

inline constexpr std::size_t kSockaddrInLen = 16;

std::array<std::uint8_t, kSockaddrInLen> sockaddr_in_bytes(std::uint16_t family, wire::Ipv4Address addr,
                                                           std::uint16_t port);

}  // namespace ipc::stack::cmsg
