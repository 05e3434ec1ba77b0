#include <gtest/gtest.h>

#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/tests/test_util.hpp"

namespace ipc::stack::wire {
namespace {

using test::cspan;
using test::hex;

// A broadcast ARP request: who has 10.0.0.2? tell 10.0.0.1 (02:00:00:00:00:01).
const auto kArpFrame = hex(
    "ff ff ff ff ff ff  02 00 00 00 00 01  08 06"
    "00 01 08 00 06 04 00 01"
    "02 00 00 00 00 01  0a 00 00 01"
    "00 00 00 00 00 00  0a 00 00 02");

TEST(Ethernet, ParseKnownFrame) {
  auto f = EthernetFrame::check(cspan(kArpFrame));
  ASSERT_TRUE(f);
  auto r = EthernetRepr::parse(*f);
  EXPECT_EQ(r.dst, MacAddress::broadcast());
  EXPECT_EQ(r.src.to_string(), "02:00:00:00:00:01");
  EXPECT_EQ(r.ethertype, ethertype::kArp);
  EXPECT_EQ(f->payload().size(), 28u);
  EXPECT_EQ(f->payload()[0], 0x00);
  EXPECT_EQ(f->payload()[1], 0x01);
}

TEST(Ethernet, EmitIdenticalHeader) {
  auto f = EthernetFrame::check(cspan(kArpFrame));
  ASSERT_TRUE(f);
  std::vector<std::uint8_t> out(14);
  auto n = EthernetRepr::parse(*f).emit(out);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 14u);
  EXPECT_EQ(out, std::vector<std::uint8_t>(kArpFrame.begin(), kArpFrame.begin() + 14));
  std::vector<std::uint8_t> small(13);
  EXPECT_EQ(EthernetRepr{}.emit(small).error(), Error::kBufferTooSmall);
}

TEST(Ethernet, EveryShortPrefixRejected) {
  test::for_each_prefix(std::vector<std::uint8_t>(kArpFrame.begin(), kArpFrame.begin() + 14),
                        [](std::span<const std::uint8_t> b, std::size_t n) {
                          auto f = EthernetFrame::check(b);
                          ASSERT_FALSE(f) << n;
                          EXPECT_EQ(f.error(), Error::kTruncated);
                        });
}

TEST(Ethernet, MutableViewSetsFields) {
  std::vector<std::uint8_t> buf(20, 0);
  auto f = MutableEthernetFrame::check(buf);
  ASSERT_TRUE(f);
  f->set_ethertype(ethertype::kIpv4);
  f->set_dst(MacAddress::ipv4_multicast(Ipv4Address(224, 0, 0, 1)));
  EXPECT_EQ(buf[12], 0x08);
  EXPECT_EQ(buf[13], 0x00);
  EXPECT_EQ(buf[0], 0x01);
  EXPECT_EQ(f->payload().size(), 6u);
}

TEST(Arp, ParseKnownRequest) {
  auto f = EthernetFrame::check(cspan(kArpFrame));
  ASSERT_TRUE(f);
  auto p = ArpPacket::check(f->payload());
  ASSERT_TRUE(p);
  auto r = ArpRepr::parse(*p);
  EXPECT_EQ(r.operation, arp::kOpRequest);
  EXPECT_EQ(r.sender_hw.to_string(), "02:00:00:00:00:01");
  EXPECT_EQ(r.sender_proto, Ipv4Address(10, 0, 0, 1));
  EXPECT_TRUE(r.target_hw.is_zero());
  EXPECT_EQ(r.target_proto, Ipv4Address(10, 0, 0, 2));
}

TEST(Arp, EmitIdenticalAndRoundTrip) {
  ArpRepr r{arp::kOpRequest, *MacAddress::parse("02:00:00:00:00:01"), Ipv4Address(10, 0, 0, 1), MacAddress(),
            Ipv4Address(10, 0, 0, 2)};
  std::vector<std::uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(out));
  EXPECT_EQ(out, std::vector<std::uint8_t>(kArpFrame.begin() + 14, kArpFrame.end()));

  ArpRepr reply{arp::kOpReply, *MacAddress::parse("02:00:00:00:00:02"), Ipv4Address(10, 0, 0, 2),
                *MacAddress::parse("02:00:00:00:00:01"), Ipv4Address(10, 0, 0, 1)};
  ASSERT_TRUE(reply.emit(out));
  auto p = ArpPacket::check(cspan(out));
  ASSERT_TRUE(p);
  EXPECT_EQ(ArpRepr::parse(*p), reply);

  std::vector<std::uint8_t> small(27);
  EXPECT_EQ(reply.emit(small).error(), Error::kBufferTooSmall);
}

TEST(Arp, EveryShortPrefixRejected) {
  std::vector<std::uint8_t> pkt(kArpFrame.begin() + 14, kArpFrame.end());
  test::for_each_prefix(pkt, [](std::span<const std::uint8_t> b, std::size_t n) {
    auto p = ArpPacket::check(b);
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error(), Error::kTruncated);
  });
}

TEST(Arp, RejectsOtherHardwareAndProtocols) {
  std::vector<std::uint8_t> pkt(kArpFrame.begin() + 14, kArpFrame.end());
  for (std::size_t at : {1u, 2u, 4u, 5u}) {
    auto bad = pkt;
    bad[at] ^= 0x10;
    auto p = ArpPacket::check(cspan(bad));
    ASSERT_FALSE(p) << at;
    EXPECT_EQ(p.error(), Error::kUnsupported);
  }
  // A short packet claiming 1-byte hardware addresses is unsupported, never read.
  auto odd = hex("00 01 08 00 01 04 00 01");
  EXPECT_EQ(ArpPacket::check(cspan(odd)).error(), Error::kUnsupported);
}

TEST(Arp, TrailingPaddingIgnored) {
  std::vector<std::uint8_t> pkt(kArpFrame.begin() + 14, kArpFrame.end());
  pkt.resize(46, 0);  // minimum Ethernet payload
  auto p = ArpPacket::check(cspan(pkt));
  ASSERT_TRUE(p);
  EXPECT_EQ(ArpRepr::parse(*p).target_proto, Ipv4Address(10, 0, 0, 2));
}

}  // namespace
}  // namespace ipc::stack::wire
