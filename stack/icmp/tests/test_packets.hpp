// Builders for the datagrams the kernel cases inject, field for field, so
// that their checksums can be compared with the kernel records.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "stack/wire/checksum.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::icmp::testing {

using wire::Ipv4Address;
using Bytes = std::vector<std::uint8_t>;

inline Bytes hex(std::string_view s) {
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  Bytes out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) out.push_back(static_cast<std::uint8_t>(nib(s[i]) << 4 | nib(s[i + 1])));
  return out;
}

inline Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct IpFields {
  Ipv4Address src{192, 0, 2, 2};
  Ipv4Address dst{192, 0, 2, 1};
  std::uint8_t protocol = wire::ipproto::kUdp;
  std::uint16_t ident = 1;
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;
  bool dont_frag = false;
  bool more_frags = false;
  std::uint16_t frag_offset = 0;
  Bytes options;
};

inline Bytes ipv4(const IpFields& f, const Bytes& payload) {
  wire::Ipv4Repr r;
  r.src = f.src;
  r.dst = f.dst;
  r.protocol = f.protocol;
  r.ident = f.ident;
  r.ttl = f.ttl;
  r.dscp = f.tos >> 2;
  r.ecn = f.tos & 3;
  r.dont_frag = f.dont_frag;
  r.more_frags = f.more_frags;
  r.frag_offset = f.frag_offset;
  r.options = f.options;
  r.payload_len = static_cast<std::uint16_t>(payload.size());
  Bytes out(r.buffer_len());
  (void)r.emit(out);
  return cat(out, payload);
}

// A UDP header with a given checksum (taken from the kernel record).
inline Bytes udp(std::uint16_t sport, std::uint16_t dport, std::uint16_t checksum, const Bytes& payload) {
  const auto len = static_cast<std::uint16_t>(8 + payload.size());
  Bytes h{static_cast<std::uint8_t>(sport >> 8), static_cast<std::uint8_t>(sport),
          static_cast<std::uint8_t>(dport >> 8), static_cast<std::uint8_t>(dport),
          static_cast<std::uint8_t>(len >> 8),   static_cast<std::uint8_t>(len),
          static_cast<std::uint8_t>(checksum >> 8), static_cast<std::uint8_t>(checksum)};
  return cat(h, payload);
}

// An ICMP message with its checksum computed.
inline Bytes icmp(std::uint8_t type, std::uint8_t code, std::uint32_t rest, const Bytes& data) {
  Bytes out(8 + data.size());
  wire::IcmpRepr r{wire::IcmpOther{type, code, rest, data}};
  (void)r.emit(out);
  return out;
}

inline std::uint16_t icmp_checksum_field(const Bytes& m) { return static_cast<std::uint16_t>(m[2] << 8 | m[3]); }
inline std::uint16_t ip_checksum_field(const Bytes& d) { return static_cast<std::uint16_t>(d[10] << 8 | d[11]); }

inline Bytes counting(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i);
  return b;
}

}  // namespace ipc::stack::icmp::testing
