// The options of a reply: Linux's __ip_options_echo (net/ipv4/ip_options.c),
// used for ICMP replies (icmp_reply / icmp_send) and the IP_RETOPTS cmsg.
// From the options of a received datagram (as compile_received_options left
// them), in this order whatever the original order:
//   RR:  copied; when this host recorded itself (rr_needaddr) and a slot is
//        still free, the pointer moves on one more slot and the reply will
//        record its source there (rr_needaddr);
//   TS:  copied; with room, the pointer moves on over the slots the reply will
//        fill (needaddr / needtime; a prespecified slot only when its address
//        is not unicast); a full TS stays as it is;
//   SRR: reversed: the addresses already visited, last first, the sender's
//        first hop taken out as faddr; the original source is not repeated
//        (RFC 1812 "fix illegal source routes"); dropped when nothing is left;
//   nothing else (NOP, RA, unknown options) is echoed; EOL padding to 4.
// IP_RETOPTS shows the result after ip_options_undo
// (socket::ip_options_user_view).
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "stack/socket/ip_options_set.hpp"
#include "stack/wire/address.hpp"
#include "stack/wire/error.hpp"

namespace ipc::stack::ipv4 {

// `header`: the received IP header (options as processed on input); `sopt`:
// their compiled form (compile_received_options). is_unicast: inet_addr_type
// == RTN_UNICAST. EINVAL where Linux's echo fails (no room for the reply's
// own entry): IP_RETOPTS then sets MSG_CTRUNC and ICMP sends no reply options.
wire::Result<socket::CompiledIpOptions, int> echo_options(std::span<const std::uint8_t> header,
                                                          const socket::CompiledIpOptions& sopt,
                                                          const std::function<bool(wire::Ipv4Address)>& is_unicast);

}  // namespace ipc::stack::ipv4
