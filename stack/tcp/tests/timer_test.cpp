// Timers: SYN and SYN-ACK retransmission, data retransmission and its
// limits, zero-window probes, keepalive, delayed ACKs.
#include <gtest/gtest.h>

#include <cerrno>

#include "stack/tcp/tests/harness.hpp"

namespace ipc::stack::tcp::testing {
namespace {

namespace f = wire::tcp::flag;

std::vector<Clock::duration> times_of(const std::vector<Seen>& segs) {
  std::vector<Clock::duration> t;
  for (const auto& s : segs) t.push_back(s.at);
  return t;
}

// Checked against Linux 6.18 (connect() to an address that never answers,
// SYNs captured on the way out): tcp_syn_retries=1 -> SYNs at 0,1,2 s,
// ETIMEDOUT at 3 s; =2 -> 0,1,2,3,4,5 s, ETIMEDOUT at 7 s; =3 -> 0,1,2,3,
// 4,5,7,11 s, ETIMEDOUT at 19 s; =5 -> ...,19,35 s, ETIMEDOUT at 67 s.
struct SynCase {
  int retries;
  std::vector<int> syn_at_s;
  int timeout_s;
};

class SynRetries : public ::testing::TestWithParam<SynCase> {};

TEST_P(SynRetries, TimingAndTimeout) {
  const SynCase c = GetParam();
  Settings s;
  s.syn_retries = c.retries;
  Link l(s, s);
  l.filter = [](const Seen&) { return true; };
  l.a->connect(1500, l.now);
  l.run_for(std::chrono::seconds(c.timeout_s) - 1ms);
  EXPECT_EQ(l.a->state(), State::SynSent);
  EXPECT_EQ(l.a->peek_error(), 0);
  l.run_for(1ms);
  EXPECT_EQ(l.a->state(), State::Closed);
  EXPECT_EQ(l.a->take_error(), ETIMEDOUT);
  std::vector<Clock::duration> want;
  for (int t : c.syn_at_s) want.push_back(std::chrono::seconds(t));
  EXPECT_EQ(times_of(l.trace), want);
  for (const auto& seg : l.trace) EXPECT_EQ(seg.hdr.seq, l.a->iss());
}

INSTANTIATE_TEST_SUITE_P(Kernel618, SynRetries,
                         ::testing::Values(SynCase{1, {0, 1, 2}, 3}, SynCase{2, {0, 1, 2, 3, 4, 5}, 7},
                                           SynCase{3, {0, 1, 2, 3, 4, 5, 7, 11}, 19},
                                           SynCase{5, {0, 1, 2, 3, 4, 5, 7, 11, 19, 35}, 67}));

TEST(SynTimer, SyncntOverridesTheSysctl) {
  Options o;
  o.syncnt = 1;
  Link l({}, {}, o, {});
  l.filter = [](const Seen&) { return true; };
  l.a->connect(1500, l.now);
  l.run_for(3s);
  EXPECT_EQ(l.trace.size(), 3u);
  EXPECT_EQ(l.a->take_error(), ETIMEDOUT);
}

TEST(SynTimer, IcmpUnreachableFailsTheConnectAtOnce) {
  Link l;
  l.filter = [](const Seen&) { return true; };
  l.a->connect(1500, l.now);
  l.pump();
  l.a->on_icmp_unreachable(1, l.a->iss(), l.now);  // host unreachable
  EXPECT_EQ(l.a->state(), State::Closed);
  EXPECT_EQ(l.a->take_error(), EHOSTUNREACH);
}

// 6.18: a listener sent SYN-ACKs at 0, 1, 3, 7, 15, 31 s for a SYN whose
// sender never answered (tcp_synack_retries = 5), and none at 63 s.
TEST(SynTimer, SynAckRetransmissionsThenTheRequestGoes) {
  Link l;
  bool first = true;
  l.filter = [&](const Seen& s) {
    if (!s.from_a) return false;
    const bool drop = !first;
    first = false;
    return drop;  // only A's first SYN arrives
  };
  l.a->connect(1500, l.now);
  l.run_for(62s);
  ASSERT_TRUE(l.b);
  EXPECT_EQ(l.b->state(), State::SynReceived);
  l.run_for(1s);
  EXPECT_EQ(l.b->state(), State::Closed);
  std::vector<Clock::duration> want = {0s, 1s, 3s, 7s, 15s, 31s};
  EXPECT_EQ(times_of(l.from(false)), want);
}

TEST(DataTimer, RetransmitAfterDrop) {
  Link l;
  l.open();
  int n = 0;
  l.filter = [&](const Seen& s) { return s.from_a && !s.data.empty() && n++ == 0; };
  auto x = pattern(500);
  l.a->send(x, l.now);
  l.run_for(1s);
  const auto segs = l.from(true);
  ASSERT_EQ(segs.size(), 4u);  // SYN, ACK, data (lost), data again
  EXPECT_TRUE(segs[2].dropped);
  EXPECT_EQ(segs[3].data, x);
  // RTO: srtt (about 0 here) + the 200 ms floor.
  EXPECT_GE(segs[3].at - segs[2].at, 200ms);
  EXPECT_LE(segs[3].at - segs[2].at, 201ms);
  std::vector<std::uint8_t> got(600);
  EXPECT_EQ(l.b->recv(got, false, l.now), 500u);
}

// Checked against Linux 6.18 (veth to a peer that goes silent after the
// handshake, tcp_retries2 = 3, one 100-byte write): a tail loss probe at
// 0.207 s, RTO retransmissions at 0.415, 0.831, 1.659, 3.327 s, ETIMEDOUT
// at about 6.7 s. The limit is (2^4 - 1) * 200 ms = 3 s counted from the
// first RTO retransmission (retrans_stamp), checked at each timeout.
TEST(DataTimer, TailLossProbeBackoffAndRetries2) {
  Settings s;
  s.retries2 = 3;
  Link l(s, s);
  l.open();
  l.filter = [](const Seen& seg) { return !seg.from_a; };  // B's ACKs are lost
  auto x = pattern(100);
  l.a->send(x, l.now);
  const auto sent_at = l.now - l.start;
  l.run_for(6390ms);
  EXPECT_EQ(l.a->state(), State::Established);
  l.run_for(20ms);
  EXPECT_EQ(l.a->state(), State::Closed);
  EXPECT_EQ(l.a->take_error(), ETIMEDOUT);
  std::vector<double> at;
  for (const auto& seg : l.from(true))
    if (!seg.data.empty()) at.push_back(std::chrono::duration<double>(seg.at - sent_at).count());
  ASSERT_EQ(at.size(), 6u);
  const double want[] = {0.0, 0.2, 0.4, 0.8, 1.6, 3.2};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(at[i], want[i], 0.005) << i;
}

TEST(DataTimer, SoftIcmpErrorReplacesEtimedout) {
  Settings s;
  s.retries2 = 2;
  Link l(s, s);
  l.open();
  l.filter = [](const Seen& seg) { return !seg.from_a; };
  auto x = pattern(100);
  l.a->send(x, l.now);
  l.a->on_icmp_unreachable(1, l.a->snd_una(), l.now);
  EXPECT_EQ(l.a->peek_error(), 0);  // soft: reported only at the timeout
  l.run_for(10s);
  EXPECT_EQ(l.a->take_error(), EHOSTUNREACH);
}

TEST(DataTimer, RecverrReportsIcmpAtOnce) {
  Options o;
  o.recverr = true;
  Link l({}, {}, o, {});
  l.open();
  auto x = pattern(100);
  l.filter = [](const Seen& seg) { return !seg.from_a; };
  l.a->send(x, l.now);
  l.a->on_icmp_unreachable(3, l.a->snd_una(), l.now);
  EXPECT_EQ(l.a->take_error(), ECONNREFUSED);
  EXPECT_EQ(l.a->state(), State::Established);
}

// 6.18 with TCP_USER_TIMEOUT = 1000 ms and a silent peer: ETIMEDOUT about
// 1.45 s after the write (3000 ms: 3.42 s) -- the time counts from the first
// RTO retransmission, and the RTO is clamped to what is left.
TEST(DataTimer, UserTimeout) {
  Options o;
  o.user_timeout_ms = 1000;
  Link l({}, {}, o, {});
  l.open();
  l.filter = [](const Seen& seg) { return !seg.from_a; };
  auto x = pattern(100);
  l.a->send(x, l.now);
  l.run_for(1390ms);
  EXPECT_EQ(l.a->state(), State::Established);
  l.run_for(20ms);
  EXPECT_EQ(l.a->state(), State::Closed);
  EXPECT_EQ(l.a->take_error(), ETIMEDOUT);
}

TEST(PersistTimer, ZeroWindowProbes) {
  Options small;
  small.rcvbuf = 16384;
  Link l({}, {}, {}, small);
  l.open();
  auto x = pattern(40000);
  std::size_t sent = l.a->send(x, l.now);
  l.run_for(1s);
  // B never reads: its window closes.
  ASSERT_EQ(l.from(false).back().hdr.window, 0) << l.dump();
  const std::size_t base = l.trace.size();
  l.run_for(9s);
  std::vector<Seen> probes;
  for (std::size_t i = base; i < l.trace.size(); ++i)
    if (l.trace[i].from_a) probes.push_back(l.trace[i]);
  ASSERT_GE(probes.size(), 3u) << l.dump();
  for (const auto& p : probes) {
    EXPECT_TRUE(p.data.empty());
    EXPECT_EQ(p.hdr.seq, l.a->snd_una() - 1);  // tcp_xmit_probe_skb
  }
  // Backoff: each interval at least doubles the previous one.
  EXPECT_GE(probes[2].at - probes[1].at, 2 * (probes[1].at - probes[0].at) - 1ms);
  EXPECT_EQ(l.a->state(), State::Established);
  // Reading opens the window; everything arrives.
  std::vector<std::uint8_t> got;
  for (int i = 0; i < 400 && got.size() < x.size(); ++i) {
    std::vector<std::uint8_t> buf(l.b->readable());
    l.b->recv(buf, false, l.now);
    got.insert(got.end(), buf.begin(), buf.end());
    if (sent < x.size()) sent += l.a->send(std::span(x).subspan(sent), l.now);
    l.run_for(50ms);
  }
  EXPECT_EQ(got, x);
}

TEST(Keepalive, ProbesAndTimeout) {
  Options o;
  o.keepalive = true;
  o.keepidle_s = 10;
  o.keepintvl_s = 2;
  o.keepcnt = 3;
  Link l({}, {}, o, {});
  l.open();
  l.filter = [](const Seen& seg) { return !seg.from_a; };  // B has gone silent
  l.run_for(15999ms);
  EXPECT_EQ(l.a->state(), State::Established);
  l.run_for(1ms);
  EXPECT_EQ(l.a->state(), State::Closed);
  EXPECT_EQ(l.a->take_error(), ETIMEDOUT);
  auto segs = l.from(true);
  ASSERT_EQ(segs.size(), 6u);  // SYN, ACK, 3 probes, RST
  for (int i = 2; i < 5; ++i) {
    EXPECT_EQ(segs[i].hdr.flags, f::kAck);
    EXPECT_TRUE(segs[i].data.empty());
    EXPECT_EQ(segs[i].hdr.seq, l.a->snd_una() - 1);
  }
  EXPECT_EQ(segs[2].at, 10s);
  EXPECT_EQ(segs[3].at, 12s);
  EXPECT_EQ(segs[4].at, 14s);
  EXPECT_EQ(segs[5].hdr.flags, f::kRst | f::kAck);
  EXPECT_EQ(segs[5].at, 16s);
}

TEST(Keepalive, AnsweredProbesKeepItAlive) {
  Options o;
  o.keepalive = true;
  o.keepidle_s = 10;
  o.keepintvl_s = 2;
  o.keepcnt = 3;
  Link l({}, {}, o, {});
  l.open();
  l.run_for(100s);
  EXPECT_EQ(l.a->state(), State::Established);
  auto segs = l.from(true);
  ASSERT_GE(segs.size(), 5u);
  EXPECT_EQ(segs[2].at, 10s);
  EXPECT_EQ(segs[3].at, 20s);  // answered: the next one waits a full idle time
}

TEST(Keepalive, OffByDefault) {
  Link l;
  l.open();
  l.run_for(8000s);
  EXPECT_EQ(l.trace.size(), 3u);
}

TEST(DelayedAck, QuickAcksThenDelayed) {
  Link l;
  l.open();
  l.delay = 1ms;
  auto x = pattern(100);
  // Interactive traffic: B answers each request, so B's ACKs ride on its data
  // (pingpong); a lone segment after that waits for the delayed-ACK timer.
  l.a->send(x, l.now);
  l.run_for(5ms);
  const auto first_ack = l.from(false).back();
  EXPECT_EQ(first_ack.at - l.from(true).back().at, 1ms);  // quick ACK at the start
  std::vector<std::uint8_t> buf(100);
  l.b->recv(buf, false, l.now);
  l.b->send(x, l.now);  // a reply within ATO: B becomes interactive
  l.run_for(300ms);
  l.b->recv(buf, false, l.now);
  l.a->recv(buf, false, l.now);
  l.a->send(x, l.now);
  const auto sent = l.now - l.start;
  l.run_for(300ms);
  Clock::duration ack_at{};
  for (const auto& s : l.from(false))
    if (s.at > sent && s.data.empty()) {
      ack_at = s.at;
      break;
    }
  EXPECT_GE(ack_at - sent, 40ms);
  EXPECT_LE(ack_at - sent, 201ms);
}

}  // namespace
}  // namespace ipc::stack::tcp::testing
