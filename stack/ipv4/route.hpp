// IPv4 routing: interfaces with their addresses, the local and main tables
// with the routes Linux creates for an address (net/ipv4/fib_frontend.c
// fib_add_ifaddr / fib_magic), address classification (inet_addr_type) and
// output route resolution (net/ipv4/route.c ip_route_output_key_hash_rcu and
// __mkroute_output, source choice by net/ipv4/devinet.c inet_select_addr).
//
// Pure logic: no I/O, no clocks. Errors are positive errno values, as Linux
// returns them negated. Not modelled: policy routing beyond the two default
// rules (local, then main), multipath, TOS, marks, VRF/l3mdev, route_localnet,
// nexthop exceptions (PMTU), the route cache, multicast forwarding, group
// membership (RTCF_LOCAL on a multicast route: see OutputRoute::local).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stack/wire/address.hpp"
#include "stack/wire/error.hpp"

namespace ipc::stack::ipv4 {

using wire::Ipv4Address;

// rtm_type values (include/uapi/linux/rtnetlink.h).
enum class RouteType : std::uint8_t {
  kUnspec = 0,
  kUnicast = 1,
  kLocal = 2,
  kBroadcast = 3,
  kAnycast = 4,
  kMulticast = 5,
  kBlackhole = 6,
  kUnreachable = 7,
  kProhibit = 8,
  kThrow = 9,
};
// inet_addr_type answers with a route type.
using AddrType = RouteType;
const char* to_string(RouteType);

// rtm_scope / ifa_scope values; a larger value is a narrower scope.
enum class Scope : std::uint8_t {
  kUniverse = 0,
  kSite = 200,
  kLink = 253,
  kHost = 254,
  kNowhere = 255,
};

// RT_TABLE_MAIN / RT_TABLE_LOCAL.
enum class Table : std::uint8_t { kMain = 254, kLocal = 255 };

struct InterfaceAddress {
  Ipv4Address local;                     // ifa_local
  std::uint8_t prefix_len = 32;          // ifa_prefixlen
  std::optional<Ipv4Address> broadcast;  // ifa_broadcast ("brd"); none = 0
  Scope scope = Scope::kUniverse;        // ifa_scope
  bool secondary = false;                // IFA_F_SECONDARY (set by add_address)
};

struct Interface {
  int index = 0;
  std::string name;
  bool up = true;        // IFF_UP
  int mtu = 1500;
  bool loopback = false;  // IFF_LOOPBACK
  std::vector<InterfaceAddress> addresses;  // in insertion order; primaries before their secondaries
};

struct Route {
  Table table = Table::kMain;
  Ipv4Address dst;  // the prefix (host bits clear)
  std::uint8_t prefix_len = 0;
  RouteType type = RouteType::kUnicast;
  Scope scope = Scope::kUniverse;
  int oif = 0;                          // nexthop device (0 for unreachable/blackhole/prohibit)
  std::optional<Ipv4Address> gateway;   // nexthop gateway
  std::optional<Ipv4Address> prefsrc;   // fib_prefsrc
  int mtu = 0;                          // RTAX_MTU metric; 0 = the device's
  std::uint32_t metric = 0;             // fib_priority; lower wins among equal prefixes
  bool automatic = false;               // created by add_address (fib_magic)
};

// What the caller passes to add_route (an "ip route add").
struct RouteSpec {
  Ipv4Address dst;
  std::uint8_t prefix_len = 0;
  std::optional<Ipv4Address> gateway;  // "via"
  int oif = 0;                         // "dev"; derived from the gateway when 0
  RouteType type = RouteType::kUnicast;
  std::optional<Scope> scope;          // default as iproute2: link without a gateway, universe with one, host for local
  std::optional<Ipv4Address> prefsrc;  // "src"
  int mtu = 0;
  std::uint32_t metric = 0;
  Table table = Table::kMain;
};

// flowi4_flags that matter here.
struct OutputFlags {
  bool any_src = false;  // FLOWI_FLAG_ANYSRC (IP_TRANSPARENT): skip the source-is-local check
};

struct OutputRoute {
  Ipv4Address dst;          // fl4->daddr (INADDR_ANY becomes the source or 127.0.0.1)
  Ipv4Address src;          // fl4->saddr: the hint or the chosen source
  Ipv4Address next_hop;     // rt_gateway when uses_gateway, else dst
  bool uses_gateway = false;
  int oif = 0;              // dst.dev: the device the packet leaves on (lo for local routes)
  int route_oif = 0;        // rt_iif = orig_oif: for a local route, the device owning the address
  RouteType type = RouteType::kUnicast;  // rt_type after __mkroute_output
  bool local = false;       // RTCF_LOCAL. For multicast it is set only when the caller
                            // reports membership (ip_check_mc_rcu) — see output_route.
  bool broadcast = false;   // RTCF_BROADCAST
  bool multicast = false;   // RTCF_MULTICAST
  int mtu = 0;              // dst_mtu: the route's MTU metric or the device MTU
};

using RouteResult = wire::Result<OutputRoute, int>;

class RoutingTable {
 public:
  // Interfaces. Index must be > 0 and unused, else EEXIST / EINVAL.
  int add_interface(int index, std::string name, int mtu, bool loopback, bool up = true);
  int set_up(int index, bool up);  // ENODEV for an unknown index
  const Interface* interface(int index) const;
  const Interface* interface_by_name(const std::string& name) const;
  const std::vector<Interface>& interfaces() const { return ifaces_; }

  // "ip addr add local/prefix_len [brd broadcast] dev index". The scope
  // defaults to host for 127/8 (as iproute2 sets it), universe otherwise.
  // Adds the routes of fib_add_ifaddr. EEXIST for a duplicate address on the
  // device, ENODEV, EINVAL for prefix_len > 32.
  int add_address(int ifindex, Ipv4Address local, std::uint8_t prefix_len,
                  std::optional<Ipv4Address> broadcast = std::nullopt, std::optional<Scope> scope = std::nullopt);

  // "ip route add". EINVAL for a bad prefix or a non-local prefsrc, ENODEV,
  // ENETUNREACH when a gateway is not on a connected subnet, EEXIST for the
  // same prefix, table and metric.
  int add_route(const RouteSpec&);
  // Removes a route with this table, prefix and metric; ESRCH if none.
  int delete_route(Table, Ipv4Address dst, std::uint8_t prefix_len, std::uint32_t metric = 0);
  const std::vector<Route>& routes() const { return routes_; }

  // inet_addr_type (fib_frontend.c __inet_dev_addr_type): 0/8 and
  // 255.255.255.255 are BROADCAST, 224/4 MULTICAST, otherwise the type of the
  // local-table route that matches, and UNICAST when none does (Linux never
  // answers UNREACHABLE here: a bind to an unroutable address sees UNICAST
  // and fails with EADDRNOTAVAIL, case address.bind.not-local).
  AddrType addr_type(Ipv4Address) const;
  // inet_dev_addr_type: as addr_type, but a matching route on another device
  // gives UNICAST.
  AddrType dev_addr_type(int ifindex, Ipv4Address) const;
  // Whether a bind to `addr` is allowed (inet_addr_valid_or_nonlocal):
  // INADDR_ANY, LOCAL, MULTICAST, BROADCAST, or anything when nonlocal.
  bool bind_address_ok(Ipv4Address addr, bool nonlocal) const;

  // __ip_dev_find: the device owning `addr` (an ifa_local), else the device
  // of a local-table RTN_LOCAL route for it (127.0.0.5 -> lo); 0 if none.
  int device_of_local_address(Ipv4Address) const;

  // inet_select_addr (devinet.c): a primary address of `ifindex` with scope
  // not narrower than `scope`, preferring one on dst's subnet; failing that a
  // non-link-scope one of any device in index order. Unspecified if none.
  Ipv4Address select_source(int ifindex, Ipv4Address dst, Scope scope) const;

  // ip_route_output_key_hash_rcu + __mkroute_output with flowi4_scope
  // universe, no TOS/mark, proto not IGMP (pass igmp = true for IPPROTO_IGMP:
  // such a flow with an oif skips the lookup like local multicast). `mc_member`
  // stands in for ip_check_mc_rcu(dev_out, dst) on multicast routes.
  RouteResult output_route(Ipv4Address dst, Ipv4Address src_hint = {}, int oif = 0, OutputFlags flags = {},
                           bool igmp = false, bool mc_member = false) const;

  // The fixture topology of the suite: lo (1) 127.0.0.1/8; dut0 (2)
  // 192.0.2.1/24 brd 192.0.2.255 mtu 1500; 198.51.100.0/24 via 192.0.2.254;
  // 224.0.0.0/4 dev dut0; no default route.
  static RoutingTable suite_topology();

 private:
  struct Match {
    const Route* route = nullptr;
    int err = 0;  // errno from a blackhole/unreachable/prohibit route, or ENETUNREACH
  };
  Interface* find_iface(int index);
  // fib_table_lookup on one table: longest prefix, then lowest metric, then
  // insertion order, skipping dead nexthops and (oif != 0) other devices.
  const Route* table_lookup(Table, Ipv4Address dst, int oif) const;
  // fib_lookup with the default rules: local, then main (a THROW goes on).
  Match fib_lookup(Ipv4Address dst, int oif) const;
  bool nexthop_alive(const Route&) const;
  Ipv4Address result_prefsrc(const Route&) const;  // fib_result_prefsrc
  RouteResult make_route(const Route* res, RouteType res_type, Ipv4Address dst, Ipv4Address src, int orig_oif,
                         int dev_out, bool flag_local, bool mc_member) const;
  void add_auto_route(Table, RouteType, Ipv4Address dst, std::uint8_t plen, int oif, Ipv4Address prefsrc);

  std::vector<Interface> ifaces_;  // kept sorted by index
  std::vector<Route> routes_;
};

}  // namespace ipc::stack::ipv4
