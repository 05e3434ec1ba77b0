// Learnt path MTUs: the next-hop exceptions (fib_nh_exception) that
// __ip_rt_update_pmtu (net/ipv4/route.c) creates from ICMP frag needed, and
// the MTU output uses with them (ipv4_mtu).
//
// Who calls what, as in Linux:
//  * update(): the socket error handlers on frag needed, with info as the
//    MTU (ipv4_sk_update_pmtu from __udp4_lib_err, raw_err, ping_err): only
//    when a socket was found for the quoted datagram.
//  * mtu(): dst_mtu of an output route: IP_MTU getsockopt on a connected
//    socket, __ip_append_data's fragment size and EMSGSIZE check (modes that
//    use the path MTU, ip_sk_use_pmtu), DF for IP_PMTUDISC_WANT (not set when
//    locked(), ip_dont_fragment).
//  * flush(): between cases (a fresh network namespace has no exceptions).
// Keyed by destination only: this host has one nexthop per destination.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "stack/icmp/settings.hpp"
#include "stack/wire/address.hpp"

namespace ipc::stack::icmp {

struct PmtuSettings {
  int min_pmtu = 552;                                    // net.ipv4.route.min_pmtu
  std::chrono::seconds mtu_expires{600};                 // net.ipv4.route.mtu_expires
};

struct PmtuException {
  int mtu = 0;
  bool locked = false;  // fnhe_mtu_locked: clamped to min_pmtu; later updates are ignored
  TimePoint expires;
  friend bool operator==(const PmtuException&, const PmtuException&) = default;
};

class PmtuCache {
 public:
  explicit PmtuCache(PmtuSettings s = {}) : settings_(s) {}

  // __ip_rt_update_pmtu for the route to `dst`. `route_mtu`: that route's MTU
  // without exceptions (its MTU metric, else the device MTU: OutputRoute::mtu);
  // `route_mtu_locked`: the route has "mtu lock".
  void update(wire::Ipv4Address dst, std::uint32_t mtu, int route_mtu, TimePoint now, bool route_mtu_locked = false);

  // The live exception for `dst`; an expired one is gone (rt_bind_exception).
  std::optional<PmtuException> lookup(wire::Ipv4Address dst, TimePoint now) const;
  // ipv4_mtu: the exception's MTU while it lives, else `route_mtu`.
  int mtu(wire::Ipv4Address dst, int route_mtu, TimePoint now) const;
  bool locked(wire::Ipv4Address dst, TimePoint now) const;

  void flush() { entries_.clear(); }
  const PmtuSettings& settings() const { return settings_; }

 private:
  PmtuSettings settings_;
  std::map<wire::Ipv4Address, PmtuException> entries_;
};

}  // namespace ipc::stack::icmp
