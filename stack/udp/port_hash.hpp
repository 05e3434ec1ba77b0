// Hashing shared by the UDP and TCP port tables: Linux's reciprocal_scale
// and a 64-bit mixer standing in for its keyed hashes (siphash, jhash).
#pragma once

#include <cstdint>

namespace ipc::stack::udp {

// include/linux/kernel.h reciprocal_scale: maps a u32 onto [0, ep_ro).
inline std::uint32_t reciprocal_scale(std::uint32_t val, std::uint32_t ep_ro) {
  return static_cast<std::uint32_t>((std::uint64_t{val} * ep_ro) >> 32);
}

inline std::uint64_t mix64(std::uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace ipc::stack::udp
