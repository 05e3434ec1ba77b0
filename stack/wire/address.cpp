#include "stack/wire/address.hpp"

#include <cstdio>

namespace ipc::stack::wire {

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view s) {
  std::array<std::uint8_t, 4> o{};
  std::size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (pos >= s.size() || s[pos] != '.') return std::nullopt;
      ++pos;
    }
    std::size_t start = pos;
    unsigned v = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < 3) {
      v = v * 10 + static_cast<unsigned>(s[pos] - '0');
      ++pos;
    }
    std::size_t digits = pos - start;
    if (digits == 0 || v > 255 || (digits > 1 && s[start] == '0')) return std::nullopt;
    o[part] = static_cast<std::uint8_t>(v);
  }
  if (pos != s.size()) return std::nullopt;
  return Ipv4Address(o[0], o[1], o[2], o[3]);
}

std::string Ipv4Address::to_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", o_[0], o_[1], o_[2], o_[3]);
  return buf;
}

void Ipv4Address::write(std::span<std::uint8_t> out) const {
  for (std::size_t i = 0; i < kSize; ++i) out[i] = o_[i];
}

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<MacAddress> MacAddress::parse(std::string_view s) {
  if (s.size() != 17) return std::nullopt;
  std::array<std::uint8_t, 6> o{};
  for (std::size_t i = 0; i < 6; ++i) {
    int hi = hex_digit(s[i * 3]);
    int lo = hex_digit(s[i * 3 + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i < 5 && s[i * 3 + 2] != ':') return std::nullopt;
    o[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return MacAddress(o);
}

std::string MacAddress::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", o_[0], o_[1], o_[2], o_[3], o_[4], o_[5]);
  return buf;
}

void MacAddress::write(std::span<std::uint8_t> out) const {
  for (std::size_t i = 0; i < kSize; ++i) out[i] = o_[i];
}

}  // namespace ipc::stack::wire
