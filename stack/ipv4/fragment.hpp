// Splitting an IPv4 datagram into fragments, as Linux's ip_do_fragment
// (net/ipv4/ip_output.c) does for a datagram bigger than the path MTU:
//  - every fragment but the last carries (mtu - ihl*4) & ~7 bytes of data;
//  - every fragment gets a copy of the original header (same id, TTL, TOS,
//    DF as given, same header length); after the first, the options without
//    the copied bit are overwritten with NOPs (ip_options_fragment);
//  - fragment offset = the original offset + the data before it, in 8-byte
//    units; MF on all but the last, and on the last too when the original
//    had MF (refragmenting a fragment);
//  - tot_len and the header checksum per fragment (ip_send_check).
// Whether fragmenting is allowed at all (DF, IP_PMTUDISC_*) is the caller's
// decision; see output.hpp.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stack/wire/error.hpp"

namespace ipc::stack::ipv4 {

// `datagram` is a whole checked IPv4 datagram (tot_len == its size). Errors:
// EMSGSIZE when not even 8 bytes of data fit after the header, EINVAL when
// the bytes are not an IPv4 datagram.
wire::Result<std::vector<std::vector<std::uint8_t>>, int> fragment_datagram(std::span<const std::uint8_t> datagram,
                                                                             std::size_t mtu);

}  // namespace ipc::stack::ipv4
