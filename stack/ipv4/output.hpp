// The IPv4 datagrams a local send puts on the link: Linux's __ip_append_data
// / __ip_make_skb (net/ipv4/ip_output.c) for the length checks, DF and the
// header, ip_options_build for the options, ip_fragment for the split.
//
// Pure: the caller has routed (to first_hop(), see options_build.hpp),
// chosen the source, the TTL/TOS, the id (ident.hpp, after deciding DF with
// pmtu_policy below) and filled in the transport checksum.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stack/socket/ip_options_set.hpp"
#include "stack/wire/address.hpp"
#include "stack/wire/error.hpp"

namespace ipc::stack::ipv4 {

// IP_MTU_DISCOVER values (uapi linux/in.h).
enum class PmtuDisc : std::uint8_t { kDont = 0, kWant = 1, kDo = 2, kProbe = 3, kInterface = 4, kOmit = 5 };

struct PmtuPolicy {
  bool df = false;         // the DF bit of the header
  bool ignore_df = false;  // skb->ignore_df: may be fragmented locally despite DF
};

// __ip_make_skb: DF for DO and PROBE, and for WANT when the datagram fits the
// MTU (ip_dont_fragment; the MTU metric is never locked here); clear for
// DONT, INTERFACE, OMIT. ip_sk_ignore_df: DONT, WANT and OMIT may fragment;
// DO, PROBE and INTERFACE fail with EMSGSIZE instead.
// `datagram_len`: header + options + payload.
PmtuPolicy pmtu_policy(PmtuDisc mode, std::size_t datagram_len, std::size_t mtu);

struct OutputPacket {
  wire::Ipv4Address src;
  wire::Ipv4Address dst;  // the final destination (with a source route: not the header's daddr)
  std::uint8_t protocol = 0;
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;
  bool df = false;
  bool ignore_df = true;  // see PmtuPolicy
  std::uint16_t id = 0;
  const socket::CompiledIpOptions* options = nullptr;  // null or empty: no options
  std::uint32_t timestamp = 0;  // ms since midnight UT, for a TS option (inet_current_timestamp)
  std::span<const std::uint8_t> payload;  // transport header + data
};

// The header + options length the packet will have.
std::size_t header_length(const OutputPacket& p);

// The datagram, or its fragments for `mtu` (the route's MTU for WANT/DO/
// DONT, the device's for PROBE/INTERFACE/OMIT: ip_sk_use_pmtu). Errors
// (positive errno): EMSGSIZE when the datagram exceeds 65535 bytes, or is
// bigger than `mtu` and either has DF or may not be fragmented (ignore_df
// false) -- __ip_append_data's "length > maxnonfragsize - fragheaderlen".
wire::Result<std::vector<std::vector<std::uint8_t>>, int> build_datagrams(const OutputPacket& p, std::size_t mtu);

}  // namespace ipc::stack::ipv4
