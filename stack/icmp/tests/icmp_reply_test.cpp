// Expected values from the kernel records of icmp.generated.echo*,
// icmp.generated.timestamp and the barrier pings of any wire case.
#include "stack/icmp/icmp_reply.hpp"

#include <gtest/gtest.h>

#include "stack/icmp/icmp_receive.hpp"
#include "stack/icmp/tests/test_packets.hpp"

namespace ipc::stack::icmp {
namespace {

using namespace testing;

const Ipv4Address kDut{192, 0, 2, 1};
const Ipv4Address kPeer{192, 0, 2, 2};

struct IcmpReply : ::testing::Test {
  IcmpSettings settings;
  ipv4::RoutingTable routes = ipv4::RoutingTable::suite_topology();
  IcmpRateLimiter limiter;
  TimePoint now{std::chrono::hours(1)};
  Arrival dut0{.in_ifindex = 2};

  SendResult echo(const Bytes& d, Arrival a) {
    IcmpContext c{settings, routes, limiter, now};
    return icmp_echo(d, a, c);
  }
  IcmpInput receive(const Bytes& d, Arrival a, std::uint32_t ms = 0) {
    IcmpContext c{settings, routes, limiter, now};
    return icmp_receive(d, a, c, ms);
  }
};

Bytes echo_request(std::uint8_t tos, const Bytes& load, std::uint16_t id = 4321, std::uint16_t seq = 99) {
  return ipv4({.protocol = 1, .ttl = 3, .tos = tos}, icmp(8, 0, std::uint32_t{id} << 16 | seq, load));
}

TEST_F(IcmpReply, EchoReplyCopiesIdSeqAndPayload) {
  struct Row {
    std::uint8_t tos;
    Bytes load;
    std::uint16_t request_checksum, reply_checksum;
  };
  for (const Row& row : {Row{0, {}, 59067, 61115}, Row{0, counting(56), 61352, 63400}, Row{16, hex("41"), 42427, 44475},
                         Row{184, hex("41"), 42427, 44475}}) {
    Bytes d = echo_request(row.tos, row.load);
    ASSERT_EQ(icmp_checksum_field(Bytes(d.begin() + 20, d.end())), row.request_checksum);
    auto r = echo(d, dut0);
    ASSERT_TRUE(r) << to_string(r.error());
    EXPECT_EQ(r->icmp.size(), 8 + row.load.size());
    EXPECT_EQ(r->icmp[0], 0);
    EXPECT_EQ(icmp_checksum_field(r->icmp), row.reply_checksum);
    EXPECT_EQ(Bytes(r->icmp.begin() + 8, r->icmp.end()), row.load);
    EXPECT_EQ(r->src, kDut);
    EXPECT_EQ(r->dst, kPeer);
    EXPECT_EQ(r->tos, row.tos);  // the whole byte, precedence and ECN included
    EXPECT_EQ(r->ttl, 64);
    EXPECT_FALSE(r->echo_options);
  }
}

TEST_F(IcmpReply, BarrierPingIsAnswered) {
  Bytes d = ipv4({.protocol = 1}, icmp(8, 0, std::uint32_t{45116} << 16 | 60,
                                      hex("4950434f4e464f524d2d424152524945522d3030303030303630")));
  ASSERT_EQ(ip_checksum_field(d), 63170);
  ASSERT_EQ(icmp_checksum_field(Bytes(d.begin() + 20, d.end())), 55642);
  auto in = receive(d, dut0);
  auto* r = std::get_if<SendResult>(&in);
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(*r);
  EXPECT_EQ(icmp_checksum_field((*r)->icmp), 57690);
}

TEST_F(IcmpReply, EchoReplyKeepsANonZeroCode) {
  Bytes d = ipv4({.protocol = 1}, icmp(8, 5, 0x00070001, {}));
  auto r = echo(d, dut0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->icmp[1], 5);  // icmp_echo copies the whole header
}

TEST_F(IcmpReply, EchoWithOptionsAsksForThemEchoed) {
  Bytes d = ipv4({.protocol = 1, .options = hex("07070400000000")}, icmp(8, 0, 1, {}));
  auto r = echo(d, dut0);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->echo_options);
}

TEST_F(IcmpReply, EchoIgnoreAll) {
  settings.echo_ignore_all = true;
  auto r = echo(echo_request(0, {}), dut0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Suppressed::kEchoIgnored);
}

TEST_F(IcmpReply, BroadcastEchoIgnoredByDefault) {
  for (Ipv4Address dst : {Ipv4Address{192, 0, 2, 255}, Ipv4Address::broadcast()}) {
    Bytes d = ipv4({.dst = dst, .protocol = 1}, icmp(8, 0, std::uint32_t{4322} << 16 | 1, {}));
    Arrival a{.route_broadcast = true, .link_host = false, .in_ifindex = 2};
    auto in = receive(d, a);
    ASSERT_TRUE(std::holds_alternative<InputDropped>(in));
    EXPECT_EQ(std::get<InputDropped>(in), InputDropped::kBroadcastQuery);
  }
}

TEST_F(IcmpReply, BroadcastEchoAnsweredFromTheInterfaceAddress) {
  settings.echo_ignore_broadcasts = false;
  for (Ipv4Address dst : {Ipv4Address{192, 0, 2, 255}, Ipv4Address::broadcast()}) {
    Bytes d = ipv4({.dst = dst, .protocol = 1}, icmp(8, 0, std::uint32_t{4323} << 16 | 1, {}));
    ASSERT_EQ(icmp_checksum_field(Bytes(d.begin() + 20, d.end())), 59163);
    Arrival a{.route_broadcast = true, .link_host = false, .in_ifindex = 2};
    auto in = receive(d, a);
    auto* r = std::get_if<SendResult>(&in);
    ASSERT_NE(r, nullptr);
    ASSERT_TRUE(*r);
    EXPECT_EQ((*r)->src, kDut) << dst.to_string();
    EXPECT_EQ((*r)->dst, kPeer);
    EXPECT_EQ(icmp_checksum_field((*r)->icmp), 61211);
  }
}

TEST_F(IcmpReply, TimestampReply) {
  // The request as injected: originate 12345, receive/transmit filled by Scapy.
  Bytes times = hex("00003039017ba672017ba672");
  Bytes d = ipv4({.protocol = 1}, icmp(13, 0, std::uint32_t{4325} << 16 | 5, times));
  ASSERT_EQ(icmp_checksum_field(Bytes(d.begin() + 20, d.end())), 25089);
  auto in = receive(d, dut0, 24882180);
  auto* r = std::get_if<SendResult>(&in);
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(*r);
  EXPECT_EQ((*r)->icmp.size(), 20u);
  EXPECT_EQ((*r)->icmp[0], 14);
  EXPECT_EQ(icmp_checksum_field((*r)->icmp), 21981);
}

TEST_F(IcmpReply, TimestampTooShort) {
  Bytes d = ipv4({.protocol = 1}, icmp(13, 0, 1, hex("000030")));
  IcmpContext c{settings, routes, limiter, now};
  auto r = icmp_timestamp(d, dut0, c, 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Suppressed::kTooShort);
}

TEST_F(IcmpReply, MillisecondsSinceMidnight) {
  using namespace std::chrono;
  system_clock::time_point t{hours(24 * 20000) + hours(6) + milliseconds(1234)};
  EXPECT_EQ(ms_since_midnight_ut(t), 6u * 3600 * 1000 + 1234);
}

}  // namespace
}  // namespace ipc::stack::icmp
