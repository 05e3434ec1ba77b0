// What the multicast layer needs to know about the host's interfaces and
// routes. The stack core implements it over its routing tables; tests use a
// fixed topology. Every question is one Linux asks inside ip_sockglue.c or
// igmp.c, named after the kernel helper it stands for.
#pragma once

#include <optional>

#include "stack/wire/address.hpp"

namespace ipc::stack::mcast {

class McastEnv {
 public:
  virtual ~McastEnv() = default;
  // __ip_dev_find / ip_dev_find: the interface that owns `addr` as a local
  // address (an RTN_LOCAL entry of the local table, so all of 127/8 is lo).
  // Never a multicast or broadcast address.
  virtual std::optional<int> ifindex_of_local_addr(wire::Ipv4Address addr) const = 0;
  // dev_get_by_index / inetdev_by_index: an interface with this index (and
  // IPv4 configured) exists.
  virtual bool ifindex_exists(int ifindex) const = 0;
  // ip_route_output(net, dst, 0, 0, 0, RT_SCOPE_UNIVERSE)->dst.dev->ifindex:
  // the output device toward `dst`, 0 when there is no route. Local
  // destinations (and 0.0.0.0) go out through lo.
  virtual int output_ifindex(wire::Ipv4Address dst) const = 0;
  // The primary address of an interface (inet_select_addr), the source of
  // IGMP messages and of looped-back multicast; unspecified when none.
  virtual wire::Ipv4Address primary_addr(int ifindex) const = 0;
  // IFF_LOOPBACK: records are kept, no IGMP is sent.
  virtual bool is_loopback(int ifindex) const = 0;
};

// The per-namespace sysctls the options consult (net.ipv4.igmp_max_memberships,
// net.ipv4.igmp_max_msf, net.core.optmem_max), at their defaults.
struct McastLimits {
  int max_memberships = 20;
  int max_msf = 10;
  int optmem_max = 131072;
};

}  // namespace ipc::stack::mcast
