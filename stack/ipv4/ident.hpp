// The IPv4 identification field of locally built datagrams, as Linux picks it
// (include/net/ip.h ip_select_ident_segs, net/ipv4/route.c __ip_select_ident
// and ip_idents_reserve).
//
//  - A socket with a destination (connected: inet_daddr != 0) numbers its
//    datagrams from its own counter inet_id, DF or not. UDP and raw use
//    atomic_add_return, so the datagram gets the counter *after* the step;
//    TCP takes the value before it. connect() seeds inet_id at random
//    (ip4_datagram_connect: get_random_u16()).
//  - Otherwise a DF datagram that may not be fragmented (DF && !ignore_df)
//    gets id 0 -- what IP_PMTUDISC_DO/PROBE/INTERFACE and an IP_HDRINCL
//    header with DF send (raw.hdrincl.filled[h=id-0-df]: id 0).
//  - Everything else draws from a per-destination generator: a table of
//    counters selected by a keyed hash of (daddr, saddr, protocol), where a
//    bucket idle for a while jumps ahead by a random amount below the idle
//    time (ip_idents_reserve). The stack seeds the generator; tests give it
//    a fixed seed and no jumps.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "stack/wire/address.hpp"

namespace ipc::stack::ipv4 {

class IdentGenerator {
 public:
  // random(bound) returns a value in [0, bound); bound 0 never happens.
  using Random = std::function<std::uint32_t(std::uint32_t bound)>;

  // buckets: a power of two (Linux sizes it from memory, at least 2048).
  IdentGenerator(std::uint64_t hash_key, Random random, std::size_t buckets = 2048);

  // __ip_select_ident: reserves `segs` ids for (daddr, saddr, protocol) at
  // time `now` (a tick counter the caller drives, like jiffies) and returns
  // the first one.
  std::uint16_t next(wire::Ipv4Address daddr, wire::Ipv4Address saddr, std::uint8_t protocol,
                     std::uint32_t now, std::uint32_t segs = 1);

 private:
  std::uint64_t key_;
  Random random_;
  std::vector<std::uint32_t> ids_;
  std::vector<std::uint32_t> stamps_;
};

// The socket's side of ip_select_ident_segs.
struct IdentRequest {
  wire::Ipv4Address daddr;
  wire::Ipv4Address saddr;
  std::uint8_t protocol = 0;
  bool df = false;         // iph->frag_off has DF
  bool ignore_df = false;  // skb->ignore_df (ip_sk_ignore_df for datagram sockets)
  // The socket's inet_id when it has a destination (inet_daddr != 0);
  // nullptr for an unconnected socket or no socket (IP_HDRINCL, ICMP replies).
  std::uint16_t* inet_id = nullptr;
  bool tcp = false;  // TCP takes the counter before the step
  std::uint32_t segs = 1;
};

std::uint16_t select_ident(const IdentRequest& req, IdentGenerator& gen, std::uint32_t now);

}  // namespace ipc::stack::ipv4
