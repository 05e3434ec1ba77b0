// TcpTable against Linux 6.18: every expectation marked "kernel:" was
// observed with real sockets in a fresh network namespace (loopback,
// 192.0.2.0/24 on lo, veth devices for SO_BINDTODEVICE).
#include "stack/tcp/tcp_table.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <set>

namespace ipc::stack::tcp {
namespace {

using udp::BindFacts;
using udp::PortConfig;
using udp::SocketOptions;

const Ipv4Address kAny = Ipv4Address::unspecified();
const Ipv4Address kLo = Ipv4Address::loopback();
const Ipv4Address kLo2{127, 0, 0, 2};
const Ipv4Address kA{192, 0, 2, 1};
const Ipv4Address kB{192, 0, 2, 2};
const Ipv4Address kPeer{198, 51, 100, 1};

SocketOptions opts(bool ra, bool rp = false, int dev = 0, std::uint32_t uid = 0) {
  SocketOptions o;
  o.reuse_addr = ra;
  o.reuse_port = rp;
  o.bound_dev_if = dev;
  o.owner_uid = uid;
  return o;
}
const SocketOptions N = opts(false), RA = opts(true), RP = opts(false, true), RARP = opts(true, true);

TcpTable ranged(std::uint16_t low, std::uint16_t high, std::uint64_t seed = 1) {
  PortConfig c;
  c.local_port_range = {low, high};
  return TcpTable(c, seed);
}

// A TIME_WAIT entry for lport -> peer, left by a socket with options `o`
// that was bound to addr:lport and connected.
void make_tw(TcpTable& t, SocketId id, SocketOptions o, Ipv4Address addr, std::uint16_t lport, Ipv4Address peer,
             std::uint16_t pport) {
  ASSERT_TRUE(t.open(id, o));
  ASSERT_EQ(t.bind(id, addr, lport), 0);
  ASSERT_EQ(t.connect(id, addr, peer, pport, {}), 0);
  t.time_wait(id);
}

// ---------------------------------------------------------------------------
// bind(2) conflicts on one port.

struct PairCase {
  const char* name;
  SocketOptions o1;
  Ipv4Address a1;
  bool listen1;
  SocketOptions o2;
  Ipv4Address a2;
  int expect;
};

// kernel: p1 matrix (every row observed).
TEST(TcpTableBind, ConflictMatrix) {
  const PairCase cases[] = {
      {"wildcard/specific", N, kAny, false, N, kA, EADDRINUSE},
      {"specific/wildcard", N, kA, false, N, kAny, EADDRINUSE},
      {"two specific", N, kA, false, N, kB, 0},
      {"same specific", N, kA, false, N, kA, EADDRINUSE},
      {"reuseaddr both", RA, kAny, false, RA, kAny, 0},
      {"reuseaddr vs listener", RA, kAny, true, RA, kAny, EADDRINUSE},
      {"reuseaddr vs listener, specific", RA, kAny, true, RA, kA, EADDRINUSE},
      {"reuseaddr first only", RA, kAny, false, N, kAny, EADDRINUSE},
      {"reuseaddr second only", N, kAny, false, RA, kAny, EADDRINUSE},
      {"reuseport both", RP, kAny, false, RP, kAny, 0},
      {"reuseport both, listener", RP, kAny, true, RP, kAny, 0},
      {"reuseport other uid", RP, kAny, false, opts(false, true, 0, 1000), kAny, EADDRINUSE},
      {"reuseaddr/reuseport", RA, kAny, false, RP, kAny, EADDRINUSE},
      {"reuseport/reuseaddr", RP, kAny, false, RA, kAny, EADDRINUSE},
      {"both/reuseport", RARP, kAny, false, RP, kAny, 0},
      {"both listening/both", RARP, kAny, true, RARP, kAny, 0},
      {"both listening/reuseaddr", RARP, kAny, true, RA, kAny, EADDRINUSE},
      {"device/none", opts(false, false, 2), kAny, false, N, kAny, EADDRINUSE},
      {"none/device", N, kAny, false, opts(false, false, 2), kAny, EADDRINUSE},
      {"two devices", opts(false, false, 2), kAny, false, opts(false, false, 3), kAny, 0},
      {"same device", opts(false, false, 2), kAny, false, opts(false, false, 2), kAny, EADDRINUSE},
  };
  for (const auto& c : cases) {
    TcpTable t;
    t.open(1, c.o1);
    t.open(2, c.o2);
    ASSERT_EQ(t.bind(1, c.a1, 5000), 0) << c.name;
    if (c.listen1) {
      ASSERT_EQ(t.listen(1), 0) << c.name;
    }
    EXPECT_EQ(t.bind(2, c.a2, 5000), c.expect) << c.name;
    if (c.expect) {
      EXPECT_EQ(t.entry(2)->local_port, 0) << c.name;
      EXPECT_EQ(t.entry(2)->local_addr, kAny) << c.name;  // __inet_bind resets rcv_saddr
    }
  }
}

// kernel: both SO_REUSEADDR and bound; the first listen succeeds, the second
// gets EADDRINUSE and stays bound; a third bind is refused too.
TEST(TcpTableBind, ListenRechecksReuseAddr) {
  TcpTable t;
  t.open(1, RA);
  t.open(2, RA);
  t.open(3, RA);
  ASSERT_EQ(t.bind(1, kAny, 5001), 0);
  ASSERT_EQ(t.bind(2, kAny, 5001), 0);
  EXPECT_EQ(t.listen(1), 0);
  EXPECT_EQ(t.listen(2), EADDRINUSE);
  EXPECT_FALSE(t.entry(2)->listening);
  EXPECT_EQ(t.entry(2)->local_port, 5001);
  EXPECT_EQ(t.bind(3, kAny, 5001), EADDRINUSE);
}

// kernel: the second of two SO_REUSEADDR sockets may listen while the first
// is only bound.
TEST(TcpTableBind, ListenBesideBoundReuseAddr) {
  TcpTable t;
  t.open(1, RA);
  t.open(2, RA);
  ASSERT_EQ(t.bind(1, kAny, 5000), 0);
  ASSERT_EQ(t.bind(2, kAny, 5000), 0);
  EXPECT_EQ(t.listen(2), 0);
  EXPECT_EQ(t.listen(2), 0);  // idempotent
  EXPECT_EQ(t.listen(1), EADDRINUSE);
}

// kernel: two SO_REUSEPORT listeners of one uid share the port and a group.
TEST(TcpTableBind, ReusePortListenersShare) {
  TcpTable t;
  t.open(1, RP);
  t.open(2, RP);
  ASSERT_EQ(t.bind(1, kAny, 5000), 0);
  ASSERT_EQ(t.listen(1), 0);
  ASSERT_EQ(t.bind(2, kAny, 5000), 0);
  ASSERT_EQ(t.listen(2), 0);
  EXPECT_EQ(t.reuseport_group(1), (std::vector<SocketId>{1, 2}));
}

// kernel: EINVAL for a second bind, after listen and after connect; EACCES
// (checked before EINVAL) below ip_unprivileged_port_start.
TEST(TcpTableBind, DoubleBindAndPrivilege) {
  TcpTable t;
  t.open(1);
  ASSERT_EQ(t.bind(1, kAny, 5002), 0);
  EXPECT_EQ(t.bind(1, kAny, 5003), EINVAL);
  EXPECT_EQ(t.bind(1, kAny, 80), EACCES);
  EXPECT_EQ(t.entry(1)->local_port, 5002);
  t.open(2);
  EXPECT_EQ(t.bind(2, kAny, 80), EACCES);
  EXPECT_EQ(t.bind(2, kAny, 80, BindFacts{true}), 0);
  t.config().unprivileged_port_start = 0;
  t.open(3);
  EXPECT_EQ(t.bind(3, kAny, 81), 0);
  t.open(4);
  ASSERT_EQ(t.listen(4), 0);
  EXPECT_EQ(t.bind(4, kAny, 5004), EINVAL);
  t.open(5);
  ASSERT_EQ(t.connect(5, kLo, kLo, 7000, {}), 0);
  EXPECT_EQ(t.bind(5, kAny, 5005), EINVAL);
}

// kernel: with IP_BIND_ADDRESS_NO_PORT, bind(addr, 0) holds no port, so a
// second bind is allowed.
TEST(TcpTableBind, NoPortBindThenBind) {
  TcpTable t;
  SocketOptions o;
  o.bind_address_no_port = true;
  t.open(1, o);
  ASSERT_EQ(t.bind(1, kA, 0), 0);
  EXPECT_EQ(t.entry(1)->local_addr, kA);
  EXPECT_EQ(t.entry(1)->local_port, 0);
  EXPECT_TRUE(t.entry(1)->addr_locked);
  EXPECT_EQ(t.bind(1, kA, 5004), 0);
  EXPECT_EQ(t.entry(1)->local_port, 5004);
}

// ---------------------------------------------------------------------------
// TIME_WAIT on the port.

// kernel: p2. A TIME_WAIT left by a socket without SO_REUSEADDR blocks every
// overlapping bind; one left by an SO_REUSEADDR socket lets SO_REUSEADDR
// binds through; one left by an SO_REUSEPORT socket lets SO_REUSEPORT binds
// through. Another specific address never conflicts.
TEST(TcpTableTimeWait, BindOverTimeWait) {
  struct Row {
    SocketOptions tw;
    int n_any, n_lo, ra_any, ra_lo, rp_any, rp_lo;
  };
  const Row rows[] = {
      {N, EADDRINUSE, EADDRINUSE, EADDRINUSE, EADDRINUSE, EADDRINUSE, EADDRINUSE},
      {RA, EADDRINUSE, EADDRINUSE, 0, 0, EADDRINUSE, EADDRINUSE},
      {RP, EADDRINUSE, EADDRINUSE, EADDRINUSE, EADDRINUSE, 0, 0},
  };
  for (const auto& row : rows) {
    auto check = [&](SocketOptions o, Ipv4Address a, int expect) {
      TcpTable t;
      make_tw(t, 1, row.tw, kLo, 6000, kLo, 34264);
      t.open(2, o);
      EXPECT_EQ(t.bind(2, a, 6000), expect);
      t.open(3, o);
      EXPECT_EQ(t.bind(3, kLo2, 6000), 0);
    };
    check(N, kAny, row.n_any);
    check(N, kLo, row.n_lo);
    check(RA, kAny, row.ra_any);
    check(RA, kLo, row.ra_lo);
    check(RP, kAny, row.rp_any);
    check(RP, kLo, row.rp_lo);
  }
}

// kernel: an SO_REUSEADDR socket bound over an SO_REUSEADDR TIME_WAIT may
// listen.
TEST(TcpTableTimeWait, ListenOverReuseAddrTimeWait) {
  TcpTable t;
  make_tw(t, 1, RA, kLo, 6003, kLo, 40000);
  t.open(2, RA);
  ASSERT_EQ(t.bind(2, kAny, 6003), 0);
  EXPECT_EQ(t.listen(2), 0);
}

// kernel: a TIME_WAIT's uid is not compared (inet_bind_conflict), a live
// listener's is.
TEST(TcpTableTimeWait, ReusePortIgnoresTimeWaitUid) {
  TcpTable t;
  make_tw(t, 1, RP, kLo, 9502, kLo, 7000);
  t.open(2, opts(false, true, 0, 1000));
  EXPECT_EQ(t.bind(2, kLo, 9502), 0);
  t.open(3, RP);
  ASSERT_EQ(t.bind(3, kAny, 7001), 0);
  ASSERT_EQ(t.listen(3), 0);
  t.open(4, opts(false, true, 0, 1000));
  EXPECT_EQ(t.bind(4, kAny, 7001), EADDRINUSE);
}

TEST(TcpTableTimeWait, FrozenOptionsAndClose) {
  TcpTable t;
  make_tw(t, 1, N, kLo, 6004, kLo, 7000);
  EXPECT_TRUE(t.entry(1)->time_wait);
  EXPECT_FALSE(t.set_options(1, RA));  // tw_reuse was copied at TIME_WAIT
  EXPECT_EQ(t.lookup_established({kLo, 6004, kLo, 7000}), SocketId{1});
  t.close(1);
  EXPECT_FALSE(t.lookup_established({kLo, 6004, kLo, 7000}).has_value());
  t.open(2);
  EXPECT_EQ(t.bind(2, kAny, 6004), 0);
}

// kernel: p11. shutdown(SHUT_WR), then the peer's FIN: the TIME_WAIT takes
// the 4-tuple while the user's socket stays open in TCP_CLOSE. A port bind
// locked stays with the socket too (bind -> EINVAL); an autobound one goes
// (bind works), and the TIME_WAIT still holds it.
TEST(TcpTableTimeWait, SplitFromOpenSocket) {
  TcpTable t;
  t.open(1, RA);
  ASSERT_EQ(t.bind(1, kLo, 9600), 0);
  ASSERT_EQ(t.connect(1, kLo, kLo, 7000, {}), 0);
  ASSERT_TRUE(t.time_wait(1, 101));
  EXPECT_FALSE(t.time_wait(1, 102));  // no longer connected
  EXPECT_FALSE(t.entry(1)->tuple);
  EXPECT_EQ(t.entry(1)->local_port, 9600);
  EXPECT_EQ(t.entry(1)->local_addr, kLo);
  EXPECT_EQ(t.bind(1, kAny, 9700), EINVAL);
  EXPECT_TRUE(t.entry(101)->time_wait);
  EXPECT_EQ(t.lookup_established({kLo, 9600, kLo, 7000}), SocketId{101});

  t.open(2, RA);
  ASSERT_EQ(t.connect(2, kLo, kLo, 7000, {}), 0);
  const std::uint16_t p = t.entry(2)->local_port;
  ASSERT_TRUE(t.time_wait(2, 102));
  EXPECT_EQ(t.entry(2)->local_port, 0);
  EXPECT_EQ(t.entry(2)->sport, p);
  EXPECT_EQ(t.entry(102)->local_port, p);
  EXPECT_EQ(t.bind(2, kAny, 9701), 0);
  t.open(3);
  EXPECT_EQ(t.bind(3, kAny, p), EADDRINUSE);  // the TIME_WAIT (SO_REUSEADDR) vs a plain bind
  t.open(4, RA);
  EXPECT_EQ(t.bind(4, kAny, p), 0);
}

// ---------------------------------------------------------------------------
// bind(port 0) and listen autobind.

// kernel: p3. bind(0) and listen() autobind take odd ports (the range starts
// even); SO_REUSEADDR starts in the lower half [32768, 46884).
TEST(TcpTableEphemeral, BindZeroOddPorts) {
  TcpTable t(PortConfig{}, 3);
  std::set<std::uint16_t> seen;
  for (SocketId id = 1; id <= 200; ++id) {
    t.open(id, id % 2 ? N : RA);
    const int rc = id % 3 ? t.bind(id, kAny, 0) : t.listen(id);
    ASSERT_EQ(rc, 0);
    const std::uint16_t p = t.entry(id)->local_port;
    EXPECT_EQ(p % 2, 1) << p;
    EXPECT_GE(p, 32768);
    EXPECT_LE(p, 60999);
    if (t.options(id)->reuse_addr) {
      EXPECT_LT(p, 46884) << p;
    }
    EXPECT_TRUE(seen.insert(p).second);
    EXPECT_FALSE(t.entry(id)->port_locked);
    EXPECT_EQ(t.entry(id)->sport, p);
  }
}

// kernel: range [40010, 40012] gives bind(0) only 40011 and 40010: Linux
// rounds the 3-port range down to an even count.
TEST(TcpTableEphemeral, BindZeroOddLengthRange) {
  TcpTable t = ranged(40010, 40012);
  std::set<std::uint16_t> got;
  for (SocketId id = 1; id <= 3; ++id) {
    t.open(id);
    const int rc = t.bind(id, kAny, 0);
    if (id <= 2) {
      ASSERT_EQ(rc, 0);
      got.insert(t.entry(id)->local_port);
    } else {
      EXPECT_EQ(rc, EADDRINUSE);
    }
  }
  EXPECT_EQ(got, (std::set<std::uint16_t>{40010, 40011}));
  EXPECT_EQ(t.entry(1)->local_port, 40011);  // odd first
}

// kernel: reserved ports are skipped by bind(0) and connect but not by an
// explicit bind.
TEST(TcpTableEphemeral, ReservedPorts) {
  TcpTable t = ranged(40020, 40023);
  t.config().reserved_ports = {40021, 40022};
  t.open(1);
  t.open(2);
  t.open(3);
  ASSERT_EQ(t.bind(1, kAny, 0), 0);
  ASSERT_EQ(t.bind(2, kAny, 0), 0);
  EXPECT_EQ(std::set<std::uint16_t>({t.entry(1)->local_port, t.entry(2)->local_port}),
            (std::set<std::uint16_t>{40020, 40023}));
  EXPECT_EQ(t.bind(3, kAny, 0), EADDRINUSE);
  t.open(4);
  EXPECT_EQ(t.connect(4, kLo, kLo, 7000, {}), EADDRNOTAVAIL);
  t.open(5);
  EXPECT_EQ(t.bind(5, kAny, 40021), 0);
}

// IP_LOCAL_PORT_RANGE narrows each end that lies inside the namespace range.
TEST(TcpTableEphemeral, PerSocketRange) {
  TcpTable t;
  SocketOptions o;
  o.port_range_low = 50000;
  o.port_range_high = 50003;
  for (SocketId id = 1; id <= 2; ++id) {
    t.open(id, o);
    ASSERT_EQ(t.bind(id, kAny, 0), 0);
    EXPECT_TRUE(t.entry(id)->local_port == 50001 || t.entry(id)->local_port == 50003);
  }
  t.open(3, o);
  ASSERT_EQ(t.bind(3, kAny, 0), 0);
  EXPECT_TRUE(t.entry(3)->local_port == 50000 || t.entry(3)->local_port == 50002);
  SocketOptions outside;  // high end outside the namespace range: only low moves
  outside.port_range_low = 60990;
  outside.port_range_high = 65000;
  t.open(4, outside);
  ASSERT_EQ(t.bind(4, kAny, 0), 0);
  EXPECT_GE(t.entry(4)->local_port, 60990);
}

// kernel: bind(0) and listen autobind fail with EADDRINUSE once the range is
// used up; ports held by connections block a wildcard bind(0) but not one to
// another specific address.
TEST(TcpTableEphemeral, ExhaustedAndConnectionPorts) {
  TcpTable t = ranged(40000, 40000);
  t.open(1);
  ASSERT_EQ(t.connect(1, kLo, kLo, 7000, {}), 0);
  EXPECT_EQ(t.entry(1)->local_port, 40000);
  t.open(2);
  EXPECT_EQ(t.bind(2, kAny, 0), EADDRINUSE);
  EXPECT_EQ(t.listen(2), EADDRINUSE);
  EXPECT_FALSE(t.entry(2)->listening);
  t.open(3);
  EXPECT_EQ(t.bind(3, kLo2, 0), 0);
  EXPECT_EQ(t.entry(3)->local_port, 40000);
}

// kernel: p9. bind(0) never shares through SO_REUSEADDR unless
// ip_autobind_reuse, and then not with a listener nor a socket without it.
TEST(TcpTableEphemeral, AutobindReuse) {
  TcpTable t = ranged(41000, 41000);
  t.open(1, RA);
  ASSERT_EQ(t.bind(1, kA, 0), 0);
  ASSERT_EQ(t.connect(1, kA, kLo, 7000, {}), 0);
  t.open(2, RA);
  EXPECT_EQ(t.bind(2, kA, 0), EADDRINUSE);
  t.sysctls().ip_autobind_reuse = true;
  EXPECT_EQ(t.bind(2, kA, 0), 0);
  EXPECT_EQ(t.entry(2)->local_port, 41000);
  t.open(3);
  EXPECT_EQ(t.bind(3, kA, 0), EADDRINUSE);
  t.open(4, RARP);
  EXPECT_EQ(t.bind(4, kA, 0), 0);
  // The port was bound without a number: a failed connect gives it back.
  EXPECT_EQ(t.connect(2, kA, kLo, 7000, {}), EADDRNOTAVAIL);
  EXPECT_EQ(t.entry(2)->local_port, 0);
  EXPECT_EQ(t.entry(2)->local_addr, kA);  // locked by bind
  t.config().local_port_range = {41005, 41005};
  EXPECT_EQ(t.listen(2), 0);
  EXPECT_EQ(t.entry(2)->local_port, 41005);

  TcpTable u = ranged(41010, 41010);
  u.sysctls().ip_autobind_reuse = true;
  u.open(1, RA);
  ASSERT_EQ(u.bind(1, kA, 0), 0);
  ASSERT_EQ(u.listen(1), 0);
  u.open(2, RA);
  EXPECT_EQ(u.bind(2, kA, 0), EADDRINUSE);
}

// ---------------------------------------------------------------------------
// connect.

// kernel: p3. Ephemeral ports for connect are even (low parity first), and
// consecutive connects to one destination climb by 2..16.
TEST(TcpTableConnect, EvenPortsClimbing) {
  TcpTable t(PortConfig{}, 5);
  std::uint16_t prev = 0;
  for (SocketId id = 1; id <= 20; ++id) {
    t.open(id);
    ASSERT_EQ(t.connect(id, kLo, kLo, 7000, {}), 0);
    const auto& e = *t.entry(id);
    EXPECT_EQ(e.local_port % 2, 0);
    EXPECT_EQ(e.local_addr, kLo);
    EXPECT_EQ(e.sport, e.local_port);
    ASSERT_TRUE(e.tuple);
    EXPECT_EQ(*e.tuple, (FourTuple{kLo, e.local_port, kLo, 7000}));
    if (prev) {
      const int step = (e.local_port - prev + 28232) % 28232;
      EXPECT_GE(step, 2);
      EXPECT_LE(step, 16);
    }
    prev = e.local_port;
  }
}

// kernel: p3. One port: a second connect to the same destination gets
// EADDRNOTAVAIL (not EAGAIN) and the socket is reset; another destination
// shares the port.
TEST(TcpTableConnect, OnePortRange) {
  TcpTable t = ranged(40000, 40000);
  t.open(1);
  t.open(2);
  t.open(3);
  ASSERT_EQ(t.connect(1, kLo, kLo, 7000, {}), 0);
  EXPECT_EQ(t.connect(2, kLo, kLo, 7000, {}), EADDRNOTAVAIL);
  EXPECT_EQ(t.entry(2)->local_addr, kAny);
  EXPECT_EQ(t.entry(2)->local_port, 0);
  EXPECT_EQ(t.entry(2)->sport, 0);
  EXPECT_FALSE(t.entry(2)->tuple);
  EXPECT_EQ(t.connect(3, kLo, kLo, 7001, {}), 0);
  EXPECT_EQ(t.entry(3)->local_port, 40000);
  EXPECT_EQ(t.connect(2, kLo, kLo, 7002, {}), 0);  // a retry after the failure
}

// kernel: range [40010, 40012]: only two connects to one destination
// succeed, from 40010 and 40011.
TEST(TcpTableConnect, OddLengthRange) {
  TcpTable t = ranged(40010, 40012);
  std::set<std::uint16_t> got;
  for (SocketId id = 1; id <= 3; ++id) {
    t.open(id);
    const int rc = t.connect(id, kLo, kLo, 7000, {});
    if (id <= 2) {
      ASSERT_EQ(rc, 0);
      got.insert(t.entry(id)->local_port);
    } else {
      EXPECT_EQ(rc, EADDRNOTAVAIL);
    }
  }
  EXPECT_EQ(got, (std::set<std::uint16_t>{40010, 40011}));
}

// kernel: p4. A port whose bucket came from bind is not used by connect's
// search, even from another address and even with IP_LOCAL_PORT_RANGE (6.18
// does not have the "consider every port" change).
TEST(TcpTableConnect, SkipsBoundPorts) {
  TcpTable t = ranged(45000, 45001);
  SocketOptions np;
  np.bind_address_no_port = true;
  t.open(1);
  ASSERT_EQ(t.bind(1, kA, 45000), 0);
  t.open(2, np);
  ASSERT_EQ(t.bind(2, kB, 0), 0);
  ASSERT_EQ(t.connect(2, kB, kLo, 7000, {}), 0);
  EXPECT_EQ(t.entry(2)->local_port, 45001);
  t.open(3, np);
  ASSERT_EQ(t.bind(3, kB, 0), 0);
  EXPECT_EQ(t.connect(3, kB, kLo, 7000, {}), EADDRNOTAVAIL);
  EXPECT_EQ(t.entry(3)->local_addr, kB);  // bind locked the address
  SocketOptions pr = np;
  pr.port_range_low = pr.port_range_high = 45000;
  t.open(4, pr);
  ASSERT_EQ(t.bind(4, kB, 0), 0);
  EXPECT_EQ(t.connect(4, kB, kLo, 7000, {}), EADDRNOTAVAIL);
  SocketOptions pr1;
  pr1.port_range_low = pr1.port_range_high = 45001;
  t.open(5, pr1);
  EXPECT_EQ(t.connect(5, kLo, kLo, 7001, {}), 0);
  EXPECT_EQ(t.entry(5)->local_port, 45001);
}

// kernel: p4. IP_BIND_ADDRESS_NO_PORT leaves the port to connect, which
// shares it with connections to other destinations; a plain bind(addr, 0)
// then finds nothing.
TEST(TcpTableConnect, BindAddressNoPortShares) {
  TcpTable t = ranged(40000, 40000);
  SocketOptions np;
  np.bind_address_no_port = true;
  for (SocketId id = 1; id <= 3; ++id) {
    t.open(id, np);
    ASSERT_EQ(t.bind(id, kA, 0), 0);
    EXPECT_EQ(t.entry(id)->local_port, 0);
  }
  EXPECT_EQ(t.connect(1, kA, kLo, 7000, {}), 0);
  EXPECT_EQ(t.connect(2, kA, kLo, 7000, {}), EADDRNOTAVAIL);
  EXPECT_EQ(t.entry(2)->local_addr, kA);
  EXPECT_EQ(t.connect(3, kA, kLo, 7001, {}), 0);
  EXPECT_EQ(t.entry(1)->local_port, 40000);
  EXPECT_EQ(t.entry(3)->local_port, 40000);
  t.open(4);
  EXPECT_EQ(t.bind(4, kA, 0), EADDRINUSE);
}

// kernel: p4. Two SO_REUSEADDR sockets bound to one address and port: the
// second connect to the same destination fails and keeps its (locked) port;
// to another destination it works.
TEST(TcpTableConnect, ExplicitPortSameTuple) {
  TcpTable t;
  t.open(1, RA);
  t.open(2, RA);
  ASSERT_EQ(t.bind(1, kA, 8000), 0);
  ASSERT_EQ(t.bind(2, kA, 8000), 0);
  ASSERT_EQ(t.connect(1, kA, kLo, 7000, {}), 0);
  EXPECT_EQ(t.connect(2, kA, kLo, 7000, {}), EADDRNOTAVAIL);
  EXPECT_EQ(t.entry(2)->local_port, 8000);
  EXPECT_EQ(t.entry(2)->local_addr, kA);
  EXPECT_EQ(t.connect(2, kA, kLo, 7001, {}), 0);
  EXPECT_EQ(t.connect(2, kA, kLo, 7002, {}), EISCONN);
}

// kernel: p4. A wildcard-bound socket that connected now holds its source
// address only: another specific address may bind the port, the wildcard
// may not; connect(AF_UNSPEC) puts it back on INADDR_ANY without a check.
TEST(TcpTableConnect, WildcardBoundThenConnected) {
  TcpTable t;
  for (SocketId id = 1; id <= 5; ++id) t.open(id);
  ASSERT_EQ(t.bind(1, kAny, 8001), 0);
  ASSERT_EQ(t.connect(1, kLo, kLo, 7000, {}), 0);
  EXPECT_EQ(t.entry(1)->local_addr, kLo);
  EXPECT_EQ(t.bind(2, kA, 8001), 0);
  EXPECT_EQ(t.bind(3, kAny, 8001), EADDRINUSE);
  EXPECT_EQ(t.bind(4, kLo, 8001), EADDRINUSE);
  t.disconnect(1);
  EXPECT_EQ(t.entry(1)->local_addr, kAny);
  EXPECT_EQ(t.entry(1)->local_port, 8001);
  EXPECT_EQ(t.bind(5, kB, 8001), EADDRINUSE);
}

// kernel: p5. connect(AF_UNSPEC): a connected or listening socket gives back
// a port bind did not lock (getsockname still shows it); a socket that was
// only bound keeps it; a locked port and address stay.
TEST(TcpTableConnect, Disconnect) {
  TcpTable t;
  t.open(1);
  ASSERT_EQ(t.connect(1, kLo, kLo, 7000, {}), 0);
  const std::uint16_t p1 = t.entry(1)->local_port;
  t.disconnect(1);
  EXPECT_EQ(t.entry(1)->local_port, 0);
  EXPECT_EQ(t.entry(1)->sport, p1);  // stale inet_sport
  EXPECT_EQ(t.entry(1)->local_addr, kAny);
  EXPECT_FALSE(t.lookup_established({kLo, p1, kLo, 7000}));
  t.open(2);
  EXPECT_EQ(t.bind(2, kAny, p1), 0);
  EXPECT_EQ(t.bind(1, kAny, 9000), 0);  // unbound again

  t.open(3);
  ASSERT_EQ(t.bind(3, kAny, 0), 0);
  const std::uint16_t p3 = t.entry(3)->local_port;
  t.disconnect(3);
  EXPECT_EQ(t.entry(3)->local_port, p3);
  t.open(4);
  EXPECT_EQ(t.bind(4, kAny, p3), EADDRINUSE);

  t.open(5);
  ASSERT_EQ(t.listen(5), 0);
  const std::uint16_t p5 = t.entry(5)->local_port;
  t.disconnect(5);
  EXPECT_FALSE(t.entry(5)->listening);
  EXPECT_EQ(t.entry(5)->local_port, 0);
  EXPECT_FALSE(t.lookup_listener(kLo, p5, kLo, 1234));
  EXPECT_EQ(t.listen(5), 0);  // autobinds afresh

  t.open(6);
  ASSERT_EQ(t.bind(6, kLo, 8003), 0);
  ASSERT_EQ(t.connect(6, kLo, kLo, 7000, {}), 0);
  t.disconnect(6);
  EXPECT_EQ(t.entry(6)->local_addr, kLo);
  EXPECT_EQ(t.entry(6)->local_port, 8003);
  EXPECT_EQ(t.bind(6, kAny, 8004), EINVAL);  // still bound

  t.open(7);
  ASSERT_EQ(t.bind(7, kAny, 8004), 0);
  ASSERT_EQ(t.listen(7), 0);
  t.disconnect(7);
  EXPECT_EQ(t.entry(7)->local_port, 8004);
  t.open(8);
  EXPECT_EQ(t.bind(8, kAny, 8004), EADDRINUSE);
}

// kernel: p6. With one port and a TIME_WAIT on the destination's 4-tuple, a
// connect fails unless tcp_tw_reuse lets it take the TIME_WAIT over.
TEST(TcpTableConnect, TimeWaitReuseEphemeral) {
  TcpTable t = ranged(40000, 40000);
  t.open(1);
  ASSERT_EQ(t.connect(1, kLo, kLo, 7000, {}), 0);
  t.time_wait(1);
  std::vector<SocketId> asked;
  t.open(2);
  EXPECT_EQ(t.connect(2, kLo, kLo, 7000,
                      [&](SocketId tw) {
                        asked.push_back(tw);
                        return false;
                      }),
            EADDRNOTAVAIL);
  EXPECT_EQ(asked, std::vector<SocketId>{1});
  EXPECT_TRUE(t.contains(1));
  EXPECT_EQ(t.connect(2, kLo, kLo, 7000, [](SocketId) { return true; }), 0);
  EXPECT_FALSE(t.contains(1));  // recycled
  EXPECT_EQ(t.entry(2)->local_port, 40000);
  EXPECT_EQ(t.lookup_established({kLo, 40000, kLo, 7000}), SocketId{2});
}

// Without reuse the search moves on to the next port.
TEST(TcpTableConnect, TimeWaitNextPort) {
  TcpTable t = ranged(40000, 40003);
  t.open(1);
  ASSERT_EQ(t.connect(1, kLo, kLo, 7000, {}), 0);
  const std::uint16_t p1 = t.entry(1)->local_port;
  t.time_wait(1);
  bool asked = false;
  for (SocketId id = 2; id <= 3; ++id) {
    t.open(id);
    ASSERT_EQ(t.connect(id, kLo, kLo, 7000,
                        [&](SocketId) {
                          asked = true;
                          return false;
                        }),
              0);
    EXPECT_NE(t.entry(id)->local_port, p1);
  }
  EXPECT_TRUE(t.contains(1));
  (void)asked;  // the perturbed start may or may not pass p1 first
}

// kernel: p7. A socket bound to the TIME_WAIT's address and port (both
// SO_REUSEADDR) connects over it when the callback says so (tcp_twsk_unique
// with twp == NULL: timestamps alone), and fails when it does not.
TEST(TcpTableConnect, TimeWaitReuseBoundPort) {
  TcpTable t;
  make_tw(t, 1, RA, kLo, 9500, kLo, 7000);
  t.open(2, RA);
  ASSERT_EQ(t.bind(2, kLo, 9500), 0);
  EXPECT_EQ(t.connect(2, kLo, kLo, 7000, [](SocketId) { return false; }), EADDRNOTAVAIL);
  EXPECT_EQ(t.entry(2)->local_port, 9500);
  EXPECT_EQ(t.connect(2, kLo, kLo, 7000, [](SocketId) { return true; }), 0);
  EXPECT_FALSE(t.contains(1));
  EXPECT_EQ(t.lookup_established({kLo, 9500, kLo, 7000}), SocketId{2});
}

// __inet_check_established's inet_match: an established socket bound to a
// device does not block a connect from a socket bound elsewhere or unbound;
// an unbound one blocks everyone.
TEST(TcpTableConnect, DeviceBoundTuples) {
  TcpTable t;
  t.open(1, opts(true, false, 2));
  t.open(2, opts(true, false, 3));
  t.open(3, RA);
  t.open(4, opts(true, false, 2));
  for (SocketId id = 1; id <= 4; ++id) ASSERT_EQ(t.bind(id, kA, 8100), 0);
  ASSERT_EQ(t.connect(1, kA, kPeer, 80, {}), 0);
  EXPECT_EQ(t.connect(2, kA, kPeer, 80, {}), 0);
  EXPECT_EQ(t.connect(3, kA, kPeer, 80, {}), 0);
  EXPECT_EQ(t.connect(4, kA, kPeer, 80, {}), EADDRNOTAVAIL);               // 3 is unbound
  EXPECT_EQ(t.lookup_established({kA, 8100, kPeer, 80}, 2), SocketId{3});  // newest first
  EXPECT_EQ(t.lookup_established({kA, 8100, kPeer, 80}, 5), SocketId{3});
}

// ---------------------------------------------------------------------------
// Accepted children and lookup.

TEST(TcpTableLookup, EstablishedBeforeListener) {
  TcpTable t;
  t.open(1);
  ASSERT_EQ(t.bind(1, kAny, 80, BindFacts{true}), 0);
  ASSERT_EQ(t.listen(1), 0);
  const FourTuple c{kA, 80, kPeer, 40000};
  ASSERT_TRUE(t.add_child(1, 2, c));
  EXPECT_EQ(t.entry(2)->local_port, 80);
  EXPECT_EQ(t.entry(2)->local_addr, kA);
  EXPECT_FALSE(t.add_child(1, 3, c));                       // 4-tuple taken
  EXPECT_FALSE(t.add_child(2, 3, {kA, 80, kPeer, 40001}));  // not a listener
  EXPECT_EQ(t.lookup_established(c), SocketId{2});
  EXPECT_EQ(t.lookup_listener(kA, 80, kPeer, 40001), SocketId{1});
  t.time_wait(2);
  EXPECT_EQ(t.lookup_established(c), SocketId{2});  // TIME_WAIT: the caller's turn
  EXPECT_TRUE(t.entry(2)->time_wait);
  // The child holds the port: after the listener goes, a plain bind still
  // conflicts (TIME_WAIT of a socket without SO_REUSEADDR).
  t.close(1);
  t.open(4);
  EXPECT_EQ(t.bind(4, kAny, 80, BindFacts{true}), EADDRINUSE);
  t.close(2);
  EXPECT_EQ(t.bind(4, kAny, 80, BindFacts{true}), 0);
}

// The child is a clone of the listener: its options (hence its TIME_WAIT's
// SO_REUSEADDR) and bind locks.
TEST(TcpTableLookup, ChildInheritsOptions) {
  TcpTable t;
  t.open(1, RA);
  ASSERT_EQ(t.bind(1, kAny, 6100), 0);
  ASSERT_EQ(t.listen(1), 0);
  ASSERT_TRUE(t.add_child(1, 2, {kLo, 6100, kLo, 50000}));
  EXPECT_TRUE(t.options(2)->reuse_addr);
  EXPECT_TRUE(t.entry(2)->port_locked);
  t.time_wait(2);
  t.close(1);
  t.open(3, RA);
  EXPECT_EQ(t.bind(3, kAny, 6100), 0);
  EXPECT_EQ(t.listen(3), 0);
}

// kernel: p8. Listeners bound to the destination address win over wildcard
// ones; a listener bound to another device never matches.
TEST(TcpTableLookup, SpecificBeatsWildcard) {
  TcpTable t;
  t.open(1, RP);
  t.open(2, RP);
  ASSERT_EQ(t.bind(1, kAny, 7100), 0);
  ASSERT_EQ(t.listen(1), 0);
  ASSERT_EQ(t.bind(2, kLo, 7100), 0);
  ASSERT_EQ(t.listen(2), 0);
  EXPECT_EQ(t.lookup_listener(kLo, 7100, kLo, 40000), SocketId{2});
  EXPECT_EQ(t.lookup_listener(kLo2, 7100, kLo, 40000), SocketId{1});
  EXPECT_FALSE(t.lookup_listener(kLo, 7101, kLo, 40000));

  t.open(3, opts(false, false, 5));
  ASSERT_EQ(t.bind(3, kAny, 7500), 0);
  ASSERT_EQ(t.listen(3), 0);
  EXPECT_FALSE(t.lookup_listener(kLo, 7500, kLo, 40000, 1));
  EXPECT_FALSE(t.lookup_listener(kLo, 7500, kLo, 40000, 0));
  EXPECT_EQ(t.lookup_listener(kLo, 7500, kLo, 40000, 5), SocketId{3});
}

// kernel: p8. Two wildcard SO_REUSEPORT listeners, one bound to lo (ifindex
// 1): the newest listener comes first in the chain, and being SO_REUSEPORT
// it answers at once, so the device-bound one wins only if it came last.
TEST(TcpTableLookup, ReusePortNewestFirst) {
  for (bool bound_first : {true, false}) {
    TcpTable t;
    t.open(1, opts(false, true, bound_first ? 1 : 0));
    t.open(2, opts(false, true, bound_first ? 0 : 1));
    for (SocketId id : {1, 2}) {
      ASSERT_EQ(t.bind(id, kAny, 7200), 0);
      ASSERT_EQ(t.listen(id), 0);
    }
    for (std::uint16_t sport = 40000; sport < 40010; ++sport) {
      EXPECT_EQ(t.lookup_listener(kLo, 7200, kLo, sport, 1), SocketId{2}) << bound_first;
    }
  }
}

// compute_score decides when no SO_REUSEPORT socket answers first: two
// listeners that joined with SO_REUSEPORT and then cleared it (inet_lookup_
// reuseport reads sk_reuseport at lookup time) are scored, and the one bound
// to the arriving device wins whatever the order.
TEST(TcpTableLookup, DeviceScoreWins) {
  for (bool bound_first : {true, false}) {
    TcpTable t;
    t.open(1, opts(false, true, bound_first ? 1 : 0));
    t.open(2, opts(false, true, bound_first ? 0 : 1));
    for (SocketId id : {1, 2}) {
      ASSERT_EQ(t.bind(id, kAny, 7300), 0);
      ASSERT_EQ(t.listen(id), 0);
      ASSERT_TRUE(t.set_options(id, opts(false, false, t.options(id)->bound_dev_if)));
    }
    const SocketId bound = bound_first ? 1 : 2, unbound = bound_first ? 2 : 1;
    EXPECT_EQ(t.lookup_listener(kLo, 7300, kLo, 1, 1), bound);
    EXPECT_EQ(t.lookup_listener(kA, 7300, kPeer, 1, 2), unbound);
  }
}

// kernel: p8. A group of four listeners: every member gets connections, the
// choice is a function of the 4-tuple, and a member leaving moves the last
// one into its slot (reuseport_detach_sock).
TEST(TcpTableLookup, ReusePortGroup) {
  TcpTable t(PortConfig{}, 9);
  for (SocketId id = 1; id <= 4; ++id) {
    t.open(id, RP);
    ASSERT_EQ(t.bind(id, kAny, 7400), 0);
    ASSERT_EQ(t.listen(id), 0);
  }
  EXPECT_EQ(t.reuseport_group(3), (std::vector<SocketId>{1, 2, 3, 4}));
  std::set<SocketId> hit;
  for (std::uint16_t sport = 40000; sport < 40200; ++sport) {
    auto s = t.lookup_listener(kLo, 7400, kLo, sport);
    ASSERT_TRUE(s);
    EXPECT_EQ(t.lookup_listener(kLo, 7400, kLo, sport), s);
    hit.insert(*s);
  }
  EXPECT_EQ(hit.size(), 4u);
  t.close(2);
  EXPECT_EQ(t.reuseport_group(1), (std::vector<SocketId>{1, 4, 3}));
  // Another uid or address starts its own group.
  t.open(5, opts(false, true, 0, 0));
  ASSERT_EQ(t.bind(5, kLo, 7400), 0);
  ASSERT_EQ(t.listen(5), 0);
  EXPECT_EQ(t.reuseport_group(5), (std::vector<SocketId>{5}));
}

TEST(TcpTableLookup, CloseForgetsEverything) {
  TcpTable t;
  t.open(1);
  ASSERT_EQ(t.connect(1, kLo, kPeer, 80, {}), 0);
  const auto e = *t.entry(1);
  t.close(1);
  EXPECT_FALSE(t.contains(1));
  EXPECT_EQ(t.entry(1), nullptr);
  EXPECT_FALSE(t.lookup_established(*e.tuple));
  EXPECT_TRUE(t.open(1));
  EXPECT_FALSE(t.open(1));
  EXPECT_EQ(t.bind(1, kAny, e.local_port), 0);
  EXPECT_EQ(t.bind(99, kAny, 1), EINVAL);
  EXPECT_EQ(t.listen(99), EINVAL);
  EXPECT_EQ(t.connect(99, kLo, kLo, 1, {}), EINVAL);
}

}  // namespace
}  // namespace ipc::stack::tcp
