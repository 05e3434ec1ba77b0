// IP options on the send side: the bytes Linux's ip_options_build
// (net/ipv4/ip_options.c) lays after the header of a locally built datagram,
// and ip_options_fragment, which blanks the options a fragment after the
// first must not carry.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stack/socket/ip_options_set.hpp"
#include "stack/wire/address.hpp"

namespace ipc::stack::ipv4 {

// ip_options_build: opt->__data copied as is (ip_options_compile already
// padded it with EOL, stripped a source route's first hop into faddr and
// pre-advanced the RR/TS pointers), then
//   srr:          the final destination `daddr` into the route's last slot;
//   rr_needaddr:  our source address into the slot before the RR pointer;
//   ts_needaddr:  our source address into the TS slot 8 before the pointer;
//   ts_needtime:  `timestamp` (inet_current_timestamp: ms since midnight UT,
//                 the caller's clock) into the slot 4 before the pointer.
// `src` is the datagram's source (ip_rt_get_source on an output route reads
// iph->saddr).
std::vector<std::uint8_t> build_options(const socket::CompiledIpOptions& opt, wire::Ipv4Address daddr,
                                        wire::Ipv4Address src, std::uint32_t timestamp);

// ip_options_fragment: every option without the copied bit is overwritten
// with NOPs (the header keeps its length); stops at EOL or a malformed length.
void fragment_options(std::span<std::uint8_t> options);

// The header destination: a source-routed datagram goes to its first hop
// (udp_sendmsg / raw_sendmsg: daddr = opt.faddr), others to `daddr`. Route
// with this address.
wire::Ipv4Address first_hop(const socket::CompiledIpOptions* opt, wire::Ipv4Address daddr);

}  // namespace ipc::stack::ipv4
