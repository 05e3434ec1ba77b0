// IP options of a received datagram: Linux's __ip_options_compile with an skb
// (net/ipv4/ip_options.c), called by ip_rcv_options after the input route is
// known. Validation errors are those of stack/wire/ipv4_options (same order,
// same offending byte); on top of that, this host's entries are written into
// the header the way Linux does before the datagram is queued, so IP_RECVOPTS
// and raw sockets see them:
//   RR with room:   our address (spec_dst) into the slot, pointer += 4;
//   TS flag 0:      the time into the slot, pointer += 4;
//   TS flag 1:      our address and the time, pointer += 8;
//   TS flag 3:      stamped (pointer += 8) only when the prespecified address
//                   is not a unicast route (inet_addr_type != RTN_UNICAST,
//                   i.e. ours, broadcast or multicast);
//   TS full:        the overflow counter + 1 (except flag 3);
//   other TS flags: nothing.
// The header checksum is not recomputed (Linux only does that when
// forwarding: ip_forward_options).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "stack/socket/ip_options_set.hpp"
#include "stack/wire/address.hpp"

namespace ipc::stack::ipv4 {

struct OptionsRcvContext {
  wire::Ipv4Address spec_dst;   // fib_compute_spec_dst: the daddr for unicast to us, else the reply source
  std::uint32_t timestamp = 0;  // inet_current_timestamp(), the caller's clock
  // inet_addr_type(addr) == RTN_UNICAST.
  std::function<bool(wire::Ipv4Address)> is_unicast;
};

// The result is a struct ip_options (offsets into the options area, like
// CompiledIpOptions everywhere in the stack); `data` holds the options as
// now in the header. On error: the ICMP parameter-problem pointer (counted
// from the start of the IP header) and the options are partially updated, as
// in the kernel (the ICMP error quotes them so).
struct OptionsRcvResult {
  socket::CompiledIpOptions opt;
  std::optional<std::uint8_t> param_problem;
};

// `area` is the options area of the header (ihl*4 - 20 bytes), updated in place.
OptionsRcvResult compile_received_options(std::span<std::uint8_t> area, const OptionsRcvContext& ctx);

}  // namespace ipc::stack::ipv4
