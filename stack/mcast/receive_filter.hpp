// Whether a socket takes a multicast datagram: ip_mc_sf_allow
// (net/ipv4/igmp.c) with IP_MULTICAST_ALL. The interface-level check
// (ip_check_mc_rcu) is McastHost::check_mc_rcv.
#pragma once

#include "stack/mcast/mcast_membership.hpp"

namespace ipc::stack::mcast {

// `mc_all` is the socket's IP_MULTICAST_ALL (socket::IpOptionsState::mc_all).
// `dif` is the arrival interface, `sdif` the L3 slave one (0: none).
// Non-multicast destinations are always allowed.
bool mc_sf_allow(const McastSocketState& s, bool mc_all, wire::Ipv4Address group, wire::Ipv4Address source,
                 int dif, int sdif = 0);

}  // namespace ipc::stack::mcast
