// Replies to ICMP queries (net/ipv4/icmp.c icmp_echo, icmp_timestamp,
// icmp_reply): the reply copies the request's header (identifier, sequence,
// even a non-zero code) and changes the type; it leaves from the address the
// request was sent to (fib_compute_spec_dst), with the request's TOS byte and
// ip_default_ttl, and the IP layer echoes the request's options.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

#include "stack/icmp/icmp_send.hpp"
#include "stack/icmp/outgoing.hpp"

namespace ipc::stack::icmp {

// icmp_echo -> icmp_reply. `datagram`: the request from its IP header (as
// checked by ip_rcv_core: exactly tot_len bytes). icmp_rcv's broadcast checks
// are not repeated here (see icmp_receive).
SendResult icmp_echo(std::span<const std::uint8_t> datagram, const Arrival& arrival, IcmpContext& ctx);

// icmp_timestamp -> icmp_reply. `ms_since_midnight_ut`: inet_current_timestamp(),
// the receive and transmit timestamps of the reply.
SendResult icmp_timestamp(std::span<const std::uint8_t> datagram, const Arrival& arrival, IcmpContext& ctx,
                          std::uint32_t ms_since_midnight_ut);

// inet_current_timestamp: milliseconds since midnight UT of a wall-clock time.
std::uint32_t ms_since_midnight_ut(std::chrono::system_clock::time_point wall);

// fib_compute_spec_dst: the source of a reply to a datagram that arrived with
// `arrival` from `peer` to `local_dst`.
Ipv4Address reply_source(const ipv4::RoutingTable& routes, const Arrival& arrival, Ipv4Address peer,
                         Ipv4Address local_dst);

}  // namespace ipc::stack::icmp
