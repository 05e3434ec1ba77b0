// Big-endian field access at byte offsets. Every view reads and writes through
// these, never through structs laid over the buffer (no packing, no aliasing,
// no alignment assumptions). Callers have checked the span's length first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ipc::stack::wire::bytes {

inline std::uint8_t get8(std::span<const std::uint8_t> b, std::size_t off) { return b[off]; }

inline std::uint16_t get16(std::span<const std::uint8_t> b, std::size_t off) {
  return static_cast<std::uint16_t>((b[off] << 8) | b[off + 1]);
}

inline std::uint32_t get32(std::span<const std::uint8_t> b, std::size_t off) {
  return (std::uint32_t{b[off]} << 24) | (std::uint32_t{b[off + 1]} << 16) | (std::uint32_t{b[off + 2]} << 8) |
         std::uint32_t{b[off + 3]};
}

inline void put8(std::span<std::uint8_t> b, std::size_t off, std::uint8_t v) { b[off] = v; }

inline void put16(std::span<std::uint8_t> b, std::size_t off, std::uint16_t v) {
  b[off] = static_cast<std::uint8_t>(v >> 8);
  b[off + 1] = static_cast<std::uint8_t>(v);
}

inline void put32(std::span<std::uint8_t> b, std::size_t off, std::uint32_t v) {
  b[off] = static_cast<std::uint8_t>(v >> 24);
  b[off + 1] = static_cast<std::uint8_t>(v >> 16);
  b[off + 2] = static_cast<std::uint8_t>(v >> 8);
  b[off + 3] = static_cast<std::uint8_t>(v);
}

}  // namespace ipc::stack::wire::bytes
