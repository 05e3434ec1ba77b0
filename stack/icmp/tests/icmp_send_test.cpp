// Expected values from the kernel records of cases/icmp/generated.toml
// (the DUT is 192.0.2.1 on dut0, the peer 192.0.2.2).
#include "stack/icmp/icmp_send.hpp"

#include <gtest/gtest.h>

#include "stack/icmp/tests/test_packets.hpp"

namespace ipc::stack::icmp {
namespace {

using namespace testing;

const Ipv4Address kDut{192, 0, 2, 1};
const Ipv4Address kPeer{192, 0, 2, 2};

struct Fixture : ::testing::Test {
  IcmpSettings settings;
  ipv4::RoutingTable routes = ipv4::RoutingTable::suite_topology();
  IcmpRateLimiter limiter;
  TimePoint now{std::chrono::hours(1)};
  IcmpContext ctx() { return IcmpContext{settings, routes, limiter, now}; }
  Arrival dut0() { return Arrival{.in_ifindex = 2}; }
  Fixture() { settings.ratelimit_ms = 0; }  // as every case sets icmp_ratelimit=0

  SendResult send(const Bytes& d, const IcmpErrorSpec& e, Arrival a) {
    auto c = ctx();
    return icmp_send(d, a, e, c);
  }
  SendResult send(const Bytes& d, const IcmpErrorSpec& e) { return send(d, e, dut0()); }
};

Bytes hello_to_5001(IpFields f = {}) { return ipv4(f, udp(40000, 5001, 34868, hex("68656c6c6f"))); }

using IcmpSend = Fixture;

TEST_F(IcmpSend, PortUnreachableQuotesTheWholeSmallDatagram) {
  Bytes d = hello_to_5001({.ident = 4660, .ttl = 33});
  ASSERT_EQ(ip_checksum_field(d), 917);  // the injected datagram, as recorded
  auto r = send(d, port_unreachable());
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->icmp.size(), 61u - 20u);
  EXPECT_EQ(r->icmp[0], 3);
  EXPECT_EQ(r->icmp[1], 3);
  EXPECT_EQ(icmp_checksum_field(r->icmp), 33055);
  EXPECT_EQ(Bytes(r->icmp.begin() + 8, r->icmp.end()), d);
  EXPECT_EQ(r->src, kDut);
  EXPECT_EQ(r->dst, kPeer);
  EXPECT_EQ(r->tos, 192);
  EXPECT_EQ(r->ttl, 64);
  EXPECT_EQ(r->oif, 2);
  EXPECT_FALSE(r->echo_options);
}

TEST_F(IcmpSend, PortUnreachableCutsTheQuoteTo576Bytes) {
  Bytes d = ipv4({.ident = 4660, .ttl = 33}, udp(40000, 5001, 12989, counting(1000)));
  ASSERT_EQ(ip_checksum_field(d), 65457);
  auto r = send(d, port_unreachable());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->icmp.size(), 576u - 20u);  // room = 576 - 20 - 8 = 548 quoted bytes
  EXPECT_EQ(icmp_checksum_field(r->icmp), 35318);
}

TEST_F(IcmpSend, ErrorTosKeepsTheTosBitsAndSetsPrecedenceSix) {
  struct Row {
    std::uint8_t in, out;
    std::uint16_t ip_checksum;
  };
  for (Row row : {Row{16, 208, 63159}, Row{3, 194, 63172}, Row{224, 192, 62951}, Row{255, 222, 62920}}) {
    Bytes d = hello_to_5001({.tos = row.in});
    ASSERT_EQ(ip_checksum_field(d), row.ip_checksum);
    auto r = send(d, port_unreachable());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->tos, row.out) << int(row.in);
    EXPECT_EQ(icmp_checksum_field(r->icmp), 33055);
  }
}

TEST_F(IcmpSend, TtlIsIpDefaultTtl) {
  for (std::uint8_t ttl : {1, 100, 255}) {
    settings.ip_default_ttl = ttl;
    auto r = send(hello_to_5001(), port_unreachable());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->ttl, ttl);
  }
}

TEST_F(IcmpSend, ProtocolUnreachable) {
  struct Row {
    std::uint8_t proto;
    std::uint16_t ip_checksum;
  };
  for (Row row : {Row{253, 58285}, Row{254, 58284}, Row{143, 58395}}) {
    Bytes d = ipv4({.protocol = row.proto, .ident = 4663}, hex("0102030405"));
    ASSERT_EQ(ip_checksum_field(d), row.ip_checksum);
    auto r = send(d, protocol_unreachable());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->icmp.size(), 53u - 20u);
    EXPECT_EQ(r->icmp[1], 2);
    EXPECT_EQ(icmp_checksum_field(r->icmp), 62455);
    EXPECT_EQ(r->tos, 192);
  }
}

TEST_F(IcmpSend, ParameterProblemPointsAtTheBadOption) {
  struct Row {
    const char* options;
    std::uint8_t ptr;
    std::uint16_t ip_checksum, icmp_checksum;
    std::size_t len;
  };
  const Bytes echo = icmp(8, 0, 0x00010001, {});
  ASSERT_EQ(icmp_checksum_field(echo), 63485);
  for (Row row : {Row{"07020000", 21, 56482, 57087, 60}, Row{"071f0400", 20, 55429, 57343, 60},
                  Row{"07070300000000", 22, 55449, 56831, 64}, Row{"44020000", 21, 40866, 57087, 60}}) {
    Bytes d = ipv4({.protocol = 1, .ident = 4661, .options = hex(row.options)}, echo);
    ASSERT_EQ(ip_checksum_field(d), row.ip_checksum) << row.options;
    auto r = send(d, parameter_problem(row.ptr));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->icmp.size(), row.len - 20);
    EXPECT_EQ(r->icmp[0], 12);
    EXPECT_EQ(r->icmp[4], row.ptr);
    EXPECT_EQ(icmp_checksum_field(r->icmp), row.icmp_checksum) << row.options;
    EXPECT_TRUE(r->echo_options);  // ip_options_echo decides; here it finds nothing recorded
  }
}

TEST_F(IcmpSend, EchoedOptionsShrinkTheQuote) {
  Bytes d = ipv4({}, udp(40000, 5001, 0, counting(1000)));
  auto c = ctx();
  auto r = icmp_send(d, dut0(), port_unreachable(), c, 12);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->icmp.size(), 8u + 576 - 20 - 12 - 8);
}

TEST_F(IcmpSend, ReassemblyTimeExceededQuotesTheHeadFragment) {
  Bytes d = ipv4({.ident = 77, .more_frags = true}, udp(40000, 5001, 0, counting(64)));
  auto r = send(d, reassembly_time_exceeded());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->icmp[0], 11);
  EXPECT_EQ(r->icmp[1], 1);
  EXPECT_EQ(r->icmp.size(), 8 + d.size());
}

TEST_F(IcmpSend, NoErrorsForLinkOrIpBroadcastOrMulticast) {
  Arrival frame = dut0();
  frame.link_host = false;
  auto r1 = send(hello_to_5001(), port_unreachable(), frame);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error(), Suppressed::kNotForHost);
  Arrival bcast = dut0();
  bcast.route_broadcast = true;
  bcast.route_local = true;
  auto r2 = send(hello_to_5001({.dst = {192, 0, 2, 255}}), port_unreachable(), bcast);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error(), Suppressed::kBroadcastOrMulticast);
  Arrival mcast = dut0();
  mcast.route_multicast = true;
  auto r3 = send(hello_to_5001({.dst = {224, 1, 1, 1}}), port_unreachable(), mcast);
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error(), Suppressed::kBroadcastOrMulticast);
}

TEST_F(IcmpSend, NoErrorAboutANonFirstFragment) {
  Bytes d = ipv4({.ident = 4662, .more_frags = true, .frag_offset = 8, .options = hex("07020000")},
                 hex("0001020304050607"));
  auto r = send(d, parameter_problem(21));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Suppressed::kNotFirstFragment);
}

TEST_F(IcmpSend, NoErrorAboutAnIcmpError) {
  Bytes quoted = ipv4({.src = {192, 0, 2, 1}, .dst = {192, 0, 2, 2}}, udp(1, 2, 0, {}));
  for (std::uint8_t inner : {3, 11, 4, 5, 12, 42}) {
    Bytes d = ipv4({.protocol = 1, .options = hex("07020000")}, icmp(inner, 1, 0, quoted));
    auto r = send(d, parameter_problem(21));
    ASSERT_FALSE(r) << int(inner);
    EXPECT_EQ(r.error(), Suppressed::kAboutIcmpError);
  }
  // Queries and their replies are answered.
  for (std::uint8_t inner : {0, 8, 13, 14}) {
    Bytes d = ipv4({.protocol = 1}, icmp(inner, 0, 0, {}));
    EXPECT_TRUE(send(d, parameter_problem(21))) << int(inner);
  }
}

TEST_F(IcmpSend, NoErrorToMartianSources) {
  for (Ipv4Address src : {Ipv4Address{0, 0, 0, 0}, Ipv4Address{224, 0, 0, 1}, Ipv4Address{255, 255, 255, 255},
                          Ipv4Address{127, 0, 0, 1}}) {
    auto r = send(hello_to_5001({.src = src}), port_unreachable());
    ASSERT_FALSE(r) << src.to_string();
    EXPECT_EQ(r.error(), Suppressed::kBadSource);
  }
}

TEST_F(IcmpSend, LoopbackDatagramGetsAnErrorFromLoopback) {
  Arrival lo{.in_ifindex = 1, .in_loopback = true};
  Bytes d = hello_to_5001({.src = Ipv4Address::loopback(), .dst = Ipv4Address::loopback()});
  auto r = send(d, port_unreachable(), lo);
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->src, Ipv4Address::loopback());
  EXPECT_EQ(r->dst, Ipv4Address::loopback());
  EXPECT_EQ(r->oif, 1);
}

TEST_F(IcmpSend, PerDestinationLimitAllowsABurstOfSix) {
  settings.ratelimit_ms = 1000;  // the default
  int sent = 0;
  for (int i = 0; i < 10; ++i) sent += send(hello_to_5001(), port_unreachable()) ? 1 : 0;
  EXPECT_EQ(sent, 6);  // XRLIM_BURST_FACTOR * icmp_ratelimit of tokens, one ratelimit each
  now += std::chrono::milliseconds(999);
  EXPECT_FALSE(send(hello_to_5001(), port_unreachable()));
  now += std::chrono::milliseconds(1);
  EXPECT_TRUE(send(hello_to_5001(), port_unreachable()));
  // Another destination has its own bucket.
  EXPECT_TRUE(send(hello_to_5001({.src = {192, 0, 2, 3}}), port_unreachable()));
}

TEST_F(IcmpSend, FragNeededIsNeverRateLimited) {
  settings.ratelimit_ms = 1000;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(send(hello_to_5001(), frag_needed(1400))) << i;
}

TEST_F(IcmpSend, HostWideLimitSpendsTheBurst) {
  int sent = 0;
  for (int i = 0; i < 60; ++i) sent += send(hello_to_5001(), port_unreachable()) ? 1 : 0;
  EXPECT_EQ(sent, 50);  // icmp_msgs_burst
  now += std::chrono::milliseconds(19);
  EXPECT_FALSE(send(hello_to_5001(), port_unreachable()));
  now += std::chrono::milliseconds(1);  // HZ/50 since the last refill: 20 credits
  sent = 0;
  for (int i = 0; i < 30; ++i) sent += send(hello_to_5001(), port_unreachable()) ? 1 : 0;
  EXPECT_EQ(sent, 20);
}

TEST_F(IcmpSend, TinyRouteMtuSendsNothing) {
  ASSERT_EQ(routes.add_route({.dst = {203, 0, 113, 0}, .prefix_len = 24, .gateway = Ipv4Address{192, 0, 2, 254},
                              .mtu = 48}),
            0);
  auto r = send(hello_to_5001({.src = {203, 0, 113, 9}}), port_unreachable());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Suppressed::kMtuTooSmall);
}

TEST_F(IcmpSend, LearntPathMtuShrinksTheQuote) {
  PmtuCache pmtu;
  pmtu.update(kPeer, 500, 1500, now);  // clamped to min_pmtu 552
  Bytes d = ipv4({}, udp(40000, 5001, 0, counting(1000)));
  IcmpContext c{settings, routes, limiter, now, &pmtu};
  auto r = icmp_send(d, dut0(), port_unreachable(), c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->icmp.size(), 552u - 20u);
  EXPECT_EQ(r->mtu, 552);
}

TEST_F(IcmpSend, NoRouteBackSendsNothing) {
  auto r = send(hello_to_5001({.src = {203, 0, 113, 9}}), port_unreachable());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Suppressed::kNoRoute);
}

TEST_F(IcmpSend, TruncatedDatagram) {
  Bytes d = hello_to_5001();
  d.resize(19);
  auto r = send(d, port_unreachable());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Suppressed::kTruncated);
}

}  // namespace
}  // namespace ipc::stack::icmp
