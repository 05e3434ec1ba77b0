#include "stack/ipv4/route.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace ipc::stack::ipv4 {
namespace {

Ipv4Address A(const char* s) { return *Ipv4Address::parse(s); }

class SuiteTopology : public ::testing::Test {
 protected:
  RoutingTable t = RoutingTable::suite_topology();
};

TEST_F(SuiteTopology, AutomaticRoutes) {
  int local = 0, bcast = 0, main = 0;
  for (const auto& r : t.routes()) {
    if (!r.automatic) continue;
    if (r.table == Table::kLocal && r.type == RouteType::kLocal) ++local;
    if (r.table == Table::kLocal && r.type == RouteType::kBroadcast) ++bcast;
    if (r.table == Table::kMain) ++main;
  }
  EXPECT_EQ(local, 3);  // 127.0.0.1/32, 127.0.0.0/8, 192.0.2.1/32
  EXPECT_EQ(bcast, 2);  // 127.255.255.255, 192.0.2.255 (no network-address route)
  EXPECT_EQ(main, 1);   // 192.0.2.0/24 scope link
}

TEST_F(SuiteTopology, AddrType) {
  EXPECT_EQ(t.addr_type(A("192.0.2.1")), RouteType::kLocal);
  EXPECT_EQ(t.addr_type(A("192.0.2.255")), RouteType::kBroadcast);
  EXPECT_EQ(t.addr_type(A("255.255.255.255")), RouteType::kBroadcast);
  EXPECT_EQ(t.addr_type(A("0.0.0.0")), RouteType::kBroadcast);
  EXPECT_EQ(t.addr_type(A("0.1.2.3")), RouteType::kBroadcast);
  EXPECT_EQ(t.addr_type(A("127.255.255.255")), RouteType::kBroadcast);
  // Current kernels add no route for the network address (address.bind.not-local).
  EXPECT_EQ(t.addr_type(A("192.0.2.0")), RouteType::kUnicast);
  EXPECT_EQ(t.addr_type(A("224.1.1.1")), RouteType::kMulticast);
  // inet_addr_type consults only the local table: no match is UNICAST.
  EXPECT_EQ(t.addr_type(A("203.0.113.9")), RouteType::kUnicast);
  EXPECT_EQ(t.addr_type(A("192.0.2.2")), RouteType::kUnicast);
  EXPECT_EQ(t.addr_type(A("127.0.0.5")), RouteType::kLocal);
  EXPECT_EQ(t.dev_addr_type(2, A("192.0.2.1")), RouteType::kLocal);
  EXPECT_EQ(t.dev_addr_type(1, A("192.0.2.1")), RouteType::kUnicast);
}

TEST_F(SuiteTopology, BindAddressOk) {
  // address.bind.local / bcast-mcast-dgram / inaddr-broadcast / not-local.
  EXPECT_TRUE(t.bind_address_ok(A("0.0.0.0"), false));
  EXPECT_TRUE(t.bind_address_ok(A("127.0.0.1"), false));
  EXPECT_TRUE(t.bind_address_ok(A("192.0.2.1"), false));
  EXPECT_TRUE(t.bind_address_ok(A("192.0.2.255"), false));
  EXPECT_TRUE(t.bind_address_ok(A("255.255.255.255"), false));
  EXPECT_TRUE(t.bind_address_ok(A("224.0.0.1"), false));
  EXPECT_FALSE(t.bind_address_ok(A("192.0.2.2"), false));
  EXPECT_FALSE(t.bind_address_ok(A("198.51.100.7"), false));
  EXPECT_FALSE(t.bind_address_ok(A("203.0.113.9"), false));
  EXPECT_FALSE(t.bind_address_ok(A("192.0.2.0"), false));
  EXPECT_FALSE(t.bind_address_ok(A("1.0.0.192"), false));  // address.bind.sockaddr-bytes-swapped-addr
  EXPECT_TRUE(t.bind_address_ok(A("203.0.113.9"), true));  // address.bind.nonlocal-allowed
}

TEST_F(SuiteTopology, ConnectedPeer) {
  auto r = t.output_route(A("192.0.2.2"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->src, A("192.0.2.1"));
  EXPECT_EQ(r->next_hop, A("192.0.2.2"));
  EXPECT_FALSE(r->uses_gateway);
  EXPECT_EQ(r->oif, 2);
  EXPECT_EQ(r->type, RouteType::kUnicast);
  EXPECT_FALSE(r->local);
  EXPECT_EQ(r->mtu, 1500);
}

TEST_F(SuiteTopology, GatewayRoute) {
  auto r = t.output_route(A("198.51.100.7"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->src, A("192.0.2.1"));
  EXPECT_EQ(r->next_hop, A("192.0.2.254"));
  EXPECT_TRUE(r->uses_gateway);
  EXPECT_EQ(r->oif, 2);
  EXPECT_EQ(r->type, RouteType::kUnicast);
}

TEST_F(SuiteTopology, NoRouteIsEnetunreach) {
  // address.connect.unreachable, address.connect.sendto-unreachable.
  auto r = t.output_route(A("203.0.113.9"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), ENETUNREACH);
  EXPECT_EQ(t.output_route(A("203.0.113.200")).error(), ENETUNREACH);
}

TEST_F(SuiteTopology, LoopbackDestinations) {
  for (const char* d : {"127.0.0.1", "192.0.2.1"}) {
    auto r = t.output_route(A(d));
    ASSERT_TRUE(r) << d << " " << r.error();
    EXPECT_EQ(r->oif, 1) << d;
    EXPECT_EQ(r->src, A(d)) << d;
    EXPECT_EQ(r->type, RouteType::kLocal) << d;
    EXPECT_TRUE(r->local) << d;
    EXPECT_EQ(r->mtu, 65536) << d;
  }
  EXPECT_EQ(t.output_route(A("192.0.2.1"))->route_oif, 2);
  auto r = t.output_route(A("127.0.0.5"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->oif, 1);
  EXPECT_EQ(r->src, A("127.0.0.1"));  // the 127/8 route's prefsrc
}

TEST_F(SuiteTopology, InaddrAnyGoesToLoopback) {
  // address.connect.inaddr-any-dgram.
  auto r = t.output_route(A("0.0.0.0"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->dst, A("127.0.0.1"));
  EXPECT_EQ(r->src, A("127.0.0.1"));
  EXPECT_EQ(r->oif, 1);
}

TEST_F(SuiteTopology, Multicast) {
  auto r = t.output_route(A("224.1.2.3"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->oif, 2);
  EXPECT_EQ(r->src, A("192.0.2.1"));
  EXPECT_EQ(r->next_hop, A("224.1.2.3"));
  EXPECT_EQ(r->type, RouteType::kMulticast);
  EXPECT_TRUE(r->multicast);
  EXPECT_FALSE(r->local);
  EXPECT_TRUE(t.output_route(A("224.1.2.3"), {}, 0, {}, false, true)->local);
  // address.connect.udp-autobind: 224.0.0.1 gets source dut_addr.
  EXPECT_EQ(t.output_route(A("224.0.0.1"))->src, A("192.0.2.1"));
  // Local multicast with an oif skips the lookup.
  auto l = t.output_route(A("224.0.0.1"), {}, 2);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->oif, 2);
  EXPECT_EQ(l->src, A("192.0.2.1"));
}

TEST_F(SuiteTopology, MulticastWithoutRoute) {
  ASSERT_EQ(t.delete_route(Table::kMain, A("224.0.0.0"), 4), 0);
  EXPECT_EQ(t.output_route(A("224.1.2.3")).error(), ENETUNREACH);
  // With an oif the destination is assumed on link.
  auto r = t.output_route(A("224.1.2.3"), {}, 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->oif, 2);
  EXPECT_EQ(r->type, RouteType::kMulticast);
}

TEST_F(SuiteTopology, LimitedBroadcast) {
  // address.broadcast.limited-unrouted: no oif, no source, no default route.
  EXPECT_EQ(t.output_route(A("255.255.255.255")).error(), ENETUNREACH);
  auto r = t.output_route(A("255.255.255.255"), {}, 2);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->oif, 2);
  EXPECT_EQ(r->src, A("192.0.2.1"));
  EXPECT_EQ(r->type, RouteType::kBroadcast);
  EXPECT_TRUE(r->broadcast);
  EXPECT_TRUE(r->local);
  // A local source picks the device.
  auto s = t.output_route(A("255.255.255.255"), A("192.0.2.1"));
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->oif, 2);
  EXPECT_EQ(s->type, RouteType::kBroadcast);
}

TEST_F(SuiteTopology, SubnetBroadcast) {
  // address.broadcast.send-subnet-unbound: found in the local table.
  auto r = t.output_route(A("192.0.2.255"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->oif, 2);
  EXPECT_EQ(r->src, A("192.0.2.1"));
  EXPECT_TRUE(r->broadcast);
  EXPECT_EQ(r->type, RouteType::kBroadcast);
}

TEST_F(SuiteTopology, SourceHints) {
  auto ok = t.output_route(A("192.0.2.2"), A("192.0.2.1"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->src, A("192.0.2.1"));
  // cmsg.send.pktinfo-bad: non-local spec_dst -> ENETUNREACH; 127.0.0.1 off
  // lo -> EINVAL (also address.connect.bound-loopback-to-remote); unknown
  // ifindex -> ENODEV.
  EXPECT_EQ(t.output_route(A("192.0.2.2"), A("198.51.100.1")).error(), ENETUNREACH);
  EXPECT_EQ(t.output_route(A("192.0.2.2"), A("127.0.0.1")).error(), EINVAL);
  EXPECT_EQ(t.output_route(A("192.0.2.2"), {}, 99).error(), ENODEV);
  EXPECT_EQ(t.output_route(A("192.0.2.2"), A("224.0.0.1")).error(), EINVAL);
  EXPECT_EQ(t.output_route(A("192.0.2.2"), A("255.255.255.255")).error(), EINVAL);
  // cmsg.send.pktinfo-transparent: FLOWI_FLAG_ANYSRC allows any source.
  auto any = t.output_route(A("192.0.2.2"), A("198.51.100.1"), 0, OutputFlags{.any_src = true});
  ASSERT_TRUE(any);
  EXPECT_EQ(any->src, A("198.51.100.1"));
  EXPECT_EQ(any->oif, 2);
}

TEST_F(SuiteTopology, OifRestrictsLookup) {
  auto r = t.output_route(A("198.51.100.7"), {}, 2);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->uses_gateway);
  // No route via lo: assumed on link on lo.
  auto l = t.output_route(A("203.0.113.9"), {}, 1);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->oif, 1);
  EXPECT_FALSE(l->uses_gateway);
}

TEST_F(SuiteTopology, DownInterface) {
  ASSERT_EQ(t.set_up(2, false), 0);
  EXPECT_EQ(t.output_route(A("192.0.2.2")).error(), ENETUNREACH);
  EXPECT_EQ(t.output_route(A("192.0.2.2"), {}, 2).error(), ENETUNREACH);
  // The local address stays local.
  EXPECT_EQ(t.addr_type(A("192.0.2.1")), RouteType::kLocal);
}

TEST_F(SuiteTopology, AddRouteChecks) {
  RouteSpec s;
  s.dst = A("203.0.113.0");
  s.prefix_len = 24;
  s.gateway = A("10.0.0.1");  // not on a connected subnet
  EXPECT_EQ(t.add_route(s), ENETUNREACH);
  s.gateway = A("192.0.2.1");  // our own address
  EXPECT_EQ(t.add_route(s), EINVAL);
  s.gateway = A("192.0.2.253");
  s.prefsrc = A("198.51.100.1");
  EXPECT_EQ(t.add_route(s), EINVAL);
  s.prefsrc.reset();
  s.dst = A("203.0.113.1");
  EXPECT_EQ(t.add_route(s), EINVAL);  // host bits
  s.dst = A("203.0.113.0");
  s.mtu = 1400;
  EXPECT_EQ(t.add_route(s), 0);
  EXPECT_EQ(t.add_route(s), EEXIST);
  auto r = t.output_route(A("203.0.113.9"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->next_hop, A("192.0.2.253"));
  EXPECT_EQ(r->mtu, 1400);
}

TEST_F(SuiteTopology, DefaultRouteAndRejectRoutes) {
  RouteSpec d;
  d.gateway = A("192.0.2.254");
  ASSERT_EQ(t.add_route(d), 0);
  auto r = t.output_route(A("203.0.113.9"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->next_hop, A("192.0.2.254"));
  // With a default route the limited broadcast resolves (no gateway used).
  auto b = t.output_route(A("255.255.255.255"));
  ASSERT_TRUE(b) << b.error();
  EXPECT_FALSE(b->uses_gateway);
  EXPECT_EQ(b->type, RouteType::kBroadcast);

  RouteSpec u;
  u.dst = A("203.0.113.0");
  u.prefix_len = 24;
  u.type = RouteType::kUnreachable;
  ASSERT_EQ(t.add_route(u), 0);
  EXPECT_EQ(t.output_route(A("203.0.113.9")).error(), EHOSTUNREACH);
  u.dst = A("203.0.113.128");
  u.prefix_len = 25;
  u.type = RouteType::kProhibit;
  ASSERT_EQ(t.add_route(u), 0);
  EXPECT_EQ(t.output_route(A("203.0.113.200")).error(), EACCES);
}

TEST(RouteTable, SecondaryAddressAndSelectSource) {
  RoutingTable t;
  ASSERT_EQ(t.add_interface(1, "lo", 65536, true), 0);
  ASSERT_EQ(t.add_interface(2, "eth0", 9000, false), 0);
  EXPECT_EQ(t.add_interface(2, "eth1", 1500, false), EEXIST);
  ASSERT_EQ(t.add_address(1, A("127.0.0.1"), 8), 0);
  ASSERT_EQ(t.add_address(2, A("10.0.0.1"), 24, A("10.0.0.255")), 0);
  ASSERT_EQ(t.add_address(2, A("10.0.0.2"), 24, A("10.0.0.255")), 0);
  ASSERT_EQ(t.add_address(2, A("10.1.0.1"), 16), 0);
  EXPECT_EQ(t.add_address(2, A("10.0.0.2"), 24), EEXIST);
  EXPECT_EQ(t.add_address(9, A("10.9.0.1"), 24), ENODEV);
  const Interface* eth = t.interface(2);
  ASSERT_NE(eth, nullptr);
  EXPECT_FALSE(eth->addresses[0].secondary);
  EXPECT_TRUE(eth->addresses[1].secondary);
  EXPECT_EQ(t.addr_type(A("10.0.0.2")), RouteType::kLocal);
  // Primary on the destination's subnet first, else the first primary.
  EXPECT_EQ(t.select_source(2, A("10.1.5.5"), Scope::kUniverse), A("10.1.0.1"));
  EXPECT_EQ(t.select_source(2, A("8.8.8.8"), Scope::kUniverse), A("10.0.0.1"));
  // lo's host-scope address is not chosen at universe scope; a device
  // without addresses falls back to another device's.
  EXPECT_EQ(t.select_source(1, {}, Scope::kUniverse), A("10.0.0.1"));
  EXPECT_EQ(t.select_source(1, {}, Scope::kHost), A("127.0.0.1"));
  auto r = t.output_route(A("10.1.2.3"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->src, A("10.1.0.1"));
  EXPECT_EQ(r->mtu, 9000);
  // No network-broadcast route for /31.
  ASSERT_EQ(t.add_address(2, A("10.2.0.0"), 31), 0);
  EXPECT_EQ(t.addr_type(A("10.2.0.1")), RouteType::kUnicast);
}

}  // namespace
}  // namespace ipc::stack::ipv4
