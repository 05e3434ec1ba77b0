// Closing: FIN exchanges, half-close, simultaneous close, TIME_WAIT, the
// orphan's FIN_WAIT2 timeout, and the resets close(2) sends.
#include <gtest/gtest.h>

#include <cerrno>

#include "stack/tcp/tests/harness.hpp"

namespace ipc::stack::tcp::testing {
namespace {

namespace f = wire::tcp::flag;

std::vector<std::uint8_t> drain(Connection& c, Clock::time_point now) {
  std::vector<std::uint8_t> buf(c.readable());
  c.recv(buf, false, now);
  return buf;
}

TEST(Close, ActiveCloseAndTimeWaitAsTheKernelCapture) {
  // Mirrors a 6.18 loopback capture: data both ways, then the client
  // closes: FIN -> the server ACKs it 40 ms later (delayed, CLOSE_WAIT is
  // interactive) -> the server closes -> FIN -> ACK; TIME_WAIT 60 s.
  Link l;
  l.open();
  auto x = pattern(100);
  l.a->send(x, l.now);
  l.run_for(100ms);
  drain(*l.b, l.now);
  auto y = pattern(3000);
  l.b->send(y, l.now);
  l.run_for(100ms);
  EXPECT_EQ(drain(*l.a, l.now), y);
  l.run_for(300ms);
  const std::size_t before = l.trace.size();
  l.a->close(false, l.now);
  l.run_for(100ms);
  ASSERT_GE(l.trace.size(), before + 2);
  const Seen& fin = l.trace[before];
  EXPECT_TRUE(fin.from_a);
  EXPECT_EQ(fin.hdr.flags, f::kFin | f::kAck);
  const Seen& ack = l.trace[before + 1];
  EXPECT_FALSE(ack.from_a);
  EXPECT_EQ(ack.hdr.flags, f::kAck);
  EXPECT_EQ(ack.hdr.ack, fin.hdr.seq + 1);
  EXPECT_EQ(ack.at - fin.at, 40ms);
  EXPECT_EQ(l.a->state(), State::FinWait2);
  EXPECT_EQ(l.b->state(), State::CloseWait);
  EXPECT_TRUE(l.b->fin_received());
  l.b->close(false, l.now);
  l.pump();
  EXPECT_EQ(l.trace[l.trace.size() - 2].hdr.flags, f::kFin | f::kAck);
  EXPECT_EQ(l.trace.back().hdr.flags, f::kAck);
  EXPECT_EQ(l.b->state(), State::Closed);
  EXPECT_EQ(l.a->state(), State::TimeWait);
  l.run_for(60s - 1ms);
  EXPECT_EQ(l.a->state(), State::TimeWait);
  l.run_for(1ms);
  EXPECT_EQ(l.a->state(), State::Closed);
  EXPECT_TRUE(l.a->finished());
}

TEST(Close, BareFinAckedOnTheNextTick) {
  // 6.18 capture: connect, then the client closes at once. The server ACKs
  // the FIN one jiffy later (ATO is still 0: no data was ever received) with
  // window 64 (65160 rounded up to 1 << 10), then closes: FIN, ACK.
  Link l;
  l.open();
  l.a->close(false, l.now);
  l.pump();
  EXPECT_EQ(l.trace.size(), 4u);  // no ACK yet
  l.run_for(1ms);
  ASSERT_EQ(l.trace.size(), 5u);
  EXPECT_EQ(l.trace[4].hdr.flags, f::kAck);
  EXPECT_EQ(l.trace[4].hdr.window, 64);
  EXPECT_EQ(l.trace[4].hdr.ack, l.trace[3].hdr.seq + 1);
  l.b->close(false, l.now);
  l.pump();
  ASSERT_EQ(l.trace.size(), 7u);
  EXPECT_EQ(l.trace[5].hdr.flags, f::kFin | f::kAck);
  EXPECT_EQ(l.trace[6].hdr.flags, f::kAck);
  EXPECT_EQ(l.trace[6].hdr.window, 63);
}

TEST(Close, HalfClose) {
  Link l;
  l.open();
  l.a->shutdown_send(l.now);
  l.run_for(1ms);  // B owes the ACK of a bare FIN to its (zero-ATO) delayed-ACK timer
  EXPECT_EQ(l.a->state(), State::FinWait2);
  EXPECT_EQ(l.b->state(), State::CloseWait);
  // The other direction still works.
  auto y = pattern(5000);
  EXPECT_EQ(l.b->send(y, l.now), y.size());
  l.run_for(1s);
  EXPECT_EQ(drain(*l.a, l.now), y);
  // A non-orphan FIN_WAIT2 waits for the peer as long as it takes.
  l.run_for(300s);
  EXPECT_EQ(l.a->state(), State::FinWait2);
  l.b->close(false, l.now);
  l.pump();
  EXPECT_EQ(l.a->state(), State::TimeWait);
  EXPECT_TRUE(l.a->fin_received());
  EXPECT_EQ(l.b->state(), State::Closed);
}

TEST(Close, SimultaneousClose) {
  Link l;
  l.open();
  l.delay = 5ms;
  l.a->close(false, l.now);
  l.b->close(false, l.now);
  l.run_for(1ms);
  EXPECT_EQ(l.a->state(), State::FinWait1);
  EXPECT_EQ(l.b->state(), State::FinWait1);
  l.run_for(5ms);
  EXPECT_EQ(l.a->state(), State::Closing);
  EXPECT_EQ(l.b->state(), State::Closing);
  l.run_for(5ms);
  EXPECT_EQ(l.a->state(), State::TimeWait);
  EXPECT_EQ(l.b->state(), State::TimeWait);
  // FIN, FIN, ACK, ACK.
  int fins = 0, acks = 0;
  for (std::size_t i = 3; i < l.trace.size(); ++i) {
    if (l.trace[i].has(f::kFin)) ++fins;
    else if (l.trace[i].hdr.flags == f::kAck) ++acks;
  }
  EXPECT_EQ(fins, 2);
  EXPECT_EQ(acks, 2);
}

TEST(Close, FinRidesOnTheLastData) {
  Options small;
  small.rcvbuf = 8192;  // a window of about two segments: data waits in A
  Link l({}, {}, {}, small);
  l.open();
  auto x = pattern(20000);
  EXPECT_EQ(l.a->send(x, l.now), x.size());
  l.a->close(false, l.now);
  std::vector<std::uint8_t> got;
  for (int i = 0; i < 200 && !l.b->fin_received(); ++i) {
    l.run_for(20ms);
    auto more = drain(*l.b, l.now);
    got.insert(got.end(), more.begin(), more.end());
  }
  EXPECT_EQ(got, x);
  EXPECT_TRUE(l.b->fin_received());
  // The FIN went out with the last data, not alone.
  bool fin_with_data = false;
  for (const auto& s : l.from(true))
    if (s.has(f::kFin)) fin_with_data = !s.data.empty();
  EXPECT_TRUE(fin_with_data);
}

TEST(Close, UnreadDataSendsReset) {
  Link l;
  l.open();
  auto y = pattern(10);
  l.b->send(y, l.now);
  l.pump();
  EXPECT_EQ(l.a->readable(), 10u);
  const std::size_t before = l.trace.size();
  l.a->close(false, l.now);
  l.pump();
  ASSERT_EQ(l.trace.size(), before + 1);
  const Seen& rst = l.trace[before];
  EXPECT_EQ(rst.hdr.flags, f::kRst | f::kAck);
  EXPECT_EQ(rst.hdr.seq, l.a->snd_nxt());
  EXPECT_TRUE(rst.hdr.timestamps);  // an active reset carries the usual options
  EXPECT_EQ(l.a->state(), State::Closed);
  EXPECT_EQ(l.b->state(), State::Closed);
  EXPECT_EQ(l.b->take_error(), ECONNRESET);
  EXPECT_TRUE(l.b->reset_received());
}

TEST(Close, LingerZeroSendsReset) {
  Link l;
  l.open();
  l.a->close(true, l.now);
  l.pump();
  EXPECT_EQ(l.trace.back().hdr.flags, f::kRst | f::kAck);
  EXPECT_EQ(l.a->state(), State::Closed);
  EXPECT_EQ(l.b->take_error(), ECONNRESET);
}

TEST(Close, LingerZeroInSynSentSendsNothing) {
  Link l;
  l.filter = [](const Seen&) { return true; };
  l.a->connect(1500, l.now);
  l.pump();
  l.a->close(true, l.now);
  l.pump();
  EXPECT_EQ(l.trace.size(), 1u);
  EXPECT_EQ(l.a->state(), State::Closed);
}

TEST(Close, OrphanFinWait2TimesOut) {
  Settings s;
  s.fin_timeout_s = 30;
  Link l(s, s);
  l.open();
  l.a->close(false, l.now);
  l.run_for(1ms);
  EXPECT_EQ(l.a->state(), State::FinWait2);
  l.run_for(30s - 2ms);
  EXPECT_EQ(l.a->state(), State::FinWait2);
  const std::size_t before = l.trace.size();
  l.run_for(1ms);
  EXPECT_EQ(l.a->state(), State::Closed);
  EXPECT_EQ(l.trace.size(), before);  // silently
}

TEST(Close, Linger2OverridesFinTimeout) {
  Options o;
  o.linger2_s = 5;
  Link l({}, {}, o, {});
  l.open();
  l.a->close(false, l.now);
  l.pump();
  l.run_for(5s);
  EXPECT_EQ(l.a->state(), State::Closed);
}

TEST(Close, DataAfterCloseIsResetAndPeerSeesEpipe) {
  Link l;
  l.open();
  l.a->close(false, l.now);
  l.run_for(1ms);
  ASSERT_EQ(l.a->state(), State::FinWait2);
  ASSERT_EQ(l.b->state(), State::CloseWait);
  auto y = pattern(100);
  l.b->send(y, l.now);
  l.pump();
  // A answers data for a closed socket with a reset (TCP_TW_RST) and
  // B, in CLOSE_WAIT, reports EPIPE (tcp_reset).
  const Seen& rst = l.trace.back();
  EXPECT_TRUE(rst.from_a);
  EXPECT_EQ(rst.hdr.flags, f::kRst);
  EXPECT_EQ(l.a->state(), State::Closed);
  EXPECT_EQ(l.b->state(), State::Closed);
  EXPECT_EQ(l.b->take_error(), EPIPE);
}

TEST(Close, TimeWaitAcksARetransmittedFinAndRestarts) {
  Link l;
  l.open();
  l.a->close(false, l.now);
  l.pump();
  // B's FIN reaches A but A's ACK is lost: B retransmits its FIN.
  l.filter = [](const Seen& s) { return s.from_a; };
  l.b->close(false, l.now);
  l.pump();
  ASSERT_EQ(l.a->state(), State::TimeWait);
  l.filter = nullptr;
  l.run_for(30s);
  EXPECT_EQ(l.b->state(), State::Closed);  // the retransmitted FIN was ACKed
  const auto from_a = l.from(true);
  EXPECT_EQ(from_a.back().hdr.flags, f::kAck);
  const Clock::duration restarted = from_a.back().at;
  l.run_until(l.start + restarted + 60s - 1ms);
  EXPECT_EQ(l.a->state(), State::TimeWait);
  l.run_for(1ms);
  EXPECT_EQ(l.a->state(), State::Closed);
}

TEST(Close, RstEndsTimeWait) {
  Link l;
  l.open();
  l.a->close(false, l.now);
  l.pump();
  l.b->close(false, l.now);
  l.pump();
  ASSERT_EQ(l.a->state(), State::TimeWait);
  wire::TcpRepr rst;
  rst.src_port = kPortB;
  rst.dst_port = kPortA;
  rst.seq = l.a->rcv_nxt();
  rst.flags = f::kRst;
  l.a->on_segment(rst, 0, l.now);
  EXPECT_EQ(l.a->state(), State::Closed);
  EXPECT_TRUE(l.a->ts_recent().has_value());
}

}  // namespace
}  // namespace ipc::stack::tcp::testing
