// See route.hpp. Linux references are to net/ipv4/ as of 6.x.
#include "stack/ipv4/route.hpp"

#include <algorithm>
#include <cerrno>

namespace ipc::stack::ipv4 {
namespace {

constexpr std::uint32_t mask_of(std::uint8_t plen) { return plen == 0 ? 0u : ~0u << (32 - plen); }

bool in_prefix(Ipv4Address a, Ipv4Address prefix, std::uint8_t plen) {
  return ((a.to_u32() ^ prefix.to_u32()) & mask_of(plen)) == 0;
}

// fib_props[type].error (fib_semantics.c) for the types that reject.
int type_error(RouteType t) {
  switch (t) {
    case RouteType::kBlackhole: return EINVAL;
    case RouteType::kUnreachable: return EHOSTUNREACH;
    case RouteType::kProhibit: return EACCES;
    case RouteType::kThrow: return EAGAIN;
    default: return 0;
  }
}

}  // namespace

const char* to_string(RouteType t) {
  switch (t) {
    case RouteType::kUnspec: return "unspec";
    case RouteType::kUnicast: return "unicast";
    case RouteType::kLocal: return "local";
    case RouteType::kBroadcast: return "broadcast";
    case RouteType::kAnycast: return "anycast";
    case RouteType::kMulticast: return "multicast";
    case RouteType::kBlackhole: return "blackhole";
    case RouteType::kUnreachable: return "unreachable";
    case RouteType::kProhibit: return "prohibit";
    case RouteType::kThrow: return "throw";
  }
  return "?";
}

// --- interfaces and addresses -------------------------------------------------

Interface* RoutingTable::find_iface(int index) {
  for (auto& i : ifaces_)
    if (i.index == index) return &i;
  return nullptr;
}

const Interface* RoutingTable::interface(int index) const {
  for (const auto& i : ifaces_)
    if (i.index == index) return &i;
  return nullptr;
}

const Interface* RoutingTable::interface_by_name(const std::string& name) const {
  for (const auto& i : ifaces_)
    if (i.name == name) return &i;
  return nullptr;
}

int RoutingTable::add_interface(int index, std::string name, int mtu, bool loopback, bool up) {
  if (index <= 0) return EINVAL;
  if (interface(index) || interface_by_name(name)) return EEXIST;
  Interface i;
  i.index = index;
  i.name = std::move(name);
  i.mtu = mtu;
  i.loopback = loopback;
  i.up = up;
  ifaces_.push_back(std::move(i));
  std::sort(ifaces_.begin(), ifaces_.end(), [](const Interface& a, const Interface& b) { return a.index < b.index; });
  return 0;
}

int RoutingTable::set_up(int index, bool up) {
  Interface* i = find_iface(index);
  if (!i) return ENODEV;
  i->up = up;
  return 0;
}

void RoutingTable::add_auto_route(Table table, RouteType type, Ipv4Address dst, std::uint8_t plen, int oif,
                                  Ipv4Address prefsrc) {
  // fib_magic: scope host for RTN_LOCAL, link otherwise; prefsrc = ifa_local.
  for (const auto& r : routes_)
    if (r.table == table && r.dst == dst && r.prefix_len == plen && r.type == type && r.oif == oif) return;
  Route r;
  r.table = table;
  r.dst = Ipv4Address::from_u32(dst.to_u32() & mask_of(plen));
  r.prefix_len = plen;
  r.type = type;
  r.scope = type == RouteType::kLocal ? Scope::kHost : Scope::kLink;
  r.oif = oif;
  r.prefsrc = prefsrc;
  r.automatic = true;
  routes_.push_back(r);
}

int RoutingTable::add_address(int ifindex, Ipv4Address local, std::uint8_t prefix_len,
                              std::optional<Ipv4Address> broadcast, std::optional<Scope> scope) {
  if (prefix_len > 32) return EINVAL;
  Interface* dev = find_iface(ifindex);
  if (!dev) return ENODEV;
  for (const auto& a : dev->addresses)
    if (a.local == local && a.prefix_len == prefix_len) return EEXIST;

  InterfaceAddress ifa;
  ifa.local = local;
  ifa.prefix_len = prefix_len;
  if (broadcast && !broadcast->is_unspecified()) ifa.broadcast = broadcast;
  ifa.scope = scope.value_or(local.is_loopback() ? Scope::kHost : Scope::kUniverse);
  // __inet_insert_ifa: an address inside the subnet of a primary with the
  // same prefix length on this device becomes secondary.
  for (const auto& a : dev->addresses)
    if (!a.secondary && a.prefix_len == prefix_len && in_prefix(local, a.local, prefix_len)) ifa.secondary = true;
  dev->addresses.push_back(ifa);

  // fib_add_ifaddr (fib_frontend.c).
  const std::uint32_t mask = mask_of(prefix_len);
  const Ipv4Address prefix = Ipv4Address::from_u32(local.to_u32() & mask);
  add_auto_route(Table::kLocal, RouteType::kLocal, local, 32, ifindex, local);
  if (ifa.broadcast && !ifa.broadcast->is_broadcast() && !dev->loopback)
    add_auto_route(Table::kLocal, RouteType::kBroadcast, *ifa.broadcast, 32, ifindex, local);
  if (!prefix.is_zeronet() && !ifa.secondary && (prefix != local || prefix_len < 32)) {
    // The prefix route: RTN_LOCAL in the local table on a loopback device,
    // else the connected RTN_UNICAST route (scope link) in main.
    if (dev->loopback)
      add_auto_route(Table::kLocal, RouteType::kLocal, prefix, prefix_len, ifindex, local);
    else
      add_auto_route(Table::kMain, RouteType::kUnicast, prefix, prefix_len, ifindex, local);
    // "Add the network broadcast address, when it makes sense": only the
    // all-ones host part. Current kernels add no route for the network
    // address itself, so 192.0.2.0 is UNICAST (address.bind.not-local:
    // binding it fails with EADDRNOTAVAIL).
    if (prefix_len < 31)
      add_auto_route(Table::kLocal, RouteType::kBroadcast, Ipv4Address::from_u32(prefix.to_u32() | ~mask), 32,
                     ifindex, local);
  }
  return 0;
}

// --- routes ---------------------------------------------------------------------

int RoutingTable::add_route(const RouteSpec& s) {
  if (s.prefix_len > 32) return EINVAL;
  if ((s.dst.to_u32() & ~mask_of(s.prefix_len)) != 0) return EINVAL;  // fib_table_insert: host bits set
  const bool rejecting = type_error(s.type) != 0;
  Route r;
  r.table = s.table;
  r.dst = s.dst;
  r.prefix_len = s.prefix_len;
  r.type = s.type;
  r.gateway = s.gateway;
  r.oif = s.oif;
  r.prefsrc = s.prefsrc;
  r.mtu = s.mtu;
  r.metric = s.metric;
  r.scope = s.scope.value_or(s.type == RouteType::kLocal ? Scope::kHost
                             : (s.gateway || rejecting)  ? Scope::kUniverse
                                                         : Scope::kLink);
  if (!rejecting) {
    if (r.oif != 0 && !interface(r.oif)) return ENODEV;
    if (r.gateway) {
      // fib_check_nh_v4_gw: the gateway must be reached by a route of scope
      // link or narrower (connected subnet) that is unicast; a gateway that
      // is our own address is EINVAL; no such route -> ENETUNREACH.
      if (r.scope >= Scope::kLink) return EINVAL;
      if (addr_type(*r.gateway) == RouteType::kLocal) return EINVAL;
      const Route* via = nullptr;
      for (Table t : {Table::kLocal, Table::kMain}) {
        via = table_lookup(t, *r.gateway, r.oif);
        if (via) break;
      }
      if (!via || via->scope < Scope::kLink) return ENETUNREACH;
      if (via->type != RouteType::kUnicast) return EINVAL;
      if (r.oif == 0) r.oif = via->oif;
    } else if (r.oif == 0) {
      return ENODEV;  // "ip route add" without dev and via: no nexthop device
    }
    if (r.prefsrc && addr_type(*r.prefsrc) != RouteType::kLocal) return EINVAL;  // fib_create_info
  }
  for (const auto& o : routes_)
    if (o.table == r.table && o.dst == r.dst && o.prefix_len == r.prefix_len && o.metric == r.metric) return EEXIST;
  routes_.push_back(r);
  return 0;
}

int RoutingTable::delete_route(Table table, Ipv4Address dst, std::uint8_t prefix_len, std::uint32_t metric) {
  for (auto it = routes_.begin(); it != routes_.end(); ++it) {
    if (it->table == table && it->dst == dst && it->prefix_len == prefix_len && it->metric == metric) {
      routes_.erase(it);
      return 0;
    }
  }
  return ESRCH;
}

bool RoutingTable::nexthop_alive(const Route& r) const {
  if (r.oif == 0) return true;
  const Interface* dev = interface(r.oif);
  if (!dev) return false;
  // fib_sync_down_dev on NETDEV_DOWN marks the nexthops of a down device
  // dead, except those of host-scope (local) routes.
  return dev->up || r.scope == Scope::kHost;
}

const Route* RoutingTable::table_lookup(Table table, Ipv4Address dst, int oif) const {
  const Route* best = nullptr;
  for (const auto& r : routes_) {
    if (r.table != table || !in_prefix(dst, r.dst, r.prefix_len)) continue;
    if (type_error(r.type) == 0) {
      if (!nexthop_alive(r)) continue;
      // fib_lookup_good_nhc: with flowi4_oif set, only nexthops on that device.
      if (oif != 0 && r.oif != oif) continue;
    }
    if (!best || r.prefix_len > best->prefix_len || (r.prefix_len == best->prefix_len && r.metric < best->metric))
      best = &r;
  }
  return best;
}

RoutingTable::Match RoutingTable::fib_lookup(Ipv4Address dst, int oif) const {
  // The default rules: 0 lookup local, 32766 lookup main (32767 default is
  // empty here). A THROW route continues with the next rule.
  for (Table t : {Table::kLocal, Table::kMain}) {
    const Route* r = table_lookup(t, dst, oif);
    if (!r || r->type == RouteType::kThrow) continue;
    if (int e = type_error(r->type)) return {r, e};
    return {r, 0};
  }
  return {nullptr, ENETUNREACH};
}

// --- classification -------------------------------------------------------------

AddrType RoutingTable::addr_type(Ipv4Address addr) const { return dev_addr_type(0, addr); }

AddrType RoutingTable::dev_addr_type(int ifindex, Ipv4Address addr) const {
  // __inet_dev_addr_type (fib_frontend.c): only RT_TABLE_LOCAL is consulted.
  if (addr.is_zeronet() || addr.is_broadcast()) return RouteType::kBroadcast;
  if (addr.is_multicast()) return RouteType::kMulticast;
  // fib_table_lookup without an oif; dead nexthops do not match.
  const Route* r = table_lookup(Table::kLocal, addr, 0);
  if (r && (ifindex == 0 || r->oif == ifindex)) return r->type;
  return RouteType::kUnicast;
}

bool RoutingTable::bind_address_ok(Ipv4Address addr, bool nonlocal) const {
  // inet_addr_valid_or_nonlocal (af_inet.c).
  if (nonlocal || addr.is_unspecified()) return true;
  const AddrType t = addr_type(addr);
  return t == RouteType::kLocal || t == RouteType::kMulticast || t == RouteType::kBroadcast;
}

int RoutingTable::device_of_local_address(Ipv4Address addr) const {
  // __ip_dev_find (devinet.c): the inet_addr_lst hash of ifa_local first,
  // then the local table for an RTN_LOCAL route.
  for (const auto& i : ifaces_)
    for (const auto& a : i.addresses)
      if (a.local == addr) return i.index;
  const Route* r = table_lookup(Table::kLocal, addr, 0);
  if (r && r->type == RouteType::kLocal) return r->oif;
  return 0;
}

Ipv4Address RoutingTable::select_source(int ifindex, Ipv4Address dst, Scope scope) const {
  // inet_select_addr (devinet.c).
  if (const Interface* dev = interface(ifindex)) {
    std::optional<Ipv4Address> addr;
    for (const auto& a : dev->addresses) {
      if (a.secondary) continue;
      if (a.scope > scope) continue;
      if (dst.is_unspecified() || in_prefix(dst, a.local, a.prefix_len)) return a.local;
      if (!addr) addr = a.local;
    }
    if (addr) return *addr;
  }
  // "Not loopback addresses on loopback should be preferred in this case":
  // any device, in index order (lo first), a primary non-link-scope address.
  for (const auto& i : ifaces_)
    for (const auto& a : i.addresses)
      if (!a.secondary && a.scope != Scope::kLink && a.scope <= scope) return a.local;
  return {};
}

Ipv4Address RoutingTable::result_prefsrc(const Route& r) const {
  // fib_result_prefsrc / __fib_result_prefsrc (fib_semantics.c).
  if (r.prefsrc) return *r.prefsrc;
  return select_source(r.oif, r.gateway.value_or(Ipv4Address{}), r.scope);
}

// --- output routes --------------------------------------------------------------

RouteResult RoutingTable::make_route(const Route* res, RouteType type, Ipv4Address dst, Ipv4Address src,
                                     int orig_oif, int dev_out_index, bool flag_local, bool mc_member) const {
  // __mkroute_output (route.c).
  const Interface* dev_out = interface(dev_out_index);
  if (!dev_out) return RouteResult(ENODEV);
  if (src.is_loopback() && !dev_out->loopback) return RouteResult(EINVAL);  // loopback source off lo
  if (dst.is_broadcast())
    type = RouteType::kBroadcast;
  else if (dst.is_multicast())
    type = RouteType::kMulticast;
  else if (dst.is_zeronet())
    return RouteResult(EINVAL);

  OutputRoute out;
  out.dst = dst;
  out.src = src;
  out.oif = dev_out->index;
  out.route_oif = orig_oif;
  out.type = type;
  out.local = flag_local || dev_out->loopback;
  const Route* fi = res;
  if (type == RouteType::kBroadcast) {
    out.broadcast = true;
    out.local = true;
    fi = nullptr;
  } else if (type == RouteType::kMulticast) {
    out.multicast = true;
    out.local = out.local || mc_member;  // RTCF_LOCAL only when ip_check_mc_rcu says we are a member
    // "If multicast route do not exist use default one, but do not gateway
    // in this case": a match shorter than /4 loses its nexthop.
    if (fi && fi->prefix_len < 4) fi = nullptr;
  }
  // rt_set_nexthop: a gateway with link scope nexthop is used.
  if (fi && fi->gateway && type != RouteType::kLocal) {
    out.uses_gateway = true;
    out.next_hop = *fi->gateway;
  } else {
    out.next_hop = dst;
  }
  // ipv4_mtu: the RTAX_MTU metric, else the device MTU.
  out.mtu = (fi && fi->mtu) ? fi->mtu : dev_out->mtu;
  return RouteResult(out);
}

RouteResult RoutingTable::output_route(Ipv4Address dst, Ipv4Address src, int oif, OutputFlags flags, bool igmp,
                                       bool mc_member) const {
  // ip_route_output_key_hash_rcu (route.c).
  const int orig_oif = oif;
  int dev_out = 0;

  if (!src.is_unspecified()) {
    if (src.is_multicast() || src.is_broadcast() || src.is_zeronet()) return RouteResult(EINVAL);
    if (oif == 0 && (dst.is_multicast() || dst.is_broadcast())) {
      // "Special hack": the source address picks the device of a multicast
      // or limited-broadcast flow.
      dev_out = device_of_local_address(src);
      if (!dev_out) return RouteResult(ENETUNREACH);
      return make_route(nullptr, RouteType::kUnicast, dst, src, orig_oif, dev_out, false, mc_member);
    }
    // The source must be local unless FLOWI_FLAG_ANYSRC: a non-local
    // IP_PKTINFO spec_dst fails with ENETUNREACH (cmsg.send.pktinfo-bad).
    if (!flags.any_src && !device_of_local_address(src)) return RouteResult(ENETUNREACH);
  }

  if (oif != 0) {
    const Interface* dev = interface(oif);
    if (!dev) return RouteResult(ENODEV);  // cmsg.send.pktinfo-bad: unknown ifindex
    if (!dev->up) return RouteResult(ENETUNREACH);
    dev_out = oif;
    if (dst.is_local_multicast() || dst.is_broadcast() || igmp) {
      if (src.is_unspecified()) src = select_source(oif, {}, Scope::kLink);
      return make_route(nullptr, RouteType::kUnicast, dst, src, orig_oif, dev_out, false, mc_member);
    }
    if (src.is_unspecified()) {
      if (dst.is_multicast())
        src = select_source(oif, {}, Scope::kUniverse);  // flowi4_scope
      else if (dst.is_unspecified())
        src = select_source(oif, {}, Scope::kHost);
    }
  }

  if (dst.is_unspecified()) {
    // No destination: talk to ourselves over lo (address.connect.inaddr-any-dgram).
    dst = src;
    if (dst.is_unspecified()) dst = src = Ipv4Address::loopback();
    const Interface* lo = nullptr;
    for (const auto& i : ifaces_)
      if (i.loopback) { lo = &i; break; }
    if (!lo) return RouteResult(ENODEV);
    return make_route(nullptr, RouteType::kLocal, dst, src, orig_oif, lo->index, true, mc_member);
  }

  const Match m = fib_lookup(dst, oif);
  if (!m.route || m.err) {
    if (!m.route && oif != 0) {
      // "Apparently, routing tables are wrong. Assume, that the destination
      // is on link."
      if (src.is_unspecified()) src = select_source(oif, {}, Scope::kLink);
      return make_route(nullptr, RouteType::kUnicast, dst, src, orig_oif, dev_out, false, mc_member);
    }
    // No route: ENETUNREACH, not EHOSTUNREACH (address.connect.unreachable,
    // address.broadcast.limited-unrouted).
    return RouteResult(m.err ? m.err : ENETUNREACH);
  }
  const Route& res = *m.route;

  if (res.type == RouteType::kLocal) {
    if (src.is_unspecified()) src = res.prefsrc.value_or(dst);
    const Interface* lo = nullptr;
    for (const auto& i : ifaces_)
      if (i.loopback) { lo = &i; break; }
    if (!lo) return RouteResult(ENODEV);
    // orig_oif points at the FIB result's device though the packet uses lo.
    return make_route(&res, RouteType::kLocal, dst, src, res.oif, lo->index, true, mc_member);
  }

  // fib_select_path: the source from the route (prefsrc or inet_select_addr).
  if (src.is_unspecified()) src = result_prefsrc(res);
  return make_route(&res, res.type, dst, src, orig_oif, res.oif, false, mc_member);
}

RoutingTable RoutingTable::suite_topology() {
  RoutingTable t;
  (void)t.add_interface(1, "lo", 65536, true);
  (void)t.add_interface(2, "dut0", 1500, false);
  (void)t.add_address(1, Ipv4Address(127, 0, 0, 1), 8);
  (void)t.add_address(2, Ipv4Address(192, 0, 2, 1), 24, Ipv4Address(192, 0, 2, 255));
  RouteSpec gw;
  gw.dst = Ipv4Address(198, 51, 100, 0);
  gw.prefix_len = 24;
  gw.gateway = Ipv4Address(192, 0, 2, 254);
  (void)t.add_route(gw);
  RouteSpec mc;
  mc.dst = Ipv4Address(224, 0, 0, 0);
  mc.prefix_len = 4;
  mc.oif = 2;
  (void)t.add_route(mc);
  return t;
}

}  // namespace ipc::stack::ipv4
