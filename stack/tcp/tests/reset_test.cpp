// Resets: what a RST does in each state and which errno the socket gets,
// RFC 5961 challenge ACKs, and the stateless reset (tcp_v4_send_reset).
#include <gtest/gtest.h>

#include <cerrno>

#include "stack/tcp/tests/harness.hpp"

namespace ipc::stack::tcp::testing {
namespace {

namespace f = wire::tcp::flag;

wire::TcpRepr from_b(const Link& l, std::uint32_t seq, std::uint8_t flags) {
  wire::TcpRepr r;
  r.src_port = kPortB;
  r.dst_port = kPortA;
  r.seq = seq;
  r.ack = l.a->snd_nxt();
  r.flags = flags;
  r.window = 100;
  return r;
}

TEST(ResetFor, AckedSegment) {
  wire::TcpRepr seg;
  seg.src_port = 1234;
  seg.dst_port = 80;
  seg.seq = 100;
  seg.ack = 5000;
  seg.flags = f::kAck | f::kPsh;
  std::vector<std::uint8_t> data(10);
  seg.payload = data;
  auto r = reset_for(seg);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->hdr.flags, f::kRst);
  EXPECT_EQ(r->hdr.seq, 5000u);
  EXPECT_EQ(r->hdr.ack, 0u);
  EXPECT_EQ(r->hdr.src_port, 80);
  EXPECT_EQ(r->hdr.dst_port, 1234);
  EXPECT_EQ(r->hdr.window, 0);
  EXPECT_EQ(r->hdr.header_len(), 20u);
}

TEST(ResetFor, SynAndFinCount) {
  wire::TcpRepr seg;
  seg.seq = 100;
  seg.flags = f::kSyn | f::kFin;
  std::vector<std::uint8_t> data(7);
  seg.payload = data;
  auto r = reset_for(seg);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->hdr.flags, f::kRst | f::kAck);
  EXPECT_EQ(r->hdr.seq, 0u);
  EXPECT_EQ(r->hdr.ack, 109u);
  seg.flags = f::kRst;
  EXPECT_FALSE(reset_for(seg));
}

TEST(Reset, ConnectToClosedPortIsRefused) {
  Link l;
  l.listen = false;
  l.open();
  ASSERT_EQ(l.trace.size(), 2u);
  EXPECT_EQ(l.trace[1].hdr.flags, f::kRst | f::kAck);
  EXPECT_EQ(l.trace[1].hdr.ack, l.a->iss() + 1);
  EXPECT_EQ(l.a->state(), State::Closed);
  EXPECT_EQ(l.a->take_error(), ECONNREFUSED);
  EXPECT_EQ(l.a->take_error(), 0);  // reading clears it
}

TEST(Reset, SynSentBadAckIsReset) {
  Link l;
  l.filter = [](const Seen& s) { return s.from_a; };
  l.a->connect(1500, l.now);
  l.pump();
  auto bad = from_b(l, 777, f::kSyn | f::kAck);
  bad.ack = l.a->iss() + 5;
  l.a->on_segment(bad, 0, l.now);
  auto out = l.a->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].hdr.flags, f::kRst);
  EXPECT_EQ(out[0].hdr.seq, l.a->iss() + 5);
  EXPECT_EQ(l.a->state(), State::SynSent);
  // A RST without an acceptable ACK is ignored in SYN_SENT.
  auto rst = from_b(l, 777, f::kRst);
  l.a->on_segment(rst, 0, l.now);
  EXPECT_EQ(l.a->state(), State::SynSent);
}

TEST(Reset, ExactRstInEstablishedIsConnReset) {
  Link l;
  l.open();
  l.a->on_segment(from_b(l, l.a->rcv_nxt(), f::kRst), 0, l.now);
  EXPECT_EQ(l.a->state(), State::Closed);
  EXPECT_EQ(l.a->take_error(), ECONNRESET);
  EXPECT_TRUE(l.a->take_output().empty());
}

TEST(Reset, InWindowRstGetsChallengeAck) {
  Link l;
  l.open();
  l.a->on_segment(from_b(l, l.a->rcv_nxt() + 1000, f::kRst), 0, l.now);
  EXPECT_EQ(l.a->state(), State::Established);
  auto out = l.a->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].hdr.flags, f::kAck);
  EXPECT_EQ(out[0].hdr.seq, l.a->snd_nxt());
  EXPECT_EQ(out[0].hdr.ack, l.a->rcv_nxt());
  EXPECT_EQ(l.a->peek_error(), 0);
  // A second one within 500 ms is not answered (per-socket rate limit).
  l.a->on_segment(from_b(l, l.a->rcv_nxt() + 2000, f::kRst), 0, l.now + 100ms);
  EXPECT_TRUE(l.a->take_output().empty());
  l.a->on_segment(from_b(l, l.a->rcv_nxt() + 2000, f::kRst), 0, l.now + 600ms);
  EXPECT_EQ(l.a->take_output().size(), 1u);
}

TEST(Reset, OutOfWindowRstIsIgnored) {
  Link l;
  l.open();
  l.a->on_segment(from_b(l, l.a->rcv_nxt() + 10000000, f::kRst), 0, l.now);
  EXPECT_EQ(l.a->state(), State::Established);
  EXPECT_TRUE(l.a->take_output().empty());
}

TEST(Reset, SynInEstablishedGetsChallengeAck) {
  Link l;
  l.open();
  l.a->on_segment(from_b(l, l.a->rcv_nxt() + 5, f::kSyn), 0, l.now);
  EXPECT_EQ(l.a->state(), State::Established);
  auto out = l.a->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].hdr.flags, f::kAck);
  EXPECT_EQ(out[0].hdr.ack, l.a->rcv_nxt());
}

TEST(Reset, RstInCloseWaitIsEpipe) {
  Link l;
  l.open();
  l.b->shutdown_send(l.now);
  l.pump();
  ASSERT_EQ(l.a->state(), State::CloseWait);
  l.a->on_segment(from_b(l, l.a->rcv_nxt(), f::kRst), 0, l.now);
  EXPECT_EQ(l.a->take_error(), EPIPE);
}

TEST(Reset, RstAtRcvNxtMinusOneAfterFin) {
  Link l;
  l.open();
  l.b->shutdown_send(l.now);
  l.pump();
  ASSERT_EQ(l.a->state(), State::CloseWait);
  // tcp_reset_check: after the FIN, a RST at the FIN's own sequence is exact too.
  l.a->on_segment(from_b(l, l.a->rcv_nxt() - 1, f::kRst), 0, l.now);
  EXPECT_EQ(l.a->state(), State::Closed);
}

TEST(Reset, RstInPassiveSynReceivedDropsQuietly) {
  Link l;
  l.filter = [](const Seen& s) { return s.from_a && s.has(f::kAck); };  // the final ACK is lost
  l.open();
  ASSERT_TRUE(l.b);
  ASSERT_EQ(l.b->state(), State::SynReceived);
  wire::TcpRepr rst;
  rst.src_port = kPortA;
  rst.dst_port = kPortB;
  rst.seq = l.b->rcv_nxt();
  rst.flags = f::kRst;
  l.b->on_segment(rst, 0, l.now);
  EXPECT_EQ(l.b->state(), State::Closed);
  EXPECT_EQ(l.b->take_error(), 0);
  EXPECT_TRUE(l.b->take_output().empty());
}

TEST(Reset, BadAckInSynReceivedIsReset) {
  Link l;
  l.filter = [](const Seen& s) { return s.from_a && s.has(f::kAck); };
  l.open();
  wire::TcpRepr ack;
  ack.src_port = kPortA;
  ack.dst_port = kPortB;
  ack.seq = l.b->rcv_nxt();
  ack.ack = l.b->iss() + 77;
  ack.flags = f::kAck;
  l.b->on_segment(ack, 0, l.now);
  auto out = l.b->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].hdr.flags, f::kRst);
  EXPECT_EQ(out[0].hdr.seq, l.b->iss() + 77);
  EXPECT_EQ(l.b->state(), State::SynReceived);
}

TEST(Reset, ConnectionFromClosedSideGetsReset) {
  Link l;
  l.open();
  l.b->abort(l.now);
  l.pump();
  EXPECT_EQ(l.a->take_error(), ECONNRESET);
  // A segment to a connection that is gone draws the stateless reset.
  auto y = pattern(10);
  EXPECT_EQ(l.b->state(), State::Closed);
  l.b->on_segment(from_b(l, 1, f::kAck), 0, l.now);
  auto out = l.b->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].hdr.flags, f::kRst);
}

}  // namespace
}  // namespace ipc::stack::tcp::testing
