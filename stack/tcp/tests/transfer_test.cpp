// Data transfer: segmentation and PSH, Nagle/cork/MSG_MORE, out-of-order
// delivery with SACK, fast retransmit, window scaling, bulk transfers with
// loss that must arrive byte-exact.
#include <gtest/gtest.h>

#include <random>

#include "stack/tcp/tests/harness.hpp"

namespace ipc::stack::tcp::testing {
namespace {

namespace f = wire::tcp::flag;

// Sends `x` from A to B, reading at B, until everything arrived or `limit`.
std::vector<std::uint8_t> transfer(Link& l, const std::vector<std::uint8_t>& x, Clock::duration step,
                                   Clock::duration limit) {
  std::vector<std::uint8_t> got;
  got.reserve(x.size());
  std::size_t sent = 0;
  std::vector<std::uint8_t> buf(1 << 20);
  const auto end = l.now + limit;
  while (l.now < end && got.size() < x.size()) {
    if (sent < x.size()) sent += l.a->send(std::span(x).subspan(sent), l.now);
    l.run_for(step);
    for (;;) {
      const std::size_t n = l.b->recv(buf, false, l.now);
      if (n == 0) break;
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(n));
    }
  }
  return got;
}

TEST(Transfer, SegmentsAndPsh) {
  Link l;
  l.open();
  auto x = pattern(3000);
  l.a->send(x, l.now);
  l.pump();
  auto segs = l.from(true);
  ASSERT_EQ(segs.size(), 5u);
  EXPECT_EQ(segs[2].data.size(), 1448u);
  EXPECT_EQ(segs[3].data.size(), 1448u);
  EXPECT_EQ(segs[4].data.size(), 104u);
  EXPECT_EQ(segs[2].hdr.flags, f::kAck);
  EXPECT_EQ(segs[3].hdr.flags, f::kAck);
  EXPECT_EQ(segs[4].hdr.flags, f::kAck | f::kPsh);
  EXPECT_EQ(l.a->unacked_bytes(), 0u);
  EXPECT_EQ(l.b->readable(), 3000u);
}

TEST(Transfer, InitialWindowIsTenSegments) {
  Link l;
  l.open();
  l.delay = 10ms;
  auto x = pattern(100000);
  l.a->send(x, l.now);
  l.pump();
  EXPECT_EQ(l.from(true).size(), 2u + 10u);
  EXPECT_EQ(l.a->unsent_bytes(), l.a->unacked_bytes() - 10 * 1448);
}

TEST(Transfer, NagleHoldsASecondSmallSegment) {
  Link l;
  l.open();
  l.delay = 10ms;
  auto x = pattern(100);
  l.a->send(x, l.now);
  l.a->send(x, l.now);
  l.pump();
  EXPECT_EQ(l.from(true).size(), 3u);  // the second waits for the ACK
  EXPECT_EQ(l.a->unsent_bytes(), 100u);
  l.run_for(25ms);
  EXPECT_EQ(l.from(true).size(), 4u);
  EXPECT_EQ(l.a->unsent_bytes(), 0u);
}

TEST(Transfer, NodelaySendsAtOnce) {
  Options o;
  o.nodelay = true;
  Link l({}, {}, o, {});
  l.open();
  l.delay = 10ms;
  auto x = pattern(100);
  l.a->send(x, l.now);
  l.a->send(x, l.now);
  l.pump();
  EXPECT_EQ(l.from(true).size(), 4u);
}

TEST(Transfer, CorkAndMsgMore) {
  Link l;
  l.open();
  auto x = pattern(100);
  l.a->options().cork = true;
  l.a->send(x, l.now);
  l.a->send(x, l.now);
  l.pump();
  EXPECT_EQ(l.from(true).size(), 2u);
  l.a->options().cork = false;
  l.a->sockopt_changed(l.now);
  l.pump();
  auto segs = l.from(true);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[2].data.size(), 200u);
  EXPECT_EQ(segs[2].hdr.flags, f::kAck | f::kPsh);
  // MSG_MORE: held, and no PSH mark, until a write without it.
  l.a->send(x, l.now, true);
  l.pump();
  EXPECT_EQ(l.from(true).size(), 3u);
  l.a->send(x, l.now);
  l.pump();
  segs = l.from(true);
  ASSERT_EQ(segs.size(), 4u);
  EXPECT_EQ(segs[3].data.size(), 200u);
}

TEST(Transfer, OutOfOrderWithSack) {
  Link l;
  l.open();
  l.delay = 5ms;
  int n = 0;
  l.filter = [&](const Seen& s) { return s.from_a && !s.data.empty() && ++n == 2; };
  auto x = pattern(10 * 1448);
  l.a->send(x, l.now);
  l.run_for(6ms);
  // B got 1, 3..10: it asks with SACK for the hole, at once for each.
  std::vector<Seen> dupacks;
  for (const auto& s : l.from(false))
    if (!s.hdr.sack_blocks.empty()) dupacks.push_back(s);
  ASSERT_GE(dupacks.size(), 3u);
  const std::uint32_t hole = l.a->iss() + 1 + 1448;
  EXPECT_EQ(dupacks[0].hdr.ack, hole);
  EXPECT_EQ(dupacks[0].hdr.sack_blocks[0], (wire::TcpSackBlock{hole + 1448, hole + 2 * 1448}));
  EXPECT_EQ(dupacks.back().hdr.sack_blocks[0], (wire::TcpSackBlock{hole + 1448, hole + 9 * 1448}));
  l.run_for(20ms);
  // Fast retransmit, well before any RTO.
  auto segs = l.from(true);
  bool retransmitted = false;
  for (const auto& s : segs)
    if (!s.dropped && s.hdr.seq == hole && !s.data.empty()) retransmitted = s.at < 50ms;
  EXPECT_TRUE(retransmitted);
  std::vector<std::uint8_t> got(x.size());
  EXPECT_EQ(l.b->recv(got, false, l.now), x.size());
  EXPECT_EQ(got, x);
}

TEST(Transfer, FastRetransmitWithoutSack) {
  Settings s;
  s.sack = false;
  Link l(s, s);
  l.open();
  l.delay = 5ms;
  int n = 0;
  l.filter = [&](const Seen& seg) { return seg.from_a && !seg.data.empty() && ++n == 2; };
  auto x = pattern(10 * 1448);
  l.a->send(x, l.now);
  l.run_for(30ms);
  EXPECT_EQ(l.b->readable(), x.size());
  EXPECT_EQ(l.a->retransmits(), 0);  // no timeout was needed
}

TEST(Transfer, DuplicateDataGetsDsack) {
  Link l;
  l.open();
  auto x = pattern(100);
  l.a->send(x, l.now);
  l.pump();
  // The same segment again (a spurious retransmission).
  wire::TcpRepr dup;
  dup.src_port = kPortA;
  dup.dst_port = kPortB;
  dup.seq = l.a->iss() + 1;
  dup.ack = l.b->snd_nxt();
  dup.flags = f::kAck | f::kPsh;
  dup.window = 500;
  dup.payload = x;
  l.b->on_segment(dup, 0, l.now);
  auto out = l.b->take_output();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].hdr.sack_blocks.size(), 1u);
  EXPECT_EQ(out[0].hdr.sack_blocks[0], (wire::TcpSackBlock{dup.seq, dup.seq + 100}));
}

TEST(Transfer, WindowScalingLetsMoreThan64KFly) {
  Options big;
  big.rcvbuf = 4 * 1024 * 1024;
  Link l({}, {}, {}, big);
  l.open();
  l.delay = 20ms;
  auto x = pattern(4 << 20);
  auto got = transfer(l, x, 5ms, 60s);
  EXPECT_EQ(got, x);
  EXPECT_GT(l.a->snd_wnd(), 65535u);
  std::uint32_t most = 0;
  for (const auto& s : l.from(true)) most = std::max(most, s.hdr.seq - l.a->iss());
  std::size_t max_in_flight = 0;
  // B's advertised windows, scaled, exceed what 16 bits hold.
  for (const auto& s : l.from(false))
    max_in_flight = std::max<std::size_t>(max_in_flight, std::size_t{s.hdr.window} << 10);
  EXPECT_GT(max_in_flight, 65535u);
}

TEST(Transfer, AutotuningOpensTheWindowPast64K) {
  // Default buffers (no SO_RCVBUF): a reader that keeps up makes
  // tcp_rcv_space_adjust grow the receive buffer, so B offers more than the
  // initial 64 KB; with SO_RCVBUF set it would not.
  Link l;
  l.open();
  l.delay = 20ms;
  auto x = pattern(8 << 20);
  auto got = transfer(l, x, 5ms, 60s);
  EXPECT_EQ(got, x);
  std::size_t most = 0;
  for (const auto& s : l.from(false)) most = std::max<std::size_t>(most, std::size_t{s.hdr.window} << l.b->rcv_wscale());
  EXPECT_GT(most, 2u * 65536u);
}

TEST(Transfer, TwentyMegabytesWithOnePercentLoss) {
  Link l;
  l.open();
  l.delay = 1ms;
  std::mt19937 rng(12345);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  int drops = 0;
  l.filter = [&](const Seen&) {
    const bool d = u(rng) < 0.01;
    drops += d;
    return d;
  };
  auto x = pattern(20 << 20, 99);
  auto got = transfer(l, x, 2ms, 2000s);
  ASSERT_EQ(got.size(), x.size());
  EXPECT_TRUE(got == x);
  EXPECT_GT(drops, 100);
  l.filter = nullptr;
  l.a->close(false, l.now);
  l.b->close(false, l.now);
  l.run_for(2s);
  EXPECT_EQ(l.a->state(), State::TimeWait);
}

TEST(Transfer, HundredMegabytesLossless) {
  Link l;
  l.open();
  auto x = pattern(100 << 20, 5);
  auto got = transfer(l, x, 1ms, 3600s);
  ASSERT_EQ(got.size(), x.size());
  EXPECT_TRUE(got == x);
}

TEST(Transfer, PathMtuDropRetransmitsSmaller) {
  Link l;
  l.open();
  l.delay = 5ms;
  // The path shrinks: full-sized segments vanish, an ICMP says 1200.
  l.filter = [](const Seen& s) { return s.from_a && s.data.size() > 1160; };
  auto x = pattern(5000);
  l.a->send(x, l.now);
  l.pump();
  l.a->on_frag_needed(1200, l.now);
  EXPECT_EQ(l.a->mss(), 1148);
  l.run_for(50ms);
  EXPECT_EQ(l.b->readable(), x.size());
}

}  // namespace
}  // namespace ipc::stack::tcp::testing
