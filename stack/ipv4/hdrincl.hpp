// IP_HDRINCL sends: what Linux's raw_send_hdrinc (net/ipv4/raw.c) does with a
// header the user wrote.
//   - length > the device MTU -> EMSGSIZE (never fragmented, whatever
//     IP_MTU_DISCOVER says; checked before anything else);
//   - length < 20 -> EINVAL; ihl*4 > length -> EINVAL; ihl < 5 -> EINVAL
//     (raw.hdrincl.too-big: an all-zero header);
//   - with ihl >= 5: saddr 0 -> the route's source; tot_len = length always;
//     id 0 -> ip_select_ident with no socket (DF: stays 0, else the
//     per-destination generator); checksum recomputed always;
//   - TTL, TOS, DF, the options and the protocol are never touched (socket
//     IP_TTL/IP_TOS/IP_MTU_DISCOVER do not apply).
// raw_sendmsg refuses IP_HDRINCL when the socket (or a cmsg) has IP options at
// all, even empty ones: EINVAL -- the caller checks that before calling here.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "stack/wire/address.hpp"
#include "stack/wire/error.hpp"

namespace ipc::stack::ipv4 {

struct HdrinclContext {
  wire::Ipv4Address route_src;  // fl4->saddr
  std::size_t device_mtu = 1500;  // rt->dst.dev->mtu
  // Called for id 0 with (daddr, saddr, protocol, df); returns the id
  // (select_ident with inet_id = nullptr, ignore_df = false).
  std::function<std::uint16_t(wire::Ipv4Address, wire::Ipv4Address, std::uint8_t, bool)> pick_id;
};

wire::Result<std::vector<std::uint8_t>, int> build_hdrincl(std::span<const std::uint8_t> user,
                                                           const HdrinclContext& ctx);

}  // namespace ipc::stack::ipv4
