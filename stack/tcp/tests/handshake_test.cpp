// Opening handshakes: the exact SYN / SYN-ACK / ACK a Linux 6.18 kernel
// sends, option negotiation, simultaneous open.
//
// Reference captures: Linux 6.18, a fresh network namespace with default
// sysctls (tcp_rmem = 4096 131072 33554432, tcp_wmem = 4096 16384 4194304,
// tcp_ecn = 2), loopback set to MTU 1500, a client connect()ing to a
// listener on the same host, segments captured with an AF_PACKET socket:
//
//   S   win=64240 <mss 1460, sackOK, TS val X ecr 0, nop, wscale 10>
//   SA  win=65160 <mss 1460, sackOK, TS val Y ecr X, nop, wscale 10>
//   A   win=63    <nop, nop, TS val X' ecr Y>
//
// and with one sysctl changed at a time:
//   tcp_timestamps=0:     S win=64240 <mss 1460,nop,nop,sackOK,nop,wscale 10>;
//                         SA win=64240, same layout; TCP_MAXSEG 1460
//   tcp_sack=0:           S <mss 1460,nop,nop,TS,nop,wscale 10>; SA win=65160
//   tcp_window_scaling=0: S <mss 1460,sackOK,TS>; SA win=65160 <mss,sackOK,TS>
//   all three off:        S win=64240 <mss 1460>; SA win=64240 <mss 1460>
//   tcp_ecn=1 (client):   S with ECE|CWR, SA with ECE
//   TCP_MAXSEG read after the handshake: 1448 with timestamps.
#include <gtest/gtest.h>

#include <cerrno>

#include "stack/tcp/tests/harness.hpp"

namespace ipc::stack::tcp::testing {
namespace {

namespace f = wire::tcp::flag;

std::vector<std::uint8_t> options_of(const Seen& s) {
  return std::vector<std::uint8_t>(s.bytes.begin() + 20, s.bytes.begin() + static_cast<long>(s.hdr.header_len()));
}

TEST(Handshake, DefaultSynSynAckAckMatchKernel) {
  Link l;
  l.open();
  ASSERT_GE(l.trace.size(), 3u);
  const Seen& syn = l.trace[0];
  const Seen& synack = l.trace[1];
  const Seen& ack = l.trace[2];
  EXPECT_EQ(syn.hdr.flags, f::kSyn);
  EXPECT_EQ(syn.hdr.window, 64240);
  EXPECT_EQ(syn.hdr.header_len(), 40u);
  auto o = options_of(syn);
  const std::uint32_t tsval = syn.hdr.timestamps->val;
  const std::vector<std::uint8_t> want = {2, 4, 0x05, 0xb4,  // MSS 1460
                                          4, 2,              // SACK permitted
                                          8, 10, std::uint8_t(tsval >> 24), std::uint8_t(tsval >> 16),
                                          std::uint8_t(tsval >> 8), std::uint8_t(tsval), 0, 0, 0, 0,
                                          1, 3, 3, 10};      // NOP, window scale 10
  EXPECT_EQ(o, want);

  EXPECT_EQ(synack.hdr.flags, f::kSyn | f::kAck);
  EXPECT_EQ(synack.hdr.window, 65160);
  EXPECT_EQ(synack.hdr.ack, syn.hdr.seq + 1);
  EXPECT_EQ(synack.hdr.mss, 1460);
  EXPECT_TRUE(synack.hdr.sack_permitted);
  EXPECT_EQ(synack.hdr.window_scale, 10);
  ASSERT_TRUE(synack.hdr.timestamps);
  EXPECT_EQ(synack.hdr.timestamps->ecr, tsval);
  EXPECT_EQ(options_of(synack)[4], 4);  // SACK-permitted leads the timestamps

  EXPECT_EQ(ack.hdr.flags, f::kAck);
  EXPECT_EQ(ack.hdr.window, 63);
  EXPECT_EQ(ack.hdr.header_len(), 32u);
  EXPECT_EQ(options_of(ack)[0], 1);
  EXPECT_EQ(options_of(ack)[1], 1);
  EXPECT_EQ(ack.hdr.timestamps->ecr, synack.hdr.timestamps->val);

  EXPECT_EQ(l.a->state(), State::Established);
  ASSERT_TRUE(l.b);
  EXPECT_EQ(l.b->state(), State::Established);
  EXPECT_EQ(l.a->mss(), 1448);
  EXPECT_EQ(l.b->mss(), 1448);
  EXPECT_EQ(l.a->snd_wscale(), 10);
  EXPECT_EQ(l.a->rcv_wscale(), 10);
  // A's first ACK said 63 << 10.
  EXPECT_EQ(l.b->snd_wnd(), 63u << 10);
  EXPECT_EQ(l.a->snd_wnd(), 65160u);
  EXPECT_EQ(l.trace.size(), 3u);  // nothing else
}

TEST(Handshake, TimestampsOff) {
  Settings s;
  s.timestamps = false;
  Link l(s, s);
  l.open();
  const Seen& syn = l.trace[0];
  const Seen& synack = l.trace[1];
  EXPECT_EQ(syn.hdr.window, 64240);
  EXPECT_EQ(options_of(syn), (std::vector<std::uint8_t>{2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 10}));
  EXPECT_EQ(synack.hdr.window, 64240);
  EXPECT_EQ(options_of(synack), (std::vector<std::uint8_t>{2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 10}));
  EXPECT_EQ(l.a->mss(), 1460);
  EXPECT_FALSE(l.trace[2].hdr.timestamps);
  EXPECT_EQ(l.trace[2].hdr.header_len(), 20u);
}

TEST(Handshake, SackOff) {
  Settings s;
  s.sack = false;
  Link l(s, s);
  l.open();
  auto o = options_of(l.trace[0]);
  ASSERT_EQ(o.size(), 20u);
  EXPECT_EQ(o[4], 1);
  EXPECT_EQ(o[5], 1);
  EXPECT_EQ(o[6], 8);
  EXPECT_EQ(l.trace[1].hdr.window, 65160);
  EXPECT_FALSE(l.trace[1].hdr.sack_permitted);
  EXPECT_FALSE(l.a->sack_ok());
}

TEST(Handshake, WindowScalingOff) {
  Settings s;
  s.window_scaling = false;
  Link l(s, s);
  l.open();
  EXPECT_EQ(l.trace[0].hdr.header_len(), 36u);
  EXPECT_FALSE(l.trace[0].hdr.window_scale);
  EXPECT_EQ(l.trace[1].hdr.window, 65160);
  EXPECT_FALSE(l.trace[1].hdr.window_scale);
  EXPECT_EQ(l.a->rcv_wscale(), 0);
  // Unscaled: the ACK carries the real window (never shrunk below the SYN's).
  EXPECT_EQ(l.trace[2].hdr.window, 64240);
}

TEST(Handshake, AllOptionsOff) {
  Settings s;
  s.timestamps = s.sack = s.window_scaling = false;
  Link l(s, s);
  l.open();
  EXPECT_EQ(options_of(l.trace[0]), (std::vector<std::uint8_t>{2, 4, 0x05, 0xb4}));
  EXPECT_EQ(options_of(l.trace[1]), (std::vector<std::uint8_t>{2, 4, 0x05, 0xb4}));
  EXPECT_EQ(l.trace[1].hdr.window, 64240);
}

TEST(Handshake, SynAckEchoesOnlyWhatTheSynOffered) {
  Settings client;
  client.timestamps = false;
  client.window_scaling = false;
  Link l(client, Settings{});
  l.open();
  const Seen& synack = l.trace[1];
  EXPECT_FALSE(synack.hdr.timestamps);
  EXPECT_FALSE(synack.hdr.window_scale);
  EXPECT_TRUE(synack.hdr.sack_permitted);
  EXPECT_EQ(options_of(synack), (std::vector<std::uint8_t>{2, 4, 0x05, 0xb4, 1, 1, 4, 2}));
  EXPECT_FALSE(l.b->timestamps_ok());
  EXPECT_EQ(l.b->rcv_wscale(), 0);
}

TEST(Handshake, MssFromRouteAndPeer) {
  Link l;
  l.a->connect(1400, l.now);
  l.pump();
  EXPECT_EQ(l.trace[0].hdr.mss, 1360);
  // B's route says 1500, but A offered 1360: B sends 1360 - 12.
  EXPECT_EQ(l.b->mss(), 1348);
  EXPECT_EQ(l.a->mss(), 1348);  // A's own route caps it too
}

TEST(Handshake, PeerWithoutMssOptionMeans536) {
  Link l;
  // Hand-made SYN with no options to a passive connection.
  Settings s;
  Connection c(s, {}, {kAddrB, kAddrA, kPortB, kPortA}, l.now, 3);
  wire::TcpRepr syn;
  syn.src_port = kPortA;
  syn.dst_port = kPortB;
  syn.seq = 1000;
  syn.flags = f::kSyn;
  syn.window = 8192;
  c.accept_syn(syn, 1500, 0, l.now);
  auto out = c.take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].hdr.mss, 1460);
  EXPECT_FALSE(out[0].hdr.window_scale);
  EXPECT_FALSE(out[0].hdr.timestamps);
  wire::TcpRepr ack;
  ack.src_port = kPortA;
  ack.dst_port = kPortB;
  ack.seq = 1001;
  ack.ack = out[0].hdr.seq + 1;
  ack.flags = f::kAck;
  ack.window = 8192;
  c.on_segment(ack, 0, l.now);
  EXPECT_EQ(c.state(), State::Established);
  EXPECT_EQ(c.mss(), 536);
}

TEST(Handshake, UserMssCapsTheOffer) {
  Options o;
  o.user_mss = 1000;
  Link l({}, {}, o, {});
  l.open();
  EXPECT_EQ(l.trace[0].hdr.mss, 1000);
  EXPECT_EQ(l.a->mss(), 988);
  EXPECT_EQ(l.b->mss(), 988);
}

TEST(Handshake, EcnNegotiation) {
  Settings client;
  client.ecn = 1;
  Link l(client, Settings{});
  l.open();
  EXPECT_EQ(l.trace[0].hdr.flags, f::kSyn | f::kEce | f::kCwr);
  EXPECT_EQ(l.trace[1].hdr.flags, f::kSyn | f::kAck | f::kEce);
  EXPECT_TRUE(l.a->ecn_ok());
  EXPECT_TRUE(l.b->ecn_ok());
  auto data = pattern(100);
  l.a->send(data, l.now);
  l.pump();
  EXPECT_TRUE(l.trace[3].ect);
  EXPECT_FALSE(l.trace[4].ect);  // pure ACKs are not ECT
}

TEST(Handshake, EcnDefaultNeverAsks) {
  Link l;
  l.open();
  EXPECT_EQ(l.trace[0].hdr.flags, f::kSyn);
  EXPECT_FALSE(l.a->ecn_ok());
}

TEST(Handshake, CongestionExperiencedIsEchoedUntilCwr) {
  Settings client;
  client.ecn = 1;
  Link l(client, Settings{});
  l.open();
  l.ecn_bits_for_b = 3;  // CE
  auto data = pattern(100);
  l.a->send(data, l.now);
  l.pump();
  l.ecn_bits_for_b = 2;
  const Seen& echo = l.trace.back();
  EXPECT_FALSE(echo.from_a);
  EXPECT_TRUE(echo.has(f::kEce));
  l.run_for(10ms);
  l.a->send(data, l.now);
  l.pump();
  // A reduced and said so with CWR on its next data segment.
  const auto a_segs = l.from(true);
  EXPECT_TRUE(a_segs.back().has(f::kCwr));
  EXPECT_FALSE(l.trace.back().has(f::kEce));
}

TEST(Handshake, SimultaneousOpen) {
  Settings s;
  Link l(s, s);
  l.listen = false;
  l.b = std::make_unique<Connection>(l.settings_b, Options{}, Connection::Endpoints{kAddrB, kAddrA, kPortB, kPortA},
                                     l.now, 2);
  // Both SYNs cross.
  l.a->connect(1500, l.now);
  l.b->connect(1500, l.now);
  auto sa = l.a->take_output();
  auto sb = l.b->take_output();
  ASSERT_EQ(sa.size(), 1u);
  ASSERT_EQ(sb.size(), 1u);
  auto feed = [&](Connection& to, const OutSegment& seg, Ipv4Address src, Ipv4Address dst) {
    auto bytes = seg.emit(src, dst);
    auto v = wire::TcpPacket::check(std::span<const std::uint8_t>(bytes));
    auto r = wire::TcpRepr::parse(*v, src, dst);
    to.on_segment(*r, 0, l.now);
  };
  feed(*l.b, sa[0], kAddrA, kAddrB);
  feed(*l.a, sb[0], kAddrB, kAddrA);
  EXPECT_EQ(l.a->state(), State::SynReceived);
  EXPECT_EQ(l.b->state(), State::SynReceived);
  auto ra = l.a->take_output();
  auto rb = l.b->take_output();
  ASSERT_EQ(ra.size(), 1u);
  // tcp_send_synack: our SYN again with ACK, full SYN options.
  EXPECT_EQ(ra[0].hdr.flags, f::kSyn | f::kAck);
  EXPECT_EQ(ra[0].hdr.seq, l.a->iss());
  EXPECT_EQ(ra[0].hdr.ack, l.b->iss() + 1);
  EXPECT_EQ(ra[0].hdr.mss, 1460);
  EXPECT_EQ(ra[0].hdr.window_scale, 10);
  feed(*l.b, ra[0], kAddrA, kAddrB);
  feed(*l.a, rb[0], kAddrB, kAddrA);
  EXPECT_EQ(l.a->state(), State::Established);
  EXPECT_EQ(l.b->state(), State::Established);
  l.pump();
  auto data = pattern(3000);
  l.a->send(data, l.now);
  l.pump();
  std::vector<std::uint8_t> got(4000);
  EXPECT_EQ(l.b->recv(got, false, l.now), 3000u);
  got.resize(3000);
  EXPECT_EQ(got, data);
}

}  // namespace
}  // namespace ipc::stack::tcp::testing
