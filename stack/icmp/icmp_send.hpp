// The ICMP errors this host generates about a datagram it received
// (net/ipv4/icmp.c __icmp_send): the refusals of RFC 1122 3.2.2 as Linux
// applies them, the source address, TOS, TTL, the quote cut to 576 bytes, and
// the two rate limits.
//
// Callers, as in Linux:
//   UDP to a port with no socket (__udp4_lib_rcv)        -> port_unreachable()
//   no protocol handler and no raw socket took it
//     (ip_protocol_deliver_rcu)                           -> protocol_unreachable()
//   ip_options_compile failed (ip_rcv_options)            -> parameter_problem(offset)
//   reassembly timer fired with fragment 0 present
//     (ip_expire, only if the head fragment arrived)      -> reassembly_time_exceeded()
#pragma once

#include <cstdint>
#include <span>

#include "stack/icmp/outgoing.hpp"
#include "stack/icmp/pmtu_cache.hpp"
#include "stack/icmp/rate_limit.hpp"
#include "stack/icmp/settings.hpp"
#include "stack/ipv4/route.hpp"
#include "stack/wire/error.hpp"
#include "stack/wire/icmp.hpp"

namespace ipc::stack::icmp {

// The type, code and 32-bit rest-of-header word (icmp_send's `info`,
// icmph->un.gateway) of an error to send.
struct IcmpErrorSpec {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t rest = 0;
};
inline IcmpErrorSpec port_unreachable() { return {wire::icmp::type::kDestUnreachable, wire::icmp::unreach::kPort, 0}; }
inline IcmpErrorSpec protocol_unreachable() {
  return {wire::icmp::type::kDestUnreachable, wire::icmp::unreach::kProtocol, 0};
}
// `offset`: the offending octet's offset in the IP header (pp_ptr - iph);
// Linux passes htonl(offset << 24).
inline IcmpErrorSpec parameter_problem(std::uint8_t offset) {
  return {wire::icmp::type::kParameterProblem, 0, std::uint32_t{offset} << 24};
}
inline IcmpErrorSpec reassembly_time_exceeded() {
  return {wire::icmp::type::kTimeExceeded, wire::icmp::time_exceeded::kReassembly, 0};
}
inline IcmpErrorSpec frag_needed(std::uint16_t next_hop_mtu) {
  return {wire::icmp::type::kDestUnreachable, wire::icmp::unreach::kFragNeeded, next_hop_mtu};
}

// Why no message goes out (each a silent `goto out` in Linux).
enum class Suppressed : std::uint8_t {
  kTruncated,            // no complete IP header to quote
  kNotForHost,           // pkt_type != PACKET_HOST (link broadcast/multicast frame)
  kBroadcastOrMulticast, // RTCF_BROADCAST | RTCF_MULTICAST input route
  kNotFirstFragment,     // frag_off & IP_OFFSET
  kAboutIcmpError,       // the datagram is an ICMP error (or unknown type, or no type byte)
  kBadSource,            // a source the input route check never lets through
  kEchoIgnored,          // icmp_echo_ignore_all / ignore_broadcasts
  kTooShort,             // timestamp request with < 4 data bytes
  kRateLimited,          // icmp_global_allow or icmpv4_xrlim_allow said no
  kNoRoute,              // no output route back to the source
  kMtuTooSmall,          // room for the quote <= 20 bytes
};
const char* to_string(Suppressed);

// What the ICMP layer reads besides the datagram: configuration, routes, the
// rate limiter state, and the time.
struct IcmpContext {
  const IcmpSettings& settings;
  const ipv4::RoutingTable& routes;
  IcmpRateLimiter& limiter;
  TimePoint now;
  // Learnt path MTUs: dst_mtu of the route back includes them (the quote is
  // cut to min(576, path MTU)). Optional.
  const PmtuCache* pmtu = nullptr;
};

using SendResult = wire::Result<OutgoingIcmp, Suppressed>;

// __icmp_send. `datagram`: the offending datagram from its IP header to its
// end as the IP layer holds it (trimmed to tot_len; for UDP trimmed to the UDP
// length; RR/TS entries ip_options_compile wrote are part of it).
// `echoed_options_len`: the length ip_options_echo() gives for its options,
// which the quote makes room for.
SendResult icmp_send(std::span<const std::uint8_t> datagram, const Arrival& arrival, const IcmpErrorSpec& error,
                     IcmpContext& ctx, std::size_t echoed_options_len = 0);

// icmp_pointers[type].error: types 1-7 except 0, 9, 10, 11, 12 are errors.
bool is_error_type(std::uint8_t type);

// Common tail of icmp_reply and __icmp_send: the output route back to `dst`
// from `src_hint`, its MTU with any learnt path MTU applied.
struct RouteBack {
  ipv4::OutputRoute route;
  bool out_loopback = false;
};
wire::Result<RouteBack, Suppressed> route_back(IcmpContext& ctx, Ipv4Address dst, Ipv4Address src_hint);

}  // namespace ipc::stack::icmp
