// icmp_rcv (net/ipv4/icmp.c): what becomes of an ICMP message addressed to
// this host. The caller has done ip_rcv and the input route; raw sockets of
// IPPROTO_ICMP get their copy before this (raw_local_deliver) and ICMP_FILTER
// is theirs.
#pragma once

#include <cstdint>
#include <span>
#include <variant>

#include "stack/icmp/icmp_error.hpp"
#include "stack/icmp/icmp_reply.hpp"
#include "stack/icmp/icmp_send.hpp"

namespace ipc::stack::icmp {

enum class InputDropped : std::uint8_t {
  kTruncated,       // no 8-byte ICMP header
  kBadChecksum,
  kUnknownType,     // type > NR_ICMP_TYPES (18); also ICMP_EXT_ECHO with PROBE disabled
  kBroadcastQuery,  // echo/timestamp to broadcast/multicast with icmp_echo_ignore_broadcasts
  kBroadcastOther,  // any other type but address mask to broadcast/multicast
  kDiscarded,       // icmp_discard: info request/reply, address mask, timestamp reply, 1, 2, 6, 7, 9, 10
};
const char* to_string(InputDropped);

// An echo reply: ping_rcv hands it to the ping socket whose port is `ident`.
struct EchoReplyForPing {
  std::uint16_t ident = 0;
  std::uint16_t seq = 0;
};

// kReply: send it (or, when Suppressed, nothing: ignored echo, rate limit...).
// ReceivedIcmpError / ErrorDropped: from parse_icmp_error; pass the former to
// the socket handlers (raw_icmp_error, then UDP/ping by quoted protocol).
using IcmpInput = std::variant<InputDropped, SendResult, ReceivedIcmpError, ErrorDropped, EchoReplyForPing>;

// `datagram`: the whole IP datagram as ip_rcv_core checked it (tot_len bytes).
// `ms_since_midnight_ut`: for timestamp replies.
IcmpInput icmp_receive(std::span<const std::uint8_t> datagram, const Arrival& arrival, IcmpContext& ctx,
                       std::uint32_t ms_since_midnight_ut = 0);

}  // namespace ipc::stack::icmp
