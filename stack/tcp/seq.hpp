// Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4), as Linux's
// before()/after()/between() in include/net/tcp.h: a comparison is the sign of
// the 32-bit difference, so it holds for numbers less than 2^31 apart.
#pragma once

#include <cstdint>

namespace ipc::stack::tcp::seq {

constexpr bool before(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }
constexpr bool after(std::uint32_t a, std::uint32_t b) { return before(b, a); }
constexpr bool before_eq(std::uint32_t a, std::uint32_t b) { return !after(a, b); }
constexpr bool after_eq(std::uint32_t a, std::uint32_t b) { return !before(a, b); }
// lo <= s <= hi on the circle (Linux between()).
constexpr bool between(std::uint32_t s, std::uint32_t lo, std::uint32_t hi) { return hi - lo >= s - lo; }
constexpr std::uint32_t max(std::uint32_t a, std::uint32_t b) { return after(a, b) ? a : b; }
constexpr std::uint32_t min(std::uint32_t a, std::uint32_t b) { return before(a, b) ? a : b; }
// The signed distance from `from` to `to`.
constexpr std::int32_t diff(std::uint32_t to, std::uint32_t from) { return static_cast<std::int32_t>(to - from); }

}  // namespace ipc::stack::tcp::seq
