#include "stack/api/sockaddr_in.hpp"

#include <cerrno>

#include "stack/api/user_memory.hpp"

namespace ipc::stack::api {

SockaddrIn parse_sockaddr(const std::vector<std::uint8_t>& b) {
  SockaddrIn s;
  auto at = [&](std::size_t i) -> std::uint8_t { return i < b.size() ? b[i] : 0; };
  s.family = static_cast<std::uint16_t>(at(0) | (at(1) << 8));
  s.port = static_cast<std::uint16_t>((at(2) << 8) | at(3));
  s.addr = wire::Ipv4Address(at(4), at(5), at(6), at(7));
  return s;
}

std::array<std::uint8_t, kSockaddrInLen> sockaddr_bytes(wire::Ipv4Address addr, std::uint16_t port) {
  std::array<std::uint8_t, kSockaddrInLen> out{};
  out[0] = 2;  // AF_INET, little-endian u16
  out[2] = static_cast<std::uint8_t>(port >> 8);
  out[3] = static_cast<std::uint8_t>(port);
  addr.write(std::span(out).subspan(4));
  return out;
}

long put_sockaddr(const std::array<std::uint8_t, kSockaddrInLen>& k, void* addr, void* ulen) {
  int len = 0;
  if (copy_from_user(&len, ulen, sizeof len)) return -EFAULT;
  if (len > kSockaddrInLen) len = kSockaddrInLen;
  if (len < 0) return -EINVAL;
  if (len && copy_to_user(addr, k.data(), static_cast<std::size_t>(len))) return -EFAULT;
  const int klen = kSockaddrInLen;
  if (copy_to_user(ulen, &klen, sizeof klen)) return -EFAULT;
  return 0;
}

}  // namespace ipc::stack::api
