#include "stack/wire/ipv4.hpp"

#include <gtest/gtest.h>

#include "stack/wire/tests/test_util.hpp"

namespace ipc::stack::wire {
namespace {

using test::cspan;
using test::hex;

// 192.168.0.1 -> 192.168.0.199, UDP, DF, TTL 64, total length 0x73 (115):
// a 20-byte header (checksum 0xb861, worked out in checksum_test) and 95
// bytes of payload.
std::vector<std::uint8_t> known_packet() {
  auto p = hex("45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7");
  for (int i = 0; i < 95; ++i) p.push_back(static_cast<std::uint8_t>(i));
  return p;
}

TEST(Ipv4, ParseKnownHeader) {
  auto b = known_packet();
  auto p = Ipv4Packet::check(cspan(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version(), 4);
  EXPECT_EQ(p->header_len(), 20u);
  EXPECT_EQ(p->total_len(), 115);
  EXPECT_EQ(p->checksum(), 0xb861);
  EXPECT_TRUE(p->verify_checksum());
  EXPECT_EQ(p->payload().size(), 95u);
  EXPECT_TRUE(p->options().empty());

  auto r = Ipv4Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->src, Ipv4Address(192, 168, 0, 1));
  EXPECT_EQ(r->dst, Ipv4Address(192, 168, 0, 199));
  EXPECT_EQ(r->protocol, ipproto::kUdp);
  EXPECT_EQ(r->ttl, 64);
  EXPECT_EQ(r->dscp, 0);
  EXPECT_EQ(r->ecn, 0);
  EXPECT_EQ(r->ident, 0);
  EXPECT_TRUE(r->dont_frag);
  EXPECT_FALSE(r->more_frags);
  EXPECT_EQ(r->frag_offset, 0);
  EXPECT_EQ(r->payload_len, 95);
}

TEST(Ipv4, EmitIdenticalBytes) {
  auto b = known_packet();
  Ipv4Repr r;
  r.src = Ipv4Address(192, 168, 0, 1);
  r.dst = Ipv4Address(192, 168, 0, 199);
  r.protocol = ipproto::kUdp;
  r.ttl = 64;
  r.dont_frag = true;
  r.payload_len = 95;
  std::vector<std::uint8_t> out(r.buffer_len());
  auto n = r.emit(out);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 20u);
  EXPECT_EQ(out, std::vector<std::uint8_t>(b.begin(), b.begin() + 20));
}

TEST(Ipv4, HeaderWithOptionsKnownAnswer) {
  // ihl 6, tos 0xb9 (DSCP 46, ECN 1), id 0xabcd, MF with offset 8*3, ICMP,
  // 10.0.0.1 -> 10.0.0.2, a full Record Route option (07 03 04) and an EOL.
  // One's complement sum by hand: 4600+0018+abcd+2003+4001+0a00+0001+0a00+
  // 0002+0703+0400 with tos b9 giving 46b9 in place of 4600.
  auto h = hex("46 b9 00 18 ab cd 20 03 40 01 00 00 0a 00 00 01 0a 00 00 02 07 03 04 00");
  std::uint16_t c = internet_checksum(h);
  h[10] = static_cast<std::uint8_t>(c >> 8);
  h[11] = static_cast<std::uint8_t>(c);
  auto p = Ipv4Packet::check(cspan(h));
  ASSERT_TRUE(p);
  auto r = Ipv4Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->dscp, 46);
  EXPECT_EQ(r->ecn, 1);
  EXPECT_EQ(r->ident, 0xabcd);
  EXPECT_FALSE(r->dont_frag);
  EXPECT_TRUE(r->more_frags);
  EXPECT_EQ(r->frag_offset, 24);
  EXPECT_EQ(r->options, hex("07 03 04 00"));
  EXPECT_EQ(r->payload_len, 0);

  std::vector<std::uint8_t> out(r->buffer_len());
  ASSERT_TRUE(r->emit(out));
  EXPECT_EQ(out, h);

  // Options that do not fill a word are padded with EOL.
  r->options = hex("07 03 04");
  ASSERT_TRUE(r->emit(out));
  EXPECT_EQ(out, h);
}

TEST(Ipv4, RoundTrip) {
  Ipv4Repr r;
  r.src = Ipv4Address(10, 1, 2, 3);
  r.dst = Ipv4Address(224, 0, 0, 22);
  r.protocol = ipproto::kIgmp;
  r.ttl = 1;
  r.dscp = 48;
  r.ecn = 2;
  r.ident = 0x1234;
  r.frag_offset = 65528;
  r.options = hex("94 04 00 00");  // Router Alert
  r.payload_len = 8;
  std::vector<std::uint8_t> out(r.buffer_len() + r.payload_len);
  ASSERT_TRUE(r.emit(out));
  auto p = Ipv4Packet::check(cspan(out));
  ASSERT_TRUE(p);
  auto back = Ipv4Repr::parse(*p);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(Ipv4, EveryPrefixRejectedWithoutOverread) {
  auto b = known_packet();
  test::for_each_prefix(b, [](std::span<const std::uint8_t> s, std::size_t n) {
    auto p = Ipv4Packet::check(s);
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error(), Error::kTruncated) << n;
  });
  // A header-only prefix passes check_quoted, as inside an ICMP error.
  test::for_each_prefix(b, [](std::span<const std::uint8_t> s, std::size_t n) {
    auto p = Ipv4Packet::check_quoted(s);
    EXPECT_EQ(p.has_value(), n >= 20) << n;
    if (p) {
      EXPECT_EQ(p->payload().size(), n - 20);
    }
  });
}

TEST(Ipv4, OptionsPrefixesRejected) {
  auto h = hex("46 00 00 18 00 00 00 00 40 01 00 00 0a 00 00 01 0a 00 00 02 01 01 01 00");
  test::for_each_prefix(h, [](std::span<const std::uint8_t> s, std::size_t n) {
    EXPECT_FALSE(Ipv4Packet::check(s)) << n;
    EXPECT_FALSE(Ipv4Packet::check_quoted(s)) << n;
  });
}

TEST(Ipv4, RejectsBadVersion) {
  auto b = known_packet();
  for (std::uint8_t v : {0, 1, 5, 6, 15}) {
    b[0] = static_cast<std::uint8_t>(v << 4 | 5);
    auto p = Ipv4Packet::check(cspan(b));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error(), Error::kBadVersion);
  }
}

TEST(Ipv4, RejectsIhlBelowFive) {
  auto b = known_packet();
  for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
    b[0] = static_cast<std::uint8_t>(0x40 | ihl);
    auto p = Ipv4Packet::check(cspan(b));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error(), Error::kBadHeaderLength);
  }
}

TEST(Ipv4, RejectsIhlBeyondBuffer) {
  // ihl 15 (60 bytes) in a 24-byte buffer.
  auto h = hex("4f 00 00 18 00 00 00 00 40 01 00 00 0a 00 00 01 0a 00 00 02 01 01 01 01");
  auto p = Ipv4Packet::check(cspan(h));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error(), Error::kTruncated);
}

TEST(Ipv4, RejectsTotalLengthBelowHeader) {
  auto b = known_packet();
  for (std::uint16_t tl : {0, 1, 19}) {
    b[2] = static_cast<std::uint8_t>(tl >> 8);
    b[3] = static_cast<std::uint8_t>(tl);
    auto p = Ipv4Packet::check(cspan(b));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error(), Error::kBadLength) << tl;
  }
  // ihl 6 with total length 20: the options would end past the packet.
  auto h = hex("46 00 00 14 00 00 00 00 40 01 00 00 0a 00 00 01 0a 00 00 02 01 01 01 01");
  EXPECT_EQ(Ipv4Packet::check(cspan(h)).error(), Error::kBadLength);
}

TEST(Ipv4, RejectsTotalLengthBeyondBuffer) {
  auto b = known_packet();
  b[3] = 0x74;  // 116 > 115
  EXPECT_EQ(Ipv4Packet::check(cspan(b)).error(), Error::kTruncated);
}

TEST(Ipv4, TrimsLinkLayerPadding) {
  auto b = known_packet();
  b.resize(b.size() + 7, 0xee);
  auto p = Ipv4Packet::check(cspan(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->bytes().size(), 115u);
  EXPECT_EQ(p->payload().size(), 95u);
}

TEST(Ipv4, DetectsBadChecksum) {
  auto b = known_packet();
  for (std::size_t i = 0; i < 20; ++i) {
    if (i == 2 || i == 3 || i == 0) continue;  // keep the lengths valid
    auto bad = b;
    bad[i] ^= 0x01;
    auto p = Ipv4Packet::check(cspan(bad));
    ASSERT_TRUE(p) << i;
    EXPECT_FALSE(p->verify_checksum()) << i;
    EXPECT_EQ(Ipv4Repr::parse(*p).error(), Error::kBadChecksum) << i;
    EXPECT_TRUE(Ipv4Repr::parse(*p, ChecksumPolicy::kIgnore)) << i;
  }
  // The payload is not covered.
  b[50] ^= 0xff;
  EXPECT_TRUE(Ipv4Packet::check(cspan(b))->verify_checksum());
}

TEST(Ipv4, ReservedFlagVisibleButIgnored) {
  auto b = known_packet();
  b[6] |= 0x80;
  auto p = Ipv4Packet::check(cspan(b));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->reserved_flag());
  EXPECT_TRUE(Ipv4Repr::parse(*p, ChecksumPolicy::kIgnore));
}

TEST(Ipv4, DecrementTtlKeepsChecksumValid) {
  auto b = known_packet();
  auto p = MutableIpv4Packet::check(std::span<std::uint8_t>(b));
  ASSERT_TRUE(p);
  for (int i = 0; i < 64; ++i) {
    p->decrement_ttl();
    ASSERT_TRUE(p->verify_checksum()) << i;
  }
  EXPECT_EQ(p->ttl(), 0);
}

TEST(Ipv4, EmitRejectsUnrepresentable) {
  std::vector<std::uint8_t> out(60);
  Ipv4Repr r;
  r.options.assign(41, 1);
  EXPECT_EQ(r.emit(out).error(), Error::kUnrepresentable);
  r.options.clear();
  r.frag_offset = 12;
  EXPECT_EQ(r.emit(out).error(), Error::kUnrepresentable);
  r.frag_offset = 0;
  r.dscp = 64;
  EXPECT_EQ(r.emit(out).error(), Error::kUnrepresentable);
  r.dscp = 0;
  r.ecn = 4;
  EXPECT_EQ(r.emit(out).error(), Error::kUnrepresentable);
  r.ecn = 0;
  r.payload_len = 65516;
  EXPECT_EQ(r.emit(out).error(), Error::kUnrepresentable);
  r.payload_len = 65515;
  EXPECT_TRUE(r.emit(out));
  r.options.assign(40, 1);
  std::vector<std::uint8_t> small(59);
  r.payload_len = 0;
  EXPECT_EQ(r.emit(small).error(), Error::kBufferTooSmall);
  EXPECT_TRUE(r.emit(out));
}

}  // namespace
}  // namespace ipc::stack::wire
