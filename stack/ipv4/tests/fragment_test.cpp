// ip_do_fragment / ip_options_fragment rules.
#include "stack/ipv4/fragment.hpp"

#include <gtest/gtest.h>

#include <cerrno>

#include "stack/ipv4/options_build.hpp"
#include "stack/ipv4/output.hpp"
#include "stack/ipv4/tests/test_bytes.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::ipv4 {
namespace {

using test::hex;
using test::to_hex;

TEST(FragmentOptions, NonCopiedBecomeNops) {
  // RR (not copied), RA (copied), LSRR (copied), EOL padding.
  auto area = hex("070704000000009404000083070400000000" "0000");
  fragment_options(area);
  EXPECT_EQ(to_hex(area), "010101010101019404000083070400000000" "0000");
}

TEST(FragmentOptions, StopsAtEol) {
  auto area = hex("00070700000000000000");
  fragment_options(area);
  EXPECT_EQ(to_hex(area), "00070700000000000000");
}

TEST(Fragment, OptionsOnlyCopiedAfterFirst) {
  // 24-byte header: RR with one slot (8 bytes? no: 4 bytes header room) -> use
  // NOP + RA (copied) + TS-like unknown non-copied option 0x1e len 4.
  socket::CompiledIpOptions o;
  o.data = hex("1e04abcd94040000");
  OutputPacket p;
  p.src = wire::Ipv4Address(192, 0, 2, 1);
  p.dst = wire::Ipv4Address(192, 0, 2, 2);
  p.protocol = 17;
  p.id = 0x4242;
  p.options = &o;
  std::vector<std::uint8_t> data(100, 0xaa);
  p.payload = data;
  // mtu 68: (68 - 28) & ~7 = 40 bytes per fragment -> 40, 40, 20.
  auto r = build_datagrams(p, 68);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 3u);
  std::size_t total = 0;
  for (std::size_t i = 0; i < r->size(); ++i) {
    auto v = wire::Ipv4Packet::check((*r)[i]);
    ASSERT_TRUE(v.has_value());
    EXPECT_TRUE(v->verify_checksum());
    EXPECT_EQ(v->header_len(), 28u);  // the header keeps its length
    EXPECT_EQ(v->ident(), 0x4242);
    EXPECT_EQ(v->frag_offset(), total);
    EXPECT_EQ(v->more_frags(), i != 2);
    const auto opts = to_hex({v->options().begin(), v->options().end()});
    EXPECT_EQ(opts, i == 0 ? "1e04abcd94040000" : "0101010194040000");
    total += v->payload().size();
  }
  EXPECT_EQ(total, 100u);
  EXPECT_EQ((*r)[2].size(), 28u + 20u);
}

TEST(Fragment, RefragmentKeepsMfAndOffset) {
  // A fragment at offset 800 with MF, 48 bytes of data, split for mtu 44.
  std::vector<std::uint8_t> d(20 + 48, 0x55);
  wire::Ipv4Repr r;
  r.src = wire::Ipv4Address(192, 0, 2, 2);
  r.dst = wire::Ipv4Address(192, 0, 2, 1);
  r.protocol = 17;
  r.ident = 9;
  r.more_frags = true;
  r.frag_offset = 800;
  r.payload_len = 48;
  ASSERT_TRUE(r.emit(d).has_value());
  auto out = fragment_datagram(d, 44);
  ASSERT_TRUE(out.has_value());
  ASSERT_EQ(out->size(), 2u);
  auto a = *wire::Ipv4Packet::check((*out)[0]);
  auto b = *wire::Ipv4Packet::check((*out)[1]);
  EXPECT_EQ(a.frag_offset(), 800);
  EXPECT_EQ(b.frag_offset(), 824);
  EXPECT_TRUE(a.more_frags());
  EXPECT_TRUE(b.more_frags());
}

TEST(Fragment, MtuBelowHeaderPlusEight) {
  std::vector<std::uint8_t> d(20 + 48, 0);
  wire::Ipv4Repr r;
  r.payload_len = 48;
  ASSERT_TRUE(r.emit(d).has_value());
  auto out = fragment_datagram(d, 27);
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error(), EMSGSIZE);
}

}  // namespace
}  // namespace ipc::stack::ipv4
