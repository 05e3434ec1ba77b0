// What the ICMP layer needs to know about a received datagram's arrival, and
// the message it hands back for the IP output path to send.
#pragma once

#include <cstdint>
#include <vector>

#include "stack/wire/address.hpp"

namespace ipc::stack::icmp {

using wire::Ipv4Address;

// The input route and link facts of a received datagram: skb_rtable(skb)->
// rt_flags, skb->pkt_type and skb->dev.
struct Arrival {
  bool route_local = true;       // RTCF_LOCAL: addressed to this host
  bool route_broadcast = false;  // RTCF_BROADCAST (subnet or limited broadcast)
  bool route_multicast = false;  // RTCF_MULTICAST
  bool link_host = true;         // pkt_type == PACKET_HOST: a unicast frame to our MAC
  int in_ifindex = 0;            // skb->dev
  bool in_loopback = false;      // skb->dev has IFF_LOOPBACK
};

// An ICMP message to transmit. Linux sends it through the per-cpu ICMP socket
// (icmp_push_reply -> ip_append_data): pmtudisc IP_PMTUDISC_DONT, so DF is
// clear and the IP id comes from ip_select_ident as for any such datagram.
struct OutgoingIcmp {
  std::vector<std::uint8_t> icmp;  // the whole ICMP message, checksum filled in
  Ipv4Address src;
  Ipv4Address dst;        // the answered datagram's source; with a source route in the
                          // echoed options the IP layer sends to its first hop (faddr)
  std::uint8_t tos = 0;
  std::uint8_t ttl = 64;  // ip_default_ttl
  int oif = 0;            // the device of the output route
  int mtu = 0;            // dst_mtu of that route (the IP layer fragments above it)
  // The IP header must carry ip_options_echo() of the answered datagram's
  // options (icmp_reply / __icmp_send call it); that function may produce no
  // options at all (nothing recorded) and refuses a malformed source route,
  // in which case Linux sends nothing.
  bool echo_options = false;
};

}  // namespace ipc::stack::icmp
