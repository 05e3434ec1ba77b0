// PAWS, urgent data, TIME_WAIT reuse, queue accounting and buffer sizes.
#include <gtest/gtest.h>

#include "stack/tcp/tests/harness.hpp"

namespace ipc::stack::tcp::testing {
namespace {

namespace f = wire::tcp::flag;

wire::TcpRepr data_to_a(const Link& l, std::span<const std::uint8_t> payload, std::uint32_t tsval) {
  wire::TcpRepr r;
  r.src_port = kPortB;
  r.dst_port = kPortA;
  r.seq = l.a->rcv_nxt();
  r.ack = l.a->snd_nxt();
  r.flags = f::kAck | f::kPsh;
  r.window = 500;
  r.timestamps = wire::TcpTimestamps{tsval, 0};
  r.payload = payload;
  return r;
}

TEST(Paws, OldTimestampIsDroppedWithADupack) {
  Link l;
  l.open();
  const std::uint32_t recent = *l.a->ts_recent();
  auto x = pattern(10);
  l.a->on_segment(data_to_a(l, x, recent - 100), 0, l.now);
  EXPECT_EQ(l.a->readable(), 0u);
  auto out = l.a->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].hdr.flags, f::kAck);
  EXPECT_EQ(out[0].hdr.ack, l.a->rcv_nxt());
  // One tick back is tolerated (TCP_PAWS_WINDOW), and newer is fine.
  l.a->on_segment(data_to_a(l, x, recent - 1), 0, l.now);
  EXPECT_EQ(l.a->readable(), 10u);
  l.a->on_segment(data_to_a(l, x, recent + 5), 0, l.now);
  EXPECT_EQ(l.a->readable(), 20u);
  EXPECT_EQ(*l.a->ts_recent(), recent + 5);
}

TEST(Urgent, UrgIsHarmless) {
  Link l;
  l.open();
  auto x = pattern(10);
  auto seg = data_to_a(l, x, *l.a->ts_recent());
  seg.flags |= f::kUrg;
  seg.urgent = 5;
  l.a->on_segment(seg, 0, l.now);
  EXPECT_EQ(l.a->readable(), 10u);
  EXPECT_EQ(l.a->state(), State::Established);
}

TEST(TimeWait, NewerSynMayReopen) {
  Link l;
  l.open();
  l.a->close(false, l.now);
  l.run_for(1ms);
  l.b->close(false, l.now);
  l.pump();
  ASSERT_EQ(l.a->state(), State::TimeWait);
  wire::TcpRepr syn;
  syn.src_port = kPortB;
  syn.dst_port = kPortA;
  syn.flags = f::kSyn;
  syn.seq = l.a->rcv_nxt() + 100000;
  syn.timestamps = wire::TcpTimestamps{*l.a->ts_recent() + 10, 0};
  EXPECT_TRUE(l.a->time_wait_accepts_syn(syn));
  syn.seq = l.a->rcv_nxt() - 100000;
  EXPECT_TRUE(l.a->time_wait_accepts_syn(syn));  // the newer timestamp is enough
  syn.timestamps->val = *l.a->ts_recent() - 10;
  EXPECT_FALSE(l.a->time_wait_accepts_syn(syn));
  // An old SYN is answered with an ACK (TCP_TW_ACK) and TIME_WAIT goes on.
  l.a->on_segment(syn, 0, l.now);
  auto out = l.a->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].hdr.flags, f::kAck);
  EXPECT_EQ(l.a->state(), State::TimeWait);
}

TEST(Queues, OutqInqAndSendBuffer) {
  Link l;
  EXPECT_EQ(l.a->send_buffer_size(), 16384u);  // tcp_wmem[1] before the connection exists
  l.open();
  // 6.18: SO_SNDBUF reads 69120 right after connect (tcp_sndbuf_expand).
  EXPECT_EQ(l.a->send_buffer_size(), 69120u);
  l.delay = 10ms;
  auto x = pattern(200000);
  const std::size_t n = l.a->send(x, l.now);
  EXPECT_EQ(n, 69120u);
  EXPECT_EQ(l.a->send_space(), 0u);
  EXPECT_EQ(l.a->unacked_bytes(), 69120u);
  EXPECT_EQ(l.a->unsent_bytes(), 69120u - 10 * 1448);
  EXPECT_EQ(l.a->send(x, l.now), 0u);
  l.run_for(100ms);
  EXPECT_GT(l.a->send_space(), 0u);
  std::vector<std::uint8_t> buf(1000);
  const std::size_t ready = l.b->readable();
  EXPECT_GT(ready, 1000u);
  EXPECT_EQ(l.b->recv(buf, true, l.now), 1000u);  // peek
  EXPECT_EQ(l.b->readable(), ready);
  EXPECT_EQ(l.b->recv(buf, false, l.now), 1000u);
  EXPECT_EQ(l.b->readable(), ready - 1000);
  EXPECT_TRUE(std::equal(buf.begin(), buf.end(), x.begin()));
}

TEST(Queues, SynSent) {
  // 6.18, a non-blocking connect() to an address that never answers:
  // TCP_MAXSEG 536 before, 524 in SYN_SENT; SIOCOUTQ 0; SO_SNDBUF 16384.
  Link l;
  l.filter = [](const Seen&) { return true; };
  EXPECT_EQ(l.a->mss(), 536);
  l.a->connect(1500, l.now);
  EXPECT_EQ(l.a->unacked_bytes(), 0u);
  EXPECT_EQ(l.a->mss(), 524);
  EXPECT_EQ(l.a->send_buffer_size(), 16384u);
}

}  // namespace
}  // namespace ipc::stack::tcp::testing
