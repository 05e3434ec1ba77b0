// setsockopt/getsockopt at SOL_IP for the options stack/socket leaves out
// (is_ip_sockopt_handled() == false): IP_MULTICAST_IF, IP_UNICAST_IF, the
// membership and source-filter options and MCAST_*, with the structure
// forms, length rules and errno choice of Linux's do_ip_setsockopt /
// do_ip_getsockopt (net/ipv4/ip_sockglue.c). Layouts are x86-64's; integers
// in structures are host order, addresses network order.
#pragma once

#include <cstdint>
#include <span>

#include "stack/mcast/mcast_membership.hpp"
#include "stack/socket/ip_sockopt.hpp"

namespace ipc::stack::mcast {

struct McastSockFacts {
  socket::SockType type = socket::SockType::Dgram;
  int bound_dev_if = 0;  // SO_BINDTODEVICE (sk_bound_dev_if), 0: none
};

// The SOL_IP options this layer answers: exactly those of 32..50 that
// socket::is_ip_sockopt_handled() leaves out, except the IPsec ones.
bool is_mcast_sockopt(int optname);

// `optval` holds the bytes the caller can read (EFAULT past them); `optlen`
// is the length argument as passed.
socket::SockoptResult mcast_setsockopt(McastHost&, McastSocketState&, const McastSockFacts&, int optname,
                                       std::span<const std::uint8_t> optval, int optlen, Clock::time_point now);

// `buf` is the caller's buffer as it is before the call: IP_MSFILTER and
// MCAST_MSFILTER read their request header from it, and writing past its
// end is EFAULT (optlen already written back, as the kernel does).
socket::SockoptResult mcast_getsockopt(const McastHost&, const McastSocketState&, const McastSockFacts&,
                                       int optname, std::span<const std::uint8_t> buf, int optlen);

}  // namespace ipc::stack::mcast
