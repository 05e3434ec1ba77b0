#include "stack/wire/udp.hpp"

#include <gtest/gtest.h>

#include "stack/wire/tests/test_util.hpp"

namespace ipc::stack::wire {
namespace {

using test::cspan;
using test::hex;

const Ipv4Address kSrc(10, 0, 0, 1);
const Ipv4Address kDst(10, 0, 0, 2);

// 10.0.0.1:1234 -> 10.0.0.2:80, "hi!". Checksum by hand:
// pseudo-header 0a00+0001+0a00+0002+0011+000b = 141f;
// header+data 04d2+0050+000b+0000+6869+2100 = 8e96;
// 141f + 8e96 = a2b5, complement 5d4a.
const auto kDatagram = hex("04 d2 00 50 00 0b 5d 4a 68 69 21");

std::span<const std::uint8_t> text(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(Udp, ParseKnownDatagram) {
  auto p = UdpPacket::check(cspan(kDatagram));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->length(), 11);
  EXPECT_TRUE(p->verify_checksum(kSrc, kDst));
  auto r = UdpRepr::parse(*p, kSrc, kDst);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->src_port, 1234);
  EXPECT_EQ(r->dst_port, 80);
  EXPECT_EQ(std::string(r->payload.begin(), r->payload.end()), "hi!");
}

TEST(Udp, EmitKnownDatagram) {
  const std::string hi = "hi!";
  UdpRepr r{1234, 80, text(hi)};
  std::vector<std::uint8_t> out(r.buffer_len());
  auto n = r.emit(out, kSrc, kDst);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 11u);
  EXPECT_EQ(out, kDatagram);
  ASSERT_TRUE(r.emit(out, kSrc, kDst, false));
  EXPECT_EQ(out, hex("04 d2 00 50 00 0b 00 00 68 69 21"));
}

TEST(Udp, ChecksumDependsOnPseudoHeader) {
  auto p = UdpPacket::check(cspan(kDatagram));
  EXPECT_FALSE(p->verify_checksum(kSrc, Ipv4Address(10, 0, 0, 3)));
  EXPECT_EQ(UdpRepr::parse(*p, kDst, kSrc).has_value(), true);  // swapping is a permutation of the sum
  EXPECT_EQ(UdpRepr::parse(*p, kSrc, Ipv4Address(10, 0, 0, 3)).error(), Error::kBadChecksum);
}

TEST(Udp, BadChecksumDetected) {
  for (std::size_t i = 0; i < kDatagram.size(); ++i) {
    if (i == 4 || i == 5) continue;  // length
    auto b = kDatagram;
    b[i] ^= 0x01;
    auto p = UdpPacket::check(cspan(b));
    ASSERT_TRUE(p);
    EXPECT_EQ(UdpRepr::parse(*p, kSrc, kDst).error(), Error::kBadChecksum) << i;
    EXPECT_TRUE(UdpRepr::parse(*p, kSrc, kDst, ChecksumPolicy::kIgnore)) << i;
  }
}

TEST(Udp, ZeroChecksumMeansNone) {
  auto b = hex("04 d2 00 50 00 0b 00 00 68 69 21");
  auto p = UdpPacket::check(cspan(b));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->verify_checksum(kSrc, kDst));
  EXPECT_TRUE(UdpRepr::parse(*p, Ipv4Address(1, 2, 3, 4), kDst));
}

TEST(Udp, ComputedZeroIsSentAsFfff) {
  // Choose the payload word so that the sum is ffff: then the checksum
  // computes to 0 and must go out as ffff (RFC 768).
  // Length 10: pseudo-header 0a00+0001+0a00+0002+0011+000a = 141e;
  // header 04d2+0050+000a = 052c; 141e + 052c = 194a; so the data word
  // must be ffff - 194a = e6b5.
  auto b = hex("04 d2 00 50 00 0a 00 00 e6 b5");
  auto p = MutableUdpPacket::check(std::span<std::uint8_t>(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->compute_checksum(kSrc, kDst), 0);
  p->fill_checksum(kSrc, kDst);
  EXPECT_EQ(p->checksum(), 0xffff);
  EXPECT_TRUE(UdpPacket::check(cspan(b))->verify_checksum(kSrc, kDst));
}

TEST(Udp, EveryPrefixRejected) {
  test::for_each_prefix(kDatagram, [](std::span<const std::uint8_t> s, std::size_t n) {
    auto p = UdpPacket::check(s);
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error(), Error::kTruncated);
  });
}

TEST(Udp, LengthField) {
  auto b = kDatagram;
  for (std::uint8_t len : {0, 1, 7}) {
    b[5] = len;
    EXPECT_EQ(UdpPacket::check(cspan(b)).error(), Error::kBadLength) << int(len);
  }
  b[5] = 12;
  EXPECT_EQ(UdpPacket::check(cspan(b)).error(), Error::kTruncated);
  // A length below the buffer trims the datagram (IP padding is not data).
  b[5] = 8;
  auto p = UdpPacket::check(cspan(b));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->payload().empty());
  EXPECT_EQ(p->bytes().size(), 8u);
}

TEST(Udp, RoundTripAndBufferTooSmall) {
  std::vector<std::uint8_t> data(1000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
  UdpRepr r{53, 65535, data};
  std::vector<std::uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(out, kSrc, kDst));
  auto back = UdpRepr::parse(*UdpPacket::check(cspan(out)), kSrc, kDst);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  std::vector<std::uint8_t> small(r.buffer_len() - 1);
  EXPECT_EQ(r.emit(small, kSrc, kDst).error(), Error::kBufferTooSmall);
  UdpRepr empty{1, 2, {}};
  std::vector<std::uint8_t> hdr(8);
  ASSERT_TRUE(empty.emit(hdr, kSrc, kDst));
  EXPECT_EQ(UdpRepr::parse(*UdpPacket::check(cspan(hdr)), kSrc, kDst).value(), empty);
}

}  // namespace
}  // namespace ipc::stack::wire
