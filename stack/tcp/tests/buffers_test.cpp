// The building blocks: sequence arithmetic, the byte ring, the out-of-order
// queue, SACK block bookkeeping, the RTO estimator, the initial window.
#include <gtest/gtest.h>

#include "stack/tcp/byte_ring.hpp"
#include "stack/tcp/ofo_queue.hpp"
#include "stack/tcp/rtt_estimator.hpp"
#include "stack/tcp/sack_blocks.hpp"
#include "stack/tcp/seq.hpp"
#include "stack/tcp/window.hpp"

namespace ipc::stack::tcp {
namespace {

TEST(Seq, WrapAround) {
  EXPECT_TRUE(seq::before(0xfffffff0u, 0x10u));
  EXPECT_TRUE(seq::after(0x10u, 0xfffffff0u));
  EXPECT_FALSE(seq::before(5, 5));
  EXPECT_TRUE(seq::between(0, 0xffffffffu, 1));
  EXPECT_FALSE(seq::between(2, 0xffffffffu, 1));
  EXPECT_EQ(seq::diff(0x10u, 0xfffffff0u), 0x20);
  EXPECT_EQ(seq::max(0xfffffff0u, 0x10u), 0x10u);
}

TEST(ByteRing, AppendWrapConsume) {
  ByteRing r;
  std::vector<std::uint8_t> a(3000, 1), b(3000, 2);
  r.append(a);
  r.consume(2500);
  r.append(b);  // wraps inside the 4096-byte ring
  EXPECT_EQ(r.size(), 3500u);
  std::vector<std::uint8_t> out(3500);
  r.copy_out(0, out);
  EXPECT_EQ(out[499], 1);
  EXPECT_EQ(out[500], 2);
  EXPECT_EQ(out[3499], 2);
  std::vector<std::uint8_t> big(10000, 3);
  r.append(big);  // grows, keeping order
  std::vector<std::uint8_t> one(1);
  r.copy_out(3499, one);
  EXPECT_EQ(one[0], 2);
  r.copy_out(3500, one);
  EXPECT_EQ(one[0], 3);
}

TEST(OfoQueue, OverlapsAndDrain) {
  OfoQueue q;
  std::vector<std::uint8_t> d(100);
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(i);
  EXPECT_TRUE(q.insert(50, std::span(d).subspan(50, 20)));   // [50,70)
  EXPECT_TRUE(q.insert(60, std::span(d).subspan(60, 30)));   // adds [70,90)
  EXPECT_FALSE(q.insert(55, std::span(d).subspan(55, 10)));  // nothing new
  EXPECT_EQ(q.bytes(), 40u);
  ByteRing out;
  EXPECT_EQ(q.drain(40, out), 40u);  // hole at 40..50
  EXPECT_EQ(out.size(), 0u);
  EXPECT_EQ(q.drain(50, out), 90u);
  ASSERT_EQ(out.size(), 40u);
  std::vector<std::uint8_t> got(40);
  out.copy_out(0, got);
  EXPECT_EQ(got, std::vector<std::uint8_t>(d.begin() + 50, d.begin() + 90));
  EXPECT_TRUE(q.empty());
}

TEST(SackBlocks, RecentFirstMergeAndRemove) {
  SackBlocks s;
  s.on_out_of_order(200, 300);
  s.on_out_of_order(400, 500);
  ASSERT_EQ(s.blocks().size(), 2u);
  EXPECT_EQ(s.blocks()[0], (wire::TcpSackBlock{400, 500}));
  s.on_out_of_order(300, 400);  // joins both
  ASSERT_EQ(s.blocks().size(), 1u);
  EXPECT_EQ(s.blocks()[0], (wire::TcpSackBlock{200, 500}));
  for (std::uint32_t i = 0; i < 5; ++i) s.on_out_of_order(1000 + 100 * i, 1050 + 100 * i);
  EXPECT_EQ(s.blocks().size(), 4u);  // TCP_NUM_SACKS
  EXPECT_EQ(s.blocks()[0].left, 1400u);
  s.on_rcv_nxt(1250);
  EXPECT_EQ(s.blocks().size(), 2u);
}

TEST(RttEstimator, LinuxFloorAndSmoothing) {
  RttEstimator e;
  using us = std::chrono::microseconds;
  e.sample(us(10000), 1, 2, us(200000));
  EXPECT_EQ(e.srtt(), us(10000));
  EXPECT_EQ(e.rto(), us(210000));  // rttvar never below rto_min
  e.sample(us(50000), 3, 4, us(200000));
  EXPECT_EQ(e.srtt(), us(15000));  // srtt + (m - srtt)/8
  EXPECT_GE(e.rto(), us(215000));
}

TEST(InitialWindow, KernelNumbers) {
  // 131072-byte buffer -> 65536 of window space; 32 MB tcp_rmem[2].
  auto w = select_initial_window(65536, 1460, true, 33554432);
  EXPECT_EQ(w.rcv_wnd, 64240u);
  EXPECT_EQ(w.rcv_wscale, 10);
  w = select_initial_window(65536, 1448, true, 33554432);
  EXPECT_EQ(w.rcv_wnd, 65160u);
  // The pre-6.17 default (tcp_rmem[2] = 6 MB) gives wscale 7.
  EXPECT_EQ(select_initial_window(65536, 1460, true, 6291456).rcv_wscale, 7);
  EXPECT_EQ(select_initial_window(65536, 1460, false, 33554432).rcv_wscale, 0);
}

}  // namespace
}  // namespace ipc::stack::tcp
