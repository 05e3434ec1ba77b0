// Helpers for the wire tests: packets written as hex, and prefix sweeps.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ipc::stack::wire::test {

// "45 00 00 73" -> bytes; spaces and line breaks are ignored.
inline std::vector<std::uint8_t> hex(std::string_view s) {
  std::vector<std::uint8_t> out;
  int hi = -1;
  for (char c : s) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  return out;
}

// Each proper prefix of `b` in a buffer of exactly that size (heap-allocated,
// so AddressSanitizer catches any read past the end).
template <class F>
void for_each_prefix(const std::vector<std::uint8_t>& b, F f) {
  for (std::size_t n = 0; n < b.size(); ++n) {
    std::vector<std::uint8_t> prefix(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
    prefix.shrink_to_fit();
    f(std::span<const std::uint8_t>(prefix), n);
  }
}

inline std::span<const std::uint8_t> cspan(const std::vector<std::uint8_t>& v) { return v; }

}  // namespace ipc::stack::wire::test
