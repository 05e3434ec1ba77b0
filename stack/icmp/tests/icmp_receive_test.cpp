// icmp.generated.no-answer: none of these draws a message from the DUT.
#include "stack/icmp/icmp_receive.hpp"

#include <gtest/gtest.h>

#include "stack/icmp/tests/test_packets.hpp"

namespace ipc::stack::icmp {
namespace {

using namespace testing;

struct IcmpReceive : ::testing::Test {
  IcmpSettings settings;
  ipv4::RoutingTable routes = ipv4::RoutingTable::suite_topology();
  IcmpRateLimiter limiter;
  TimePoint now{std::chrono::hours(1)};
  IcmpInput receive(const Bytes& d, Arrival a = Arrival{.in_ifindex = 2}) {
    IcmpContext c{settings, routes, limiter, now};
    return icmp_receive(d, a, c);
  }
};

// The frame of the case: type, id 4326, seq 1, and a 20-byte IP header as data.
Bytes no_answer(std::uint8_t type) {
  return ipv4({.protocol = 1}, icmp(type, 0, std::uint32_t{4326} << 16 | 1, hex("4500001c00000000401100000000000000000000")));
}

bool sends_something(const IcmpInput& in) {
  auto* r = std::get_if<SendResult>(&in);
  return r != nullptr && r->has_value();
}

TEST_F(IcmpReceive, NoAnswerTypes) {
  for (std::uint8_t t : {0, 4, 15, 17, 14, 42}) EXPECT_FALSE(sends_something(receive(no_answer(t)))) << int(t);
  EXPECT_EQ(std::get<InputDropped>(receive(no_answer(15))), InputDropped::kDiscarded);
  EXPECT_EQ(std::get<InputDropped>(receive(no_answer(17))), InputDropped::kDiscarded);
  EXPECT_EQ(std::get<InputDropped>(receive(no_answer(14))), InputDropped::kDiscarded);
  EXPECT_EQ(std::get<InputDropped>(receive(no_answer(42))), InputDropped::kUnknownType);
  // Source quench quoting a bare 20-byte header: icmp_socket_deliver wants 8 more.
  EXPECT_EQ(std::get<ErrorDropped>(receive(no_answer(4))), ErrorDropped::kQuoteTooShort);
}

TEST_F(IcmpReceive, EchoReplyGoesToPingSockets) {
  auto in = receive(no_answer(0));
  auto* p = std::get_if<EchoReplyForPing>(&in);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->ident, 4326);
  EXPECT_EQ(p->seq, 1);
}

TEST_F(IcmpReceive, BadChecksumIsDropped) {
  Bytes d = no_answer(8);
  d[22] ^= 1;
  EXPECT_EQ(std::get<InputDropped>(receive(d)), InputDropped::kBadChecksum);
}

TEST_F(IcmpReceive, ErrorsToBroadcastAreDropped) {
  Bytes quoted = ipv4({.src = {192, 0, 2, 1}, .dst = {192, 0, 2, 2}}, udp(40000, 9, 0, hex("68656c6c6f")));
  Bytes d = ipv4({.dst = {192, 0, 2, 255}, .protocol = 1}, icmp(3, 3, 0, quoted));
  auto in = receive(d, Arrival{.route_broadcast = true, .link_host = false, .in_ifindex = 2});
  EXPECT_EQ(std::get<InputDropped>(in), InputDropped::kBroadcastOther);
}

TEST_F(IcmpReceive, PortUnreachableIsParsed) {
  Bytes quoted = ipv4({.src = {192, 0, 2, 1}, .dst = {192, 0, 2, 2}}, udp(40000, 9, 39860, hex("68656c6c6f")));
  Bytes d = ipv4({.protocol = 1, .ttl = 50, .tos = 0x20}, icmp(3, 3, 0, quoted));
  auto in = receive(d);
  auto* e = std::get_if<ReceivedIcmpError>(&in);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->offender, Ipv4Address(192, 0, 2, 2));
  EXPECT_EQ(e->outer_ttl, 50);   // errqueue.udp.with-cmsgs: IP_TTL 50
  EXPECT_EQ(e->outer_tos, 0x20); // ... IP_TOS 0x20
  EXPECT_EQ(e->quoted.source_port(), 40000);
}

}  // namespace
}  // namespace ipc::stack::icmp
