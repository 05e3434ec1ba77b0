#include "stack/cmsg/sockaddr.hpp"

#include "stack/cmsg/cmsg_abi.hpp"

namespace ipc::stack::cmsg {

std::array<std::uint8_t, kSockaddrInLen> sockaddr_in_bytes(std::uint16_t family, wire::Ipv4Address addr,
                                                           std::uint16_t port) {
  std::array<std::uint8_t, kSockaddrInLen> b{};
  put_le16(b, 0, family);
  b[2] = static_cast<std::uint8_t>(port >> 8);
  b[3] = static_cast<std::uint8_t>(port);
  addr.write(std::span(b).subspan(4));
  return b;
}

}  // namespace ipc::stack::cmsg
