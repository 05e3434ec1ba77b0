// Mirrors cases/address/{bind,privileged,connect}.toml and
// cases/proc/ip_local_port_range.toml (UDP instances), as recorded on 6.18.
#include "stack/udp/port_table.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <set>

namespace ipc::stack::udp {
namespace {

const Ipv4Address kAny = Ipv4Address::unspecified();
const Ipv4Address kLo = Ipv4Address::loopback();
const Ipv4Address kDut{192, 0, 2, 1};
const Ipv4Address kPeer{192, 0, 2, 2};
const Ipv4Address kBcast = Ipv4Address::broadcast();

PortTable one_port_table(std::uint16_t p) {
  PortConfig c;
  c.local_port_range = {p, p};
  return PortTable(c, 7);
}

// address.bind.local
TEST(PortTable, BindLocal) {
  for (auto a : {kAny, kLo, Ipv4Address{127, 1, 2, 3}, kDut}) {
    PortTable t;
    ASSERT_TRUE(t.open(1));
    EXPECT_EQ(t.bind(1, a, 5000), 0);
    EXPECT_EQ(t.binding(1)->local_addr, a);
    EXPECT_EQ(t.binding(1)->local_port, 5000);
  }
}

// address.bind.twice: EINVAL, first binding kept.
TEST(PortTable, DoubleBindEinval) {
  PortTable t;
  t.open(1);
  ASSERT_EQ(t.bind(1, kAny, 5000), 0);
  EXPECT_EQ(t.bind(1, kLo, 6000), EINVAL);
  EXPECT_EQ(t.bind(1, kAny, 0), EINVAL);
  EXPECT_EQ(t.binding(1)->local_addr, kAny);
  EXPECT_EQ(t.binding(1)->local_port, 5000);
}

// address.bind.after-connect (udp): connect autobinds, then bind -> EINVAL.
TEST(PortTable, BindAfterConnectEinval) {
  PortTable t;
  t.open(1);
  ASSERT_EQ(t.autobind(1), 0);
  ASSERT_EQ(t.connect(1, kPeer, 7, kDut), 0);
  EXPECT_EQ(t.bind(1, kAny, 5000), EINVAL);
}

// address.bind.in-use: wildcard conflicts with any address on the port.
TEST(PortTable, InUse) {
  const std::pair<Ipv4Address, Ipv4Address> pairs[] = {{kAny, kAny}, {kLo, kLo}, {kAny, kLo}, {kLo, kAny}, {kDut, kAny}};
  for (auto [a1, a2] : pairs) {
    PortTable t;
    t.open(1);
    t.open(2);
    ASSERT_EQ(t.bind(1, a1, 5000), 0);
    EXPECT_EQ(t.bind(2, a2, 5000), EADDRINUSE) << a1.to_string() << " " << a2.to_string();
    EXPECT_EQ(t.binding(2)->local_port, 0);
    EXPECT_EQ(t.bind(2, a2, 5001), 0);  // the failed bind left it unbound
  }
}

// address.bind.distinct-addresses
TEST(PortTable, DistinctAddressesCoexist) {
  PortTable t;
  t.open(1);
  t.open(2);
  EXPECT_EQ(t.bind(1, kDut, 5000), 0);
  EXPECT_EQ(t.bind(2, kLo, 5000), 0);
}

// address.bind.inaddr-broadcast-no-wildcard: 255.255.255.255 is specific.
TEST(PortTable, BroadcastIsNotWildcard) {
  PortTable t;
  t.open(1);
  t.open(2);
  t.open(3);
  ASSERT_EQ(t.bind(1, kBcast, 5000), 0);
  EXPECT_EQ(t.binding(1)->local_addr, kBcast);
  EXPECT_EQ(t.bind(2, kDut, 5000), 0);
  EXPECT_EQ(t.bind(3, kAny, 5000), EADDRINUSE);  // the wildcard still overlaps both
}

// address.bind.inaddr-broadcast-receive / address.bind.any-receives-all
TEST(PortTable, BroadcastBoundDoesNotReceiveUnicast) {
  PortTable t;
  t.open(1);
  ASSERT_EQ(t.bind(1, kBcast, 5000), 0);
  EXPECT_FALSE(t.lookup(kLo, 5000, kLo, 40000).has_value());
  EXPECT_EQ(t.lookup(kBcast, 5000, kPeer, 40000), SocketId{1});
  t.open(2);
  ASSERT_EQ(t.bind(2, kAny, 6000), 0);
  EXPECT_EQ(t.lookup(kLo, 6000, kLo, 40000), SocketId{2});
  EXPECT_EQ(t.lookup(kDut, 6000, kPeer, 40000), SocketId{2});
}

// address.bind.reuse: both SO_REUSEADDR, or both SO_REUSEPORT (same uid).
TEST(PortTable, Reuse) {
  struct Case {
    SocketOptions o1, o2;
    int expect;
  };
  SocketOptions none, ra, rp, rp_other_uid;
  ra.reuse_addr = true;
  rp.reuse_port = true;
  rp_other_uid.reuse_port = true;
  rp_other_uid.owner_uid = 1000;
  const Case cases[] = {
      {ra, ra, 0},                  // reuseaddr-both
      {ra, none, EADDRINUSE},       // reuseaddr-first
      {none, ra, EADDRINUSE},       // reuseaddr-second
      {rp, rp, 0},                  // reuseport-both
      {rp, none, EADDRINUSE},       // reuseport-first
      {none, rp, EADDRINUSE},       // reuseport-second
      {rp, rp_other_uid, EADDRINUSE},  // sk_uid differs
  };
  for (const auto& c : cases) {
    PortTable t;
    t.open(1, c.o1);
    t.open(2, c.o2);
    ASSERT_EQ(t.bind(1, kAny, 5000), 0);
    EXPECT_EQ(t.bind(2, kAny, 5000), c.expect);
  }
}

// udp_lib_lport_inuse: different bound devices never conflict.
TEST(PortTable, BoundDevicesCoexist) {
  PortTable t;
  SocketOptions d1, d2;
  d1.bound_dev_if = 2;
  d2.bound_dev_if = 3;
  t.open(1, d1);
  t.open(2, d2);
  t.open(3);
  ASSERT_EQ(t.bind(1, kAny, 5000), 0);
  EXPECT_EQ(t.bind(2, kAny, 5000), 0);
  EXPECT_EQ(t.bind(3, kAny, 5000), EADDRINUSE);  // unbound device overlaps both
  EXPECT_EQ(t.lookup(kDut, 5000, kPeer, 1, 3), SocketId{2});
  EXPECT_EQ(t.lookup(kDut, 5000, kPeer, 1, 2), SocketId{1});
  EXPECT_FALSE(t.lookup(kDut, 5000, kPeer, 1, 4).has_value());
}

// address.privileged.*: EACCES below ip_unprivileged_port_start without the
// capability, whatever the address; port 0 is exempt; EACCES precedes EINVAL.
TEST(PortTable, Privileged) {
  PortTable t;
  t.open(1);
  EXPECT_EQ(t.bind(1, kAny, 80), EACCES);          // without-cap
  EXPECT_EQ(t.bind(1, kDut, 80), EACCES);          // without-cap-specific-address
  EXPECT_EQ(t.bind(1, kAny, 1023), EACCES);
  EXPECT_EQ(t.bind(1, kAny, 1024), 0);             // without-cap-unprivileged-port
  EXPECT_EQ(t.bind(1, kAny, 80), EACCES);          // __inet_bind order: EACCES before double bind
  EXPECT_EQ(t.bind(1, kAny, 2000), EINVAL);
  t.open(2);
  EXPECT_EQ(t.bind(2, kAny, 80, {.cap_net_bind_service = true}), 0);  // with-cap
  t.open(3);
  EXPECT_EQ(t.bind(3, kAny, 0), 0);  // port 0: ephemeral, no check
}

// address.privileged.port-start / port-start-with-cap
TEST(PortTable, PrivilegedPortStart) {
  PortConfig c;
  c.unprivileged_port_start = 2000;
  PortTable t(c);
  t.open(1);
  t.open(2);
  EXPECT_EQ(t.bind(1, kAny, 1500), EACCES);
  EXPECT_EQ(t.bind(1, kAny, 2000), 0);
  EXPECT_EQ(t.bind(2, kAny, 1500, {.cap_net_bind_service = true}), 0);
  c.unprivileged_port_start = 0;
  PortTable t0(c);
  t0.open(1);
  EXPECT_EQ(t0.bind(1, kAny, 1), 0);
}

// address.bind.ephemeral, address.bind.ephemeral-range
TEST(PortTable, EphemeralInRange) {
  PortTable t(PortConfig{}, 42);
  std::set<std::uint16_t> seen;
  for (SocketId i = 1; i <= 200; ++i) {
    t.open(i);
    ASSERT_EQ(t.bind(i, i % 2 ? kAny : kLo, 0), 0);
    const auto p = t.binding(i)->local_port;
    EXPECT_GE(p, 32768);
    EXPECT_LE(p, 60999);
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 200u);  // every wildcard/loopback pair overlaps, so all distinct
  for (std::uint16_t r : {std::uint16_t{40000}, std::uint16_t{1024}}) {
    PortTable one = one_port_table(r);
    one.open(1);
    ASSERT_EQ(one.bind(1, kAny, 0), 0);
    EXPECT_EQ(one.binding(1)->local_port, r);
  }
}

TEST(PortTable, EphemeralDeterministicPerSeed) {
  auto first_port = [](std::uint64_t seed) {
    PortTable t(PortConfig{}, seed);
    t.open(1);
    t.bind(1, kAny, 0);
    return t.binding(1)->local_port;
  };
  EXPECT_EQ(first_port(9), first_port(9));
}

// Small range, small table: every port of the range is eventually found.
TEST(PortTable, EphemeralFillsWholeRange) {
  PortConfig c;
  c.local_port_range = {50000, 50099};
  c.hash_slots = 16;
  PortTable t(c, 3);
  std::set<std::uint16_t> seen;
  for (SocketId i = 1; i <= 100; ++i) {
    t.open(i);
    ASSERT_EQ(t.bind(i, kAny, 0), 0) << i;
    seen.insert(t.binding(i)->local_port);
  }
  EXPECT_EQ(seen.size(), 100u);
  t.open(101);
  EXPECT_EQ(t.bind(101, kAny, 0), EADDRINUSE);
  EXPECT_EQ(t.autobind(101), EAGAIN);
}

TEST(PortTable, ReservedPortsSkipped) {
  PortConfig c;
  c.local_port_range = {40000, 40001};
  c.reserved_ports = {40000};
  PortTable t(c, 1);
  t.open(1);
  t.open(2);
  ASSERT_EQ(t.bind(1, kAny, 0), 0);
  EXPECT_EQ(t.binding(1)->local_port, 40001);
  EXPECT_EQ(t.bind(2, kAny, 0), EADDRINUSE);
  t.open(3);
  EXPECT_EQ(t.bind(3, kAny, 40000), 0);  // reserved only for ephemeral choice
}

// address.bind.ephemeral-exhausted, proc.ip_local_port_range.exhausted-bind:
// EADDRINUSE for bind; address.connect.ephemeral-exhausted-{connect,sendto},
// proc.ip_local_port_range.exhausted-{connect,sendto}: EAGAIN for autobind.
TEST(PortTable, Exhausted) {
  PortTable t = one_port_table(40000);
  t.open(1);
  t.open(2);
  ASSERT_EQ(t.bind(1, kAny, 40000), 0);
  EXPECT_EQ(t.bind(2, kAny, 0), EADDRINUSE);
  EXPECT_EQ(t.autobind(2), EAGAIN);
  EXPECT_EQ(t.binding(2)->local_port, 0);
  // Taken by an explicit bind on a specific address: a port-0 bind on another
  // specific address still fits, the wildcard does not.
  PortTable u = one_port_table(40000);
  u.open(1);
  u.open(2);
  u.open(3);
  ASSERT_EQ(u.bind(1, kLo, 40000), 0);
  EXPECT_EQ(u.bind(2, kDut, 0), 0);
  EXPECT_EQ(u.bind(3, kAny, 0), EADDRINUSE);
}

// address.connect.udp-autobind, address.connect.sendto-autobind,
// proc.ip_local_port_range.{connect,sendto}-autobind
TEST(PortTable, Autobind) {
  PortConfig c;
  c.local_port_range = {40000, 40009};
  PortTable t(c, 5);
  t.open(1);
  t.open(2);
  ASSERT_EQ(t.autobind(1), 0);  // sendto: address stays INADDR_ANY
  EXPECT_EQ(t.binding(1)->local_addr, kAny);
  EXPECT_GE(t.binding(1)->local_port, 40000);
  EXPECT_LE(t.binding(1)->local_port, 40009);
  const auto p = t.binding(1)->local_port;
  EXPECT_EQ(t.autobind(1), 0);  // already bound: no change
  EXPECT_EQ(t.binding(1)->local_port, p);
  ASSERT_EQ(t.autobind(2), 0);  // connect: autobind, then the route source
  ASSERT_EQ(t.connect(2, kPeer, 7, kDut), 0);
  EXPECT_EQ(t.binding(2)->local_addr, kDut);
  EXPECT_EQ(t.binding(2)->peer_addr, kPeer);
}

// address.connect.connect-bound, address.connect.udp-reconnect
TEST(PortTable, ConnectBoundKeepsPortAndFirstSource) {
  PortTable t;
  t.open(1);
  ASSERT_EQ(t.bind(1, kAny, 5000), 0);
  ASSERT_EQ(t.connect(1, kPeer, 7, kDut), 0);
  EXPECT_EQ(t.binding(1)->local_port, 5000);
  EXPECT_EQ(t.binding(1)->local_addr, kDut);
  ASSERT_EQ(t.connect(1, kLo, 7, kLo), 0);
  EXPECT_EQ(t.binding(1)->local_addr, kDut);  // only set when it was 0
  EXPECT_EQ(t.binding(1)->peer_addr, kLo);
}

// address.connect.unspec-bound / unspec-autobound-udp / unspec-unconnected
TEST(PortTable, Disconnect) {
  PortTable t;
  t.open(1);
  ASSERT_EQ(t.bind(1, kAny, 5000), 0);
  ASSERT_EQ(t.connect(1, kPeer, 7, kDut), 0);
  t.disconnect(1);
  EXPECT_EQ(t.binding(1)->local_addr, kAny);
  EXPECT_EQ(t.binding(1)->local_port, 5000);
  EXPECT_FALSE(t.binding(1)->peer_addr.has_value());

  t.open(2);
  ASSERT_EQ(t.autobind(2), 0);
  ASSERT_EQ(t.connect(2, kPeer, 7, kDut), 0);
  t.disconnect(2);
  EXPECT_EQ(t.binding(2)->local_addr, kAny);
  EXPECT_EQ(t.binding(2)->local_port, 0);
  EXPECT_EQ(t.autobind(2), 0);  // unhashed: can be bound again

  t.open(3);
  t.disconnect(3);
  EXPECT_EQ(t.binding(3)->local_port, 0);
  EXPECT_EQ(t.bind(3, kLo, 5001), 0);
  t.disconnect(3);  // SOCK_BINDADDR_LOCK: the address stays
  EXPECT_EQ(t.binding(3)->local_addr, kLo);
}

// close() frees the port (unhash).
TEST(PortTable, CloseFreesPort) {
  PortTable t;
  t.open(1);
  t.open(2);
  ASSERT_EQ(t.bind(1, kAny, 5000), 0);
  EXPECT_EQ(t.bind(2, kAny, 5000), EADDRINUSE);
  t.close(1);
  EXPECT_FALSE(t.contains(1));
  EXPECT_EQ(t.bind(2, kAny, 5000), 0);
  EXPECT_FALSE(t.open(2));
}

// compute_score / __udp4_lib_lookup: exact address before wildcard; a
// connected socket beats an unconnected one; a wrong peer does not match.
TEST(PortTable, LookupScoring) {
  SocketOptions ra;
  ra.reuse_addr = true;
  PortTable t;
  t.open(1, ra);
  t.open(2, ra);
  t.open(3, ra);
  ASSERT_EQ(t.bind(1, kAny, 5000), 0);
  ASSERT_EQ(t.bind(2, kDut, 5000), 0);
  EXPECT_EQ(t.lookup(kDut, 5000, kPeer, 9), SocketId{2});
  EXPECT_EQ(t.lookup(kLo, 5000, kLo, 9), SocketId{1});
  ASSERT_EQ(t.bind(3, kDut, 5000), 0);
  EXPECT_EQ(t.lookup(kDut, 5000, kPeer, 9), SocketId{3});  // tie: last hashed wins
  ASSERT_EQ(t.connect(2, kPeer, 9, kDut), 0);
  EXPECT_EQ(t.lookup(kDut, 5000, kPeer, 9), SocketId{2});
  EXPECT_EQ(t.lookup(kDut, 5000, kPeer, 10), SocketId{3});  // wrong peer port
  EXPECT_FALSE(t.lookup(kDut, 5001, kPeer, 9).has_value());
}

// sock_reuseport.c: members join one group; the choice is a per-flow hash
// (stable for a 4-tuple, spread across members).
TEST(PortTable, ReuseportGroupSelection) {
  SocketOptions rp;
  rp.reuse_port = true;
  PortTable t(PortConfig{}, 11);
  for (SocketId i = 1; i <= 4; ++i) {
    t.open(i, rp);
    ASSERT_EQ(t.bind(i, kAny, 5000), 0);
  }
  EXPECT_EQ(t.reuseport_group(3), (std::vector<SocketId>{1, 2, 3, 4}));
  std::set<SocketId> chosen;
  for (std::uint16_t sport = 1000; sport < 1200; ++sport) {
    auto a = t.lookup(kDut, 5000, kPeer, sport);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a, t.lookup(kDut, 5000, kPeer, sport));
    chosen.insert(*a);
  }
  EXPECT_EQ(chosen.size(), 4u);
  t.close(2);
  EXPECT_EQ(t.reuseport_group(1), (std::vector<SocketId>{1, 3, 4}));
  // A member with a different exact address forms its own group.
  t.open(9, rp);
  ASSERT_EQ(t.bind(9, kDut, 5000), 0);
  EXPECT_EQ(t.reuseport_group(9), (std::vector<SocketId>{9}));
  EXPECT_EQ(t.lookup(kDut, 5000, kPeer, 1), SocketId{9});
}

// udp_v4_mcast_deliver: all sockets on the port with wildcard or matching
// address (and matching peer/device if set).
TEST(PortTable, LookupAll) {
  SocketOptions ra;
  ra.reuse_addr = true;
  SocketOptions dev = ra;
  dev.bound_dev_if = 5;
  PortTable t;
  t.open(1, ra);
  t.open(2, ra);
  t.open(3, ra);
  t.open(4, ra);
  t.open(5, dev);
  const Ipv4Address group{224, 1, 2, 3};
  ASSERT_EQ(t.bind(1, kAny, 5000), 0);
  ASSERT_EQ(t.bind(2, group, 5000), 0);
  ASSERT_EQ(t.bind(3, kDut, 5000), 0);
  ASSERT_EQ(t.bind(4, kAny, 5000), 0);
  ASSERT_EQ(t.connect(4, kLo, 1, kLo), 0);  // now 127.0.0.1 -> peer 127.0.0.1:1
  ASSERT_EQ(t.bind(5, kAny, 5000), 0);
  EXPECT_EQ(t.lookup_all(group, 5000, kPeer, 9, 2), (std::vector<SocketId>{2, 1}));
  EXPECT_EQ(t.lookup_all(group, 5000, kPeer, 9, 5), (std::vector<SocketId>{5, 2, 1}));
  EXPECT_EQ(t.lookup_all(kBcast, 5000, kPeer, 9, 2), (std::vector<SocketId>{1}));
  EXPECT_TRUE(t.lookup_all(kBcast, 5001, kPeer, 9, 2).empty());
}

}  // namespace
}  // namespace ipc::stack::udp
