// The receive path against what the kernel did with the injected frames of
// cases/input/validation.toml, cases/cmsg/recv.toml (IP_RECVOPTS/IP_RETOPTS)
// and cases/input/reassembly.toml.
#include "stack/ipv4/input.hpp"

#include <gtest/gtest.h>

#include "stack/ipv4/tests/test_bytes.hpp"
#include "stack/wire/checksum.hpp"

namespace ipc::stack::ipv4 {
namespace {

using test::hex;
using test::to_hex;
using Verdict = InputResult::Verdict;

// 192.0.2.2:40000 -> 192.0.2.1:5000 "hello", as injected.
constexpr const char* kGood = "45000021000100004011f6c7c0000202c00002019c401388000d883568656c6c6f";

std::vector<std::uint8_t> fix_checksum(std::vector<std::uint8_t> p) {
  const std::size_t hl = std::size_t{p[0] & 0x0fu} * 4;
  p[10] = p[11] = 0;
  const auto c = wire::internet_checksum(std::span<const std::uint8_t>(p).first(std::min(hl, p.size())));
  p[10] = static_cast<std::uint8_t>(c >> 8);
  p[11] = static_cast<std::uint8_t>(c);
  return p;
}

std::vector<std::uint8_t> with(std::size_t at, std::vector<std::uint8_t> bytes) {
  auto p = hex(kGood);
  std::copy(bytes.begin(), bytes.end(), p.begin() + static_cast<std::ptrdiff_t>(at));
  return fix_checksum(p);
}

class Input : public ::testing::Test {
 protected:
  RoutingTable routes = RoutingTable::suite_topology();
  Ipv4Input in;
  InputContext ctx() {
    InputContext c;
    c.routes = &routes;
    c.ifindex = 2;
    c.mc_accept = [](wire::Ipv4Address g, wire::Ipv4Address, std::uint8_t) {
      return g == wire::Ipv4Address(224, 0, 0, 1);
    };
    c.timestamp = 0x017ba6ed;
    return c;
  }
  InputResult rx(const std::vector<std::uint8_t>& f, LinkDelivery link = LinkDelivery::kHost) {
    auto c = ctx();
    c.link = link;
    return in.receive(f, c, Ipv4Input::Clock::time_point{});
  }
  InputDrop drop(const std::vector<std::uint8_t>& f, LinkDelivery link = LinkDelivery::kHost) {
    auto r = rx(f, link);
    EXPECT_EQ(r.verdict, Verdict::kDrop);
    return r.drop;
  }
};

TEST_F(Input, DeliversTheGoodDatagram) {
  auto r = rx(hex(kGood));
  ASSERT_EQ(r.verdict, Verdict::kDeliver);
  EXPECT_EQ(to_hex({r.datagram.payload().begin(), r.datagram.payload().end()}), "9c401388000d883568656c6c6f");
  EXPECT_EQ(r.datagram.kind, InputRouteKind::kLocal);
  EXPECT_EQ(r.datagram.spec_dst, wire::Ipv4Address(192, 0, 2, 1));
  EXPECT_EQ(r.datagram.src(), wire::Ipv4Address(192, 0, 2, 2));
  EXPECT_EQ(r.datagram.protocol(), 17);
}

TEST_F(Input, TrimsEthernetPadding) {
  auto f = hex(std::string(kGood) + "0000000000000000000000000000");
  auto r = rx(f);
  ASSERT_EQ(r.verdict, Verdict::kDeliver);
  EXPECT_EQ(r.datagram.packet.size(), 33u);
}

TEST_F(Input, DeliveredDespiteOddFields) {
  // input.validation.deliver: TTL 0, DF, evil bit, TOS 0xff, Ethernet broadcast
  // or multicast with our unicast address (drop_unicast_in_l2_multicast 0).
  EXPECT_EQ(rx(with(8, {0})).verdict, Verdict::kDeliver);
  EXPECT_EQ(rx(with(6, {0x40, 0})).verdict, Verdict::kDeliver);
  EXPECT_EQ(rx(with(6, {0x80, 0})).verdict, Verdict::kDeliver);
  EXPECT_EQ(rx(with(1, {0xff})).verdict, Verdict::kDeliver);
  EXPECT_EQ(rx(hex(kGood), LinkDelivery::kBroadcast).verdict, Verdict::kDeliver);
  EXPECT_EQ(rx(hex(kGood), LinkDelivery::kMulticast).verdict, Verdict::kDeliver);
  // Sources 192.0.2.0, 192.0.2.255, 203.0.113.9 with rp_filter 0.
  EXPECT_EQ(rx(with(12, {192, 0, 2, 0})).verdict, Verdict::kDeliver);
  EXPECT_EQ(rx(with(12, {192, 0, 2, 255})).verdict, Verdict::kDeliver);
  EXPECT_EQ(rx(with(12, {203, 0, 113, 9})).verdict, Verdict::kDeliver);
}

TEST_F(Input, DropsLikeIpRcvCore) {
  auto bad_sum = hex(kGood);
  bad_sum[10] = 0x12;
  bad_sum[11] = 0x34;
  EXPECT_EQ(drop(bad_sum), InputDrop::kChecksum);
  EXPECT_EQ(drop(with(0, {0x55})), InputDrop::kHeaderError);  // version 5
  EXPECT_EQ(drop(with(0, {0x65})), InputDrop::kHeaderError);  // version 6
  EXPECT_EQ(drop(with(0, {0x44})), InputDrop::kHeaderError);  // ihl 4
  EXPECT_EQ(drop(with(0, {0x4f})), InputDrop::kHeaderError);  // ihl 15 > 33 bytes
  EXPECT_EQ(drop(with(2, {0, 200})), InputDrop::kTruncated);
  EXPECT_EQ(drop(with(2, {0, 10})), InputDrop::kHeaderError);
  EXPECT_EQ(drop(hex(kGood), LinkDelivery::kOtherHost), InputDrop::kOtherHost);
}

TEST_F(Input, TotLenCutsThePayload) {
  // tot-len-24: accepted here; UDP refuses the 4-byte remainder.
  auto r = rx(with(2, {0, 24}));
  ASSERT_EQ(r.verdict, Verdict::kDeliver);
  EXPECT_EQ(r.datagram.payload().size(), 4u);
}

TEST_F(Input, DropsLikeTheInputRoute) {
  EXPECT_EQ(drop(with(12, {224, 1, 1, 1})), InputDrop::kMartianSource);
  EXPECT_EQ(drop(with(12, {255, 255, 255, 255})), InputDrop::kMartianSource);
  EXPECT_EQ(drop(with(12, {127, 0, 0, 1})), InputDrop::kMartianSource);
  EXPECT_EQ(drop(with(12, {0, 0, 0, 0})), InputDrop::kMartianSource);
  EXPECT_EQ(drop(with(12, {192, 0, 2, 1})), InputDrop::kMartianSource);  // our own address
  EXPECT_EQ(drop(with(16, {192, 0, 2, 99})), InputDrop::kNotOurs);
  EXPECT_EQ(drop(with(16, {127, 0, 0, 1})), InputDrop::kMartianDestination);
  EXPECT_EQ(drop(with(16, {224, 1, 1, 1}), LinkDelivery::kMulticast), InputDrop::kMulticastNotJoined);
}

TEST_F(Input, BroadcastsAndJoinedGroups) {
  auto r = rx(with(16, {192, 0, 2, 255}), LinkDelivery::kBroadcast);
  ASSERT_EQ(r.verdict, Verdict::kDeliver);
  EXPECT_EQ(r.datagram.kind, InputRouteKind::kBroadcast);
  EXPECT_EQ(r.datagram.spec_dst, wire::Ipv4Address(192, 0, 2, 1));
  EXPECT_EQ(rx(with(16, {255, 255, 255, 255}), LinkDelivery::kBroadcast).datagram.kind, InputRouteKind::kBroadcast);
  auto m = rx(with(16, {224, 0, 0, 1}), LinkDelivery::kMulticast);
  ASSERT_EQ(m.verdict, Verdict::kDeliver);
  EXPECT_EQ(m.datagram.kind, InputRouteKind::kMulticast);
}

TEST_F(Input, RpFilter) {
  auto c = ctx();
  c.config.rp_filter = 1;
  auto t = Ipv4Input::Clock::time_point{};
  // input.validation.rp-filter: no route back, or a broadcast one: dropped.
  EXPECT_EQ(in.receive(with(12, {203, 0, 113, 9}), c, t).drop, InputDrop::kMartianSource);
  EXPECT_EQ(in.receive(with(12, {192, 0, 2, 255}), c, t).drop, InputDrop::kMartianSource);
  EXPECT_EQ(in.receive(with(12, {198, 51, 100, 7}), c, t).verdict, Verdict::kDeliver);
}

// cmsg.recv.opts[o=*-rr]: RR filled with 192.0.2.1 for both cmsgs.
TEST_F(Input, RecordRouteFilledForThisHop) {
  auto r = rx(hex("4800002a000100004011e8b3c0000202c0000201070b040000000000000000000fa01388000af0446869"));
  ASSERT_EQ(r.verdict, Verdict::kDeliver);
  const auto o = r.datagram.options_bytes();
  EXPECT_EQ(to_hex({o.begin(), o.end()}), "070b08c00002010000000000");
  auto ret = retopts_cmsg(r.datagram, routes);
  EXPECT_TRUE(ret.present);
  EXPECT_EQ(to_hex(ret.value), "070b08c00002010000000000");
}

// cmsg.recv.opts[o=*-ts-full]: the overflow counter goes to 1.
TEST_F(Input, FullTimestampCountsOverflow) {
  auto r = rx(hex("4800002a000100004011a2afc0000202c0000201440c0d0000000001000000020fa01388000af0446869"));
  ASSERT_EQ(r.verdict, Verdict::kDeliver);
  const auto o = r.datagram.options_bytes();
  EXPECT_EQ(to_hex({o.begin(), o.end()}), "440c0d100000000100000002");
  EXPECT_EQ(to_hex(retopts_cmsg(r.datagram, routes).value), "440c0d100000000100000002");
}

// cmsg.recv.opts-timestamp-filled: the first slot gets the time, pointer 9;
// IP_RETOPTS shows the same (the reply's own slot undone).
TEST_F(Input, EmptyTimestampStamped) {
  auto r = rx(hex("4800002a000100004011aab2c0000202c0000201440c050000000000000000000fa01388000af0446869"));
  ASSERT_EQ(r.verdict, Verdict::kDeliver);
  const auto o = r.datagram.options_bytes();
  EXPECT_EQ(to_hex({o.begin(), o.end()}), "440c0900017ba6ed00000000");
  EXPECT_EQ(to_hex(retopts_cmsg(r.datagram, routes).value), "440c0900017ba6ed00000000");
}

// cmsg.recv.opts[o=*-nop]: IP_RECVOPTS 01010101; IP_RETOPTS present but empty.
TEST_F(Input, NopsNotEchoed) {
  auto f = fix_checksum(hex(std::string("460000250001000040110000") + "c0000202c0000201" + "01010101" +
                            "9c401388000d883568656c6c6f"));
  auto r = rx(f);
  ASSERT_EQ(r.verdict, Verdict::kDeliver);
  const auto o = r.datagram.options_bytes();
  EXPECT_EQ(to_hex({o.begin(), o.end()}), "01010101");
  auto ret = retopts_cmsg(r.datagram, routes);
  EXPECT_TRUE(ret.present);
  EXPECT_TRUE(ret.value.empty());
  EXPECT_FALSE(retopts_cmsg(rx(hex(kGood)).datagram, routes).present);
}

// input.validation.bad-option: ICMP parameter problem pointers 21 and 20; the
// quoted header (from the capture) is the packet as received.
TEST_F(Input, BadOptionParameterProblem) {
  const auto rr2 = hex("46000025000100004011eec1c0000202c0000201070200009c401388000d883568656c6c6f");
  auto r = rx(rr2);
  EXPECT_EQ(r.drop, InputDrop::kBadOptions);
  ASSERT_TRUE(r.param_problem.has_value());
  EXPECT_EQ(*r.param_problem, 21);
  EXPECT_EQ(r.datagram.packet, rr2);
  auto r31 = rx(hex("46000025000100004011eaa4c0000202c0000201071f04009c401388000d883568656c6c6f"));
  EXPECT_EQ(r31.drop, InputDrop::kBadOptions);
  EXPECT_EQ(r31.param_problem, std::optional<std::uint8_t>(20));
}

// input.validation.drop[f=opt-lsrr/opt-ssrr], source-route-disabled.
TEST_F(Input, SourceRouteDropped) {
  for (const char* t : {"83", "89"}) {
    auto f = hex(std::string("47000029000100004011") + "0000c0000202c0000201" + t + "0708c00002fe00" +
            "9c401388000d883568656c6c6f");
    f = fix_checksum(f);
    EXPECT_EQ(drop(f), InputDrop::kSourceRoute);
  }
}

TEST_F(Input, FinishedSourceRouteAcceptedWhenEnabled) {
  // accept_source_route 1 and the route used up (pointer past the end): delivered.
  auto f = fix_checksum(hex(std::string("47000029000100004011") + "0000c0000202c0000201" + "830708c00002fe00" +
                            "9c401388000d883568656c6c6f"));
  auto c = ctx();
  c.config.accept_source_route = true;
  auto r = in.receive(f, c, Ipv4Input::Clock::time_point{});
  EXPECT_EQ(r.verdict, Verdict::kDeliver);
  // A hop still to go elsewhere (pointer 4, 192.0.2.254): not forwarded.
  auto g = fix_checksum(hex(std::string("47000029000100004011") + "0000c0000202c0000201" + "830704c00002fe00" +
                            "9c401388000d883568656c6c6f"));
  EXPECT_EQ(in.receive(g, c, Ipv4Input::Clock::time_point{}).drop, InputDrop::kSourceRoute);
}

TEST_F(Input, FragmentsReassembled) {
  // "hello" UDP (13 bytes) in two fragments: 8 + 5.
  auto a = fix_checksum(hex(std::string("4500001c0007200040110000") + "c0000202c0000201" + "9c401388000d8835"));
  auto b = fix_checksum(hex(std::string("450000190007000140110000") + "c0000202c0000201" + "68656c6c6f"));
  auto r1 = rx(a);
  EXPECT_EQ(r1.verdict, Verdict::kQueued);
  auto r2 = rx(b);
  ASSERT_EQ(r2.verdict, Verdict::kDeliver);
  EXPECT_EQ(to_hex({r2.datagram.payload().begin(), r2.datagram.payload().end()}), "9c401388000d883568656c6c6f");
  EXPECT_EQ(r2.datagram.packet[2] << 8 | r2.datagram.packet[3], 33);
}

}  // namespace
}  // namespace ipc::stack::ipv4
