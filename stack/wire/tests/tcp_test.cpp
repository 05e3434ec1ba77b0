#include "stack/wire/tcp.hpp"

#include <gtest/gtest.h>

#include "stack/wire/tests/test_util.hpp"

namespace ipc::stack::wire {
namespace {

using test::cspan;
using test::hex;

const Ipv4Address kSrc(10, 0, 0, 1);
const Ipv4Address kDst(10, 0, 0, 2);

// SYN 10.0.0.1:40000 -> 10.0.0.2:80, seq 1, window 65535, MSS 1460.
// Checksum by hand: pseudo-header 0a00+0001+0a00+0002+0006+0018 = 1421;
// header 9c40+0050+0000+0001+0000+0000+6002+ffff+0000+0000+0204+05b4 = 2044a;
// 1421 + 2044a = 2186b, folded 186d, complement e792.
const auto kSyn = hex("9c 40 00 50 00 00 00 01 00 00 00 00 60 02 ff ff e7 92 00 00 02 04 05 b4");

TEST(Tcp, ParseKnownSyn) {
  auto p = TcpPacket::check(cspan(kSyn));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header_len(), 24u);
  EXPECT_TRUE(p->syn());
  EXPECT_FALSE(p->ack_flag());
  EXPECT_TRUE(p->verify_checksum(kSrc, kDst));
  auto r = TcpRepr::parse(*p, kSrc, kDst);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->src_port, 40000);
  EXPECT_EQ(r->dst_port, 80);
  EXPECT_EQ(r->seq, 1u);
  EXPECT_EQ(r->ack, 0u);
  EXPECT_EQ(r->flags, tcp::flag::kSyn);
  EXPECT_EQ(r->window, 65535);
  EXPECT_EQ(r->mss, 1460);
  EXPECT_FALSE(r->window_scale);
  EXPECT_FALSE(r->timestamps);
  EXPECT_TRUE(r->payload.empty());
}

TEST(Tcp, EmitKnownSyn) {
  TcpRepr r;
  r.src_port = 40000;
  r.dst_port = 80;
  r.seq = 1;
  r.flags = tcp::flag::kSyn;
  r.window = 65535;
  r.mss = 1460;
  std::vector<std::uint8_t> out(r.buffer_len());
  auto n = r.emit(out, kSrc, kDst);
  ASSERT_TRUE(n);
  EXPECT_EQ(out, kSyn);
}

TEST(Tcp, LinuxSynOptionLayout) {
  // What a Linux SYN carries: MSS, SACK-permitted + timestamps, NOP + WS.
  TcpRepr r;
  r.flags = tcp::flag::kSyn;
  r.mss = 1460;
  r.sack_permitted = true;
  r.timestamps = TcpTimestamps{0x01020304, 0};
  r.window_scale = 7;
  std::vector<std::uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(out, kSrc, kDst));
  ASSERT_EQ(out.size(), 40u);
  EXPECT_EQ(std::vector<std::uint8_t>(out.begin() + 20, out.end()),
            hex("02 04 05 b4 04 02 08 0a 01 02 03 04 00 00 00 00 01 03 03 07"));
  auto back = TcpRepr::parse(*TcpPacket::check(cspan(out)), kSrc, kDst);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(Tcp, DataSegmentWithSackRoundTrip) {
  const std::string data = "hello, world";
  TcpRepr r;
  r.src_port = 80;
  r.dst_port = 40000;
  r.seq = 0xfffffff0;
  r.ack = 12345;
  r.flags = tcp::flag::kAck | tcp::flag::kPsh;
  r.window = 501;
  r.timestamps = TcpTimestamps{7, 8};
  r.sack_blocks = {{100, 200}, {300, 400}, {500, 600}};
  r.payload = {reinterpret_cast<const std::uint8_t*>(data.data()), data.size()};
  EXPECT_EQ(r.header_len(), 20u + 12 + 4 + 24);
  std::vector<std::uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(out, kSrc, kDst));
  auto p = TcpPacket::check(cspan(out));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->payload().size(), data.size());
  auto back = TcpRepr::parse(*p, kSrc, kDst);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  // Four SACK blocks with timestamps do not fit in 40 bytes of options.
  r.sack_blocks.push_back({700, 800});
  EXPECT_EQ(r.emit(out, kSrc, kDst).error(), Error::kUnrepresentable);
}

TEST(Tcp, EveryPrefixRejected) {
  test::for_each_prefix(kSyn, [](std::span<const std::uint8_t> s, std::size_t n) {
    auto p = TcpPacket::check(s);
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error(), Error::kTruncated);
  });
}

TEST(Tcp, DataOffset) {
  auto b = kSyn;
  for (std::uint8_t doff = 0; doff < 5; ++doff) {
    b[12] = static_cast<std::uint8_t>(doff << 4);
    EXPECT_EQ(TcpPacket::check(cspan(b)).error(), Error::kBadHeaderLength) << int(doff);
  }
  b[12] = 0x70;  // 28 > 24
  EXPECT_EQ(TcpPacket::check(cspan(b)).error(), Error::kTruncated);
  b[12] = 0x50;  // the MSS option becomes payload
  auto p = TcpPacket::check(cspan(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->payload().size(), 4u);
  EXPECT_TRUE(p->options().empty());
}

TEST(Tcp, BadChecksum) {
  for (std::size_t i = 0; i < kSyn.size(); ++i) {
    if (i == 12) continue;
    auto b = kSyn;
    b[i] ^= 0x08;
    auto p = TcpPacket::check(cspan(b));
    ASSERT_TRUE(p) << i;
    EXPECT_EQ(TcpRepr::parse(*p, kSrc, kDst).error(), Error::kBadChecksum) << i;
  }
  EXPECT_EQ(TcpRepr::parse(*TcpPacket::check(cspan(kSyn)), kSrc, Ipv4Address(10, 0, 0, 3)).error(),
            Error::kBadChecksum);
}

std::vector<TcpOption> read_all(const std::vector<std::uint8_t>& area, bool* malformed = nullptr,
                                std::size_t* at = nullptr) {
  TcpOptionReader r(cspan(area));
  std::vector<TcpOption> out;
  while (auto o = r.next()) out.push_back(*o);
  if (malformed) *malformed = r.malformed();
  if (at) *at = r.error_offset();
  return out;
}

TEST(TcpOptions, TypedAndUnknown) {
  auto area = hex("01 02 04 05 b4 03 03 0e 04 02 05 0a 00 00 00 01 00 00 00 02 08 0a 00 00 00 09 00 00 00 0a "
                  "fe 04 aa bb 00 ff");
  bool bad = true;
  auto o = read_all(area, &bad);
  EXPECT_FALSE(bad);
  ASSERT_EQ(o.size(), 8u);
  EXPECT_EQ(o[0].kind, TcpOptionKind::kNoOperation);
  EXPECT_EQ(o[1].kind, TcpOptionKind::kMss);
  EXPECT_EQ(o[1].mss, 1460);
  EXPECT_EQ(o[2].kind, TcpOptionKind::kWindowScale);
  EXPECT_EQ(o[2].window_scale, 14);
  EXPECT_EQ(o[3].kind, TcpOptionKind::kSackPermitted);
  EXPECT_EQ(o[4].kind, TcpOptionKind::kSack);
  ASSERT_EQ(o[4].sack_block_count(), 1u);
  EXPECT_EQ(o[4].sack_block(0), (TcpSackBlock{1, 2}));
  EXPECT_EQ(o[5].kind, TcpOptionKind::kTimestamps);
  EXPECT_EQ(o[5].ts_val, 9u);
  EXPECT_EQ(o[5].ts_ecr, 10u);
  EXPECT_EQ(o[6].kind, TcpOptionKind::kUnknown);
  EXPECT_EQ(o[6].type, 0xfe);
  EXPECT_EQ(o[6].data.size(), 2u);
  EXPECT_EQ(o[7].kind, TcpOptionKind::kEndOfList);
  EXPECT_EQ(o[7].offset, 34u);
}

TEST(TcpOptions, WrongLengthsAreUnknown) {
  // tcp_parse_options only acts on exact lengths.
  auto o = read_all(hex("02 03 05  03 04 0e 00  04 03 00  05 02  08 0a 00 00 00 00 00 00 00 00"));
  ASSERT_GE(o.size(), 5u);
  EXPECT_EQ(o[0].kind, TcpOptionKind::kUnknown);  // MSS length 3
  EXPECT_EQ(o[1].kind, TcpOptionKind::kUnknown);  // WS length 4
  EXPECT_EQ(o[2].kind, TcpOptionKind::kUnknown);  // SACK-permitted length 3
  EXPECT_EQ(o[3].kind, TcpOptionKind::kUnknown);  // SACK with no block
  EXPECT_EQ(o[4].kind, TcpOptionKind::kTimestamps);
  auto s = read_all(hex("05 0b 00 00 00 01 00 00 00 02 00"));
  EXPECT_EQ(s[0].kind, TcpOptionKind::kUnknown);  // SACK length 11
}

TEST(TcpOptions, MalformedStopsParsing) {
  bool bad = false;
  std::size_t at = 0;
  auto o = read_all(hex("01 02"), &bad, &at);  // no room for a length
  EXPECT_TRUE(bad);
  EXPECT_EQ(at, 1u);
  EXPECT_EQ(o.size(), 1u);
  read_all(hex("02 01 00 00"), &bad, &at);     // length < 2
  EXPECT_TRUE(bad);
  EXPECT_EQ(at, 0u);
  read_all(hex("01 02 05 05 b4"), &bad, &at);  // length past the end
  EXPECT_TRUE(bad);
  EXPECT_EQ(at, 1u);
}

TEST(TcpOptions, EveryPrefixInBounds) {
  auto area = hex("02 04 05 b4 04 02 08 0a 01 02 03 04 00 00 00 00 01 03 03 07");
  test::for_each_prefix(area, [](std::span<const std::uint8_t> s, std::size_t n) {
    TcpOptionReader r(s);
    while (auto o = r.next()) EXPECT_LE(o->offset + o->raw.size(), n);
    if (r.malformed()) {
      EXPECT_LT(r.error_offset(), n);
    }
  });
}

TEST(Tcp, ParseKeepsOptionsBeforeMalformedOne) {
  // MSS then a truncated timestamps option: Linux keeps the MSS.
  auto b = hex("9c 40 00 50 00 00 00 01 00 00 00 00 70 02 ff ff 00 00 00 00 02 04 05 b4 08 0a 00 00");
  auto p = TcpPacket::check(cspan(b));
  ASSERT_TRUE(p);
  auto r = TcpRepr::parse(*p, kSrc, kDst, ChecksumPolicy::kIgnore);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->mss, 1460);
  EXPECT_FALSE(r->timestamps);
}

}  // namespace
}  // namespace ipc::stack::wire
