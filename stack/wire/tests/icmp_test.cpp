#include "stack/wire/icmp.hpp"

#include <gtest/gtest.h>

#include "stack/wire/tests/test_util.hpp"

namespace ipc::stack::wire {
namespace {

using test::cspan;
using test::hex;

// Echo request, id 0x1234, seq 1, data "abcd". Checksum by hand:
// 0800 + 1234 + 0001 + 6162 + 6364 = defb, complement 2104.
const auto kEcho = hex("08 00 21 04 12 34 00 01 61 62 63 64");

TEST(Icmp, ParseKnownEcho) {
  auto p = IcmpPacket::check(cspan(kEcho));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->verify_checksum());
  auto r = IcmpRepr::parse(*p);
  ASSERT_TRUE(r);
  auto* e = std::get_if<IcmpEcho>(&r->message);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->reply);
  EXPECT_EQ(e->ident, 0x1234);
  EXPECT_EQ(e->seq, 1);
  EXPECT_EQ(std::string(e->data.begin(), e->data.end()), "abcd");
  EXPECT_EQ(r->type(), icmp::type::kEchoRequest);
  EXPECT_EQ(r->code(), 0);
}

TEST(Icmp, EmitKnownEcho) {
  const std::string data = "abcd";
  IcmpRepr r{IcmpEcho{false, 0x1234, 1,
                      std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size())}};
  std::vector<std::uint8_t> out(r.buffer_len());
  auto n = r.emit(out);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 12u);
  EXPECT_EQ(out, kEcho);
}

TEST(Icmp, EchoReplyInPlace) {
  // Turning a request into a reply in the same buffer, data already in place.
  auto b = kEcho;
  auto p = IcmpPacket::check(cspan(b));
  auto r = IcmpRepr::parse(*p);
  ASSERT_TRUE(r);
  auto e = std::get<IcmpEcho>(r->message);
  e.reply = true;
  e.data = std::span<const std::uint8_t>(b).subspan(8);
  ASSERT_TRUE(IcmpRepr{e}.emit(b));
  // Type 8 -> 0 lowers the sum by 0x0800: the checksum rises by 0x0800.
  EXPECT_EQ(b, hex("00 00 29 04 12 34 00 01 61 62 63 64"));
}

TEST(Icmp, EveryPrefixOfHeaderRejected) {
  test::for_each_prefix(kEcho, [](std::span<const std::uint8_t> s, std::size_t n) {
    auto p = IcmpPacket::check(s);
    EXPECT_EQ(p.has_value(), n >= 8) << n;
    if (p) {
      // Data shorter than sent: the checksum no longer matches.
      EXPECT_EQ(IcmpRepr::parse(*p).error(), Error::kBadChecksum) << n;
      EXPECT_TRUE(IcmpRepr::parse(*p, ChecksumPolicy::kIgnore)) << n;
    } else {
      EXPECT_EQ(p.error(), Error::kTruncated);
    }
  });
}

TEST(Icmp, BadChecksum) {
  for (std::size_t i = 0; i < kEcho.size(); ++i) {
    auto b = kEcho;
    b[i] ^= 0x40;
    auto p = IcmpPacket::check(cspan(b));
    ASSERT_TRUE(p);
    EXPECT_EQ(IcmpRepr::parse(*p).error(), Error::kBadChecksum) << i;
  }
}

// The quoted datagram: an IP header (UDP, 10.0.0.1 -> 10.0.0.2) and 8 bytes.
std::vector<std::uint8_t> quoted() {
  return hex("45 00 00 1c 00 01 00 00 40 11 66 ce 0a 00 00 01 0a 00 00 02 "
             "30 39 00 35 00 08 00 00");
}

template <class M>
M round_trip(const M& m) {
  IcmpRepr r{m};
  std::vector<std::uint8_t> out(r.buffer_len());
  EXPECT_TRUE(r.emit(out));
  auto p = IcmpPacket::check(cspan(out));
  EXPECT_TRUE(p);
  EXPECT_TRUE(p->verify_checksum());
  auto back = IcmpRepr::parse(*p);
  EXPECT_TRUE(back);
  EXPECT_EQ(*back, r);
  return std::get<M>(back->message);
}

TEST(Icmp, FragNeededCarriesMtu) {
  auto q = quoted();
  // 03 04, unused 0000, next-hop MTU 1400 = 0x0578 (RFC 1191).
  auto b = hex("03 04 00 00 00 00 05 78");
  b.insert(b.end(), q.begin(), q.end());
  std::uint16_t c = internet_checksum(b);
  b[2] = static_cast<std::uint8_t>(c >> 8);
  b[3] = static_cast<std::uint8_t>(c);
  auto p = IcmpPacket::check(cspan(b));
  auto r = IcmpRepr::parse(*p);
  ASSERT_TRUE(r);
  auto* u = std::get_if<IcmpDestUnreachable>(&r->message);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->code, icmp::unreach::kFragNeeded);
  EXPECT_EQ(u->next_hop_mtu, 1400);
  // The quoted header parses as a (header-only) IPv4 packet.
  auto inner = Ipv4Packet::check_quoted(u->data);
  ASSERT_TRUE(inner);
  EXPECT_EQ(inner->protocol(), ipproto::kUdp);
  EXPECT_EQ(inner->dst(), Ipv4Address(10, 0, 0, 2));
  EXPECT_EQ(inner->payload().size(), 8u);
  std::vector<std::uint8_t> out(r->buffer_len());
  ASSERT_TRUE(r->emit(out));
  EXPECT_EQ(out, b);
}

TEST(Icmp, PortUnreachableIgnoresMtuField) {
  auto b = hex("03 03 00 00 00 00 05 78");
  auto c = internet_checksum(b);
  b[2] = static_cast<std::uint8_t>(c >> 8);
  b[3] = static_cast<std::uint8_t>(c);
  auto r = IcmpRepr::parse(*IcmpPacket::check(cspan(b)));
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<IcmpDestUnreachable>(r->message).next_hop_mtu, 0);
}

TEST(Icmp, ErrorMessagesRoundTrip) {
  auto q = quoted();
  round_trip(IcmpDestUnreachable{icmp::unreach::kPort, 0, q});
  round_trip(IcmpDestUnreachable{icmp::unreach::kFragNeeded, 576, q});
  round_trip(IcmpTimeExceeded{icmp::time_exceeded::kTtl, q});
  auto pp = round_trip(IcmpParameterProblem{0, 22, q});
  EXPECT_EQ(pp.pointer, 22);
  auto rd = round_trip(IcmpRedirect{1, Ipv4Address(10, 0, 0, 254), q});
  EXPECT_EQ(rd.gateway, Ipv4Address(10, 0, 0, 254));
  round_trip(IcmpOther{icmp::type::kTimestamp, 0, 0xdeadbeef, q});
  round_trip(IcmpEcho{true, 7, 65535, {}});
}

TEST(Icmp, ParameterProblemPointerIsFirstByte) {
  IcmpRepr r{IcmpParameterProblem{0, 22, {}}};
  std::vector<std::uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(out));
  EXPECT_EQ(out[4], 22);
  EXPECT_EQ(out[5], 0);
  EXPECT_EQ(out[6], 0);
  EXPECT_EQ(out[7], 0);
}

TEST(Icmp, EchoWithNonZeroCodeKeptRaw) {
  auto b = hex("08 01 00 00 12 34 00 01");
  auto c = internet_checksum(b);
  b[2] = static_cast<std::uint8_t>(c >> 8);
  b[3] = static_cast<std::uint8_t>(c);
  auto r = IcmpRepr::parse(*IcmpPacket::check(cspan(b)));
  ASSERT_TRUE(r);
  auto* o = std::get_if<IcmpOther>(&r->message);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->rest, 0x12340001u);
}

TEST(Icmp, EmitBufferTooSmall) {
  IcmpRepr r{IcmpEcho{false, 1, 1, {}}};
  std::vector<std::uint8_t> out(7);
  EXPECT_EQ(r.emit(out).error(), Error::kBufferTooSmall);
}

}  // namespace
}  // namespace ipc::stack::wire
