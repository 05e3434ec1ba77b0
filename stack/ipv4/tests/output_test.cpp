// Output and fragmentation against the bytes Linux put on the wire
// (cases/pmtu/*.toml, cases/ipopts/send.toml; ids and timestamps taken from
// the captures).
#include "stack/ipv4/output.hpp"

#include <gtest/gtest.h>

#include <cerrno>

#include "stack/ipv4/options_build.hpp"
#include "stack/ipv4/tests/test_bytes.hpp"
#include "stack/socket/ip_options_set.hpp"

namespace ipc::stack::ipv4 {
namespace {

using test::hex;
using test::to_hex;

const wire::Ipv4Address kDut(192, 0, 2, 1);
const wire::Ipv4Address kPeer(192, 0, 2, 2);
const auto kUdpHi = hex("12340009000a00006869");  // the raw-udp sockets' data

socket::CompiledIpOptions user_options(std::string_view h) {
  socket::CompiledIpOptions o;
  EXPECT_EQ(socket::ip_options_from_user(hex(h), socket::IpOptionsContext{}, o), 0);
  return o;
}

OutputPacket udp_to_peer(std::span<const std::uint8_t> payload, std::uint16_t id, bool df) {
  OutputPacket p;
  p.src = kDut;
  p.dst = kPeer;
  p.protocol = 17;
  p.id = id;
  p.df = df;
  p.payload = payload;
  return p;
}

std::string one(const wire::Result<std::vector<std::vector<std::uint8_t>>, int>& r) {
  EXPECT_TRUE(r.has_value());
  if (!r) return "error";
  EXPECT_EQ(r->size(), 1u);
  return to_hex(r->front());
}

// ipopts.send.on-wire[o=*,sock=raw-udp]: the whole datagram.
TEST(OutputOptions, RecordRouteTwoSlots) {
  auto o = user_options("070b040000000000000000");
  auto p = udp_to_peer(kUdpHi, 0xe498, true);
  p.options = &o;
  EXPECT_EQ(one(build_datagrams(p, 1500)),
            "4800002ae49840004011be59c0000201c0000202070b08c0000201000000000012340009000a00006869");
}

TEST(OutputOptions, LooseSourceRouteTwoHops) {
  auto o = user_options("830b04c00002fec0000202");
  auto p = udp_to_peer(kUdpHi, 0x1e11, true);
  p.dst = wire::Ipv4Address(198, 51, 100, 7);
  p.options = &o;
  EXPECT_EQ(first_hop(&o, p.dst), wire::Ipv4Address(192, 0, 2, 254));
  EXPECT_EQ(one(build_datagrams(p, 1500)),
            "4800002a1e1140004011cfbac0000201c00002fe830b04c0000202c633640700" "12340009000a00006869");
}

TEST(OutputOptions, StrictSourceRouteOneHop) {
  auto o = user_options("890704c00002fe");
  auto p = udp_to_peer(kUdpHi, 0xe0d5, true);
  p.dst = wire::Ipv4Address(198, 51, 100, 7);
  p.options = &o;
  EXPECT_EQ(one(build_datagrams(p, 1500)),
            "47000026e0d540004011" "0ac0c0000201c00002fe890704c63364070012340009000a00006869");
}

TEST(OutputOptions, TimestampWithAddress) {
  auto o = user_options("440c05010000000000000000");
  auto p = udp_to_peer(kUdpHi, 0xe49a, true);
  p.options = &o;
  p.timestamp = 0x017bb1fe;
  EXPECT_EQ(one(build_datagrams(p, 1500)),
            "4800002ae49a40004011089cc0000201c0000202440c0d01c0000201017bb1fe12340009000a00006869");
}

TEST(OutputOptions, TimestampOnly) {
  auto o = user_options("440c0500000000000000000000000000");
  auto p = udp_to_peer(kUdpHi, 0xe49c, true);
  p.options = &o;
  p.timestamp = 0x017bb207;
  EXPECT_EQ(one(build_datagrams(p, 1500)),
            "4900002ee49c40004011cd8fc0000201c0000202440c0900017bb207000000000000000012340009000a00006869");
}

TEST(OutputOptions, TimestampPrespecifiedOurs) {
  auto o = user_options("440c0503c000020100000000");
  auto p = udp_to_peer(kUdpHi, 0x7748, true);
  p.options = &o;
  p.timestamp = 0x017bb212;
  // ip_options_compile(skb=NULL) saw 192.0.2.1 as not unicast (ours): stamped.
  socket::IpOptionsContext ctx;
  ctx.addr_not_unicast = [](std::span<const std::uint8_t, 4> a) { return a[0] == 192 && a[3] == 1; };
  ASSERT_EQ(socket::ip_options_from_user(hex("440c0503c000020100000000"), ctx, o), 0);
  EXPECT_EQ(one(build_datagrams(p, 1500)),
            "4800002a77484000401175d8c0000201c0000202440c0d03c0000201017bb21212340009000a00006869");
}

TEST(OutputOptions, NopThenRouterAlert) {
  auto o = user_options("0194040000");
  auto p = udp_to_peer(kUdpHi, 0x773c, true);
  p.options = &o;
  EXPECT_EQ(one(build_datagrams(p, 1500)),
            "47000026773c4000401137f3c0000201c0000202019404000000000012340009000a00006869");
}

// pmtu.fragment.three[m=DONT,sock=udp]: 3008 bytes of UDP -> 1480 + 1480 + 48.
TEST(OutputFragments, ThreeFragmentsLikeLinux) {
  std::vector<std::uint8_t> udp = hex("cd4e00090bc09712");
  udp.resize(3008, 0);
  auto p = udp_to_peer(udp, 0x7789, false);
  auto r = build_datagrams(p, 1500);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 3u);
  auto head = [](const std::vector<std::uint8_t>& f) { return to_hex({f.begin(), f.begin() + 20}); };
  EXPECT_EQ(head((*r)[0]), "450005dc7789200040115984c0000201c0000202");
  EXPECT_EQ(head((*r)[1]), "450005dc778920b9401158cbc0000201c0000202");
  EXPECT_EQ(head((*r)[2]), "450000447789017240117daac0000201c0000202");
  EXPECT_EQ((*r)[0].size(), 1500u);
  EXPECT_EQ((*r)[2].size(), 68u);
  EXPECT_EQ(to_hex({(*r)[0].begin() + 20, (*r)[0].begin() + 28}), "cd4e00090bc09712");
}

// pmtu.emsgsize.fragmented[m=WANT,sock=raw-udp]: 1481 bytes -> 1500 + 21.
TEST(OutputFragments, OneByteTail) {
  std::vector<std::uint8_t> data(1481, 0);
  const auto pol = pmtu_policy(PmtuDisc::kWant, 20 + data.size(), 1500);
  EXPECT_FALSE(pol.df);
  EXPECT_TRUE(pol.ignore_df);
  auto p = udp_to_peer(data, 0xe4d4, pol.df);
  p.ignore_df = pol.ignore_df;
  auto r = build_datagrams(p, 1500);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(to_hex({(*r)[0].begin(), (*r)[0].begin() + 20}), "450005dce4d420004011ec38c0000201c0000202");
  EXPECT_EQ(to_hex((*r)[1]), "45000015e4d400b940111147c0000201c000020200");
}

// pmtu.emsgsize.*: 1500 fits in every mode; 1501 fails for DO/PROBE/INTERFACE.
TEST(OutputPmtu, ModesAtTheMtu) {
  std::vector<std::uint8_t> fits(1480), over(1481);
  for (auto m : {PmtuDisc::kDont, PmtuDisc::kWant, PmtuDisc::kDo, PmtuDisc::kProbe, PmtuDisc::kInterface,
                 PmtuDisc::kOmit}) {
    auto pol = pmtu_policy(m, 1500, 1500);
    auto p = udp_to_peer(fits, 1, pol.df);
    p.ignore_df = pol.ignore_df;
    auto r = build_datagrams(p, 1500);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->size(), 1u);
    // pmtu.emsgsize.fits: DF for WANT, DO, PROBE.
    const bool df = (r->front()[6] & 0x40) != 0;
    EXPECT_EQ(df, m == PmtuDisc::kWant || m == PmtuDisc::kDo || m == PmtuDisc::kProbe);

    pol = pmtu_policy(m, 1501, 1500);
    p = udp_to_peer(over, 1, pol.df);
    p.ignore_df = pol.ignore_df;
    auto r2 = build_datagrams(p, 1500);
    const bool rejected = m == PmtuDisc::kDo || m == PmtuDisc::kProbe || m == PmtuDisc::kInterface;
    EXPECT_EQ(!r2.has_value(), rejected);
    if (rejected) EXPECT_EQ(r2.error(), EMSGSIZE);
    else EXPECT_EQ(r2->size(), 2u);
  }
}

TEST(OutputPmtu, DfOverMtuIsEmsgsize) {
  std::vector<std::uint8_t> data(2000);
  auto p = udp_to_peer(data, 1, true);
  auto r = build_datagrams(p, 1500);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), EMSGSIZE);
}

TEST(OutputPmtu, Over64kIsEmsgsize) {
  std::vector<std::uint8_t> data(65536 - 20);
  auto p = udp_to_peer(data, 1, false);
  auto r = build_datagrams(p, 1500);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), EMSGSIZE);
}

// pmtu.fragment.ttl-tos-copied: every fragment has the TTL and TOS.
TEST(OutputFragments, TtlTosInEveryFragment) {
  std::vector<std::uint8_t> data(3008);
  auto p = udp_to_peer(data, 7, false);
  p.ttl = 9;
  p.tos = 0x10;
  auto r = build_datagrams(p, 1500);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 3u);
  for (const auto& f : *r) {
    EXPECT_EQ(f[1], 0x10);
    EXPECT_EQ(f[8], 9);
    EXPECT_EQ(f[4] << 8 | f[5], 7);
  }
}

}  // namespace
}  // namespace ipc::stack::ipv4
