// Writes the frame fuzzer's seed corpus: one Ethernet frame per file, for
// dut0 of the suite topology (192.0.2.1, 02:00:00:00:01:01), from the peer
// 192.0.2.2 / the router 192.0.2.254 (02:00:00:00:02:02). Built with the
// stack's own wire types.
//
//   ipconform-fuzz-corpus DIR
#include <chrono>
#include <cstdio>
#include <optional>
#include <utility>
#include <fstream>
#include <string>
#include <vector>

#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/igmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/udp.hpp"
#include "stack/core/tests/suite_config.hpp"
#include "stack/fuzz/tcp_fixture.hpp"

namespace {

using namespace ipc::stack::wire;
using Bytes = std::vector<std::uint8_t>;

const MacAddress kDutMac({0x02, 0x00, 0x00, 0x00, 0x01, 0x01});
const MacAddress kPeerMac({0x02, 0x00, 0x00, 0x00, 0x02, 0x02});
const Ipv4Address kDut(192, 0, 2, 1), kPeer(192, 0, 2, 2), kRouter(192, 0, 2, 254);
const Ipv4Address kRemote(198, 51, 100, 7), kGroup(224, 1, 2, 3);
constexpr std::uint16_t kBoundPort = 5000, kClosedPort = 5001;

Bytes frame(const MacAddress& dst, std::uint16_t ethertype, const Bytes& payload) {
  Bytes f(ethernet::kHeaderLen + payload.size());
  (void)EthernetRepr{kPeerMac, dst, ethertype}.emit(f);
  std::copy(payload.begin(), payload.end(), f.begin() + ethernet::kHeaderLen);
  return f;
}

Bytes make_arp(std::uint16_t op, Ipv4Address sender, const MacAddress& target_hw) {
  ArpRepr a;
  a.operation = op;
  a.sender_hw = kPeerMac;
  a.sender_proto = sender;
  a.target_hw = target_hw;
  a.target_proto = kDut;
  Bytes p(a.buffer_len());
  (void)a.emit(p);
  return p;
}

// An IPv4 datagram around `payload` (already a transport header and data).
Bytes make_ip(Ipv4Repr h, const Bytes& payload) {
  h.payload_len = static_cast<std::uint16_t>(payload.size());
  Bytes p(h.buffer_len() + payload.size());
  (void)h.emit(p);
  std::copy(payload.begin(), payload.end(), p.begin() + static_cast<long>(h.buffer_len()));
  return p;
}

Ipv4Repr header(Ipv4Address src, Ipv4Address dst, std::uint8_t protocol, Bytes options = {}) {
  Ipv4Repr h;
  h.src = src;
  h.dst = dst;
  h.protocol = protocol;
  h.ttl = 64;
  h.ident = 0x1000;
  h.options = std::move(options);
  return h;
}

Bytes make_udp(Ipv4Address src, Ipv4Address dst, std::uint16_t sport, std::uint16_t dport, const Bytes& data) {
  UdpRepr u{sport, dport, data};
  Bytes p(u.buffer_len());
  (void)u.emit(p, src, dst);
  return p;
}

Bytes make_icmp(const IcmpRepr& m) {
  Bytes p(m.buffer_len());
  (void)m.emit(p);
  return p;
}

Bytes echo_request(std::uint16_t seq) {
  static const Bytes data(32, 0x61);
  return make_icmp(IcmpRepr{IcmpEcho{false, 0x1234, seq, data}});
}

Bytes make_igmp(const IgmpRepr& m) {
  Bytes p(m.buffer_len());
  (void)m.emit(p);
  return p;
}

Bytes to_dut(const Bytes& packet) { return frame(kDutMac, ethertype::kIpv4, packet); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  int failed = 0;
  auto write = [&](const char* name, const Bytes& f) {
    std::ofstream out(dir + "/" + name + ".bin", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s/%s.bin\n", dir.c_str(), name);
      ++failed;
    }
  };
  const Bytes hello{'h', 'e', 'l', 'l', 'o'};

  // ARP: a request for 192.0.2.1 from the peer, and a reply to us from a
  // host that is not a static neighbour.
  write("arp_request", frame(MacAddress::broadcast(), ethertype::kArp, make_arp(arp::kOpRequest, kPeer, MacAddress{})));
  write("arp_reply", frame(kDutMac, ethertype::kArp, make_arp(arp::kOpReply, Ipv4Address(192, 0, 2, 3), kDutMac)));

  // TCP (tcp_fixture.hpp): a stack like the fuzzer's tells the client's ISN.
  std::optional<ipc::stack::fuzz::TcpSockets> tcp;
  {
    using namespace ipc::stack;
    const auto now = core::Clock::time_point{} + std::chrono::hours(1);
    std::vector<fuzz::Frame> sent;
    core::Stack stack(core::testing::suite_config(),
                      [&](std::span<const std::uint8_t> f) { sent.emplace_back(f.begin(), f.end()); }, now);
    api::Syscalls sys(stack, [](const std::function<bool()>& ready, std::optional<core::Clock::time_point>) {
      return ready();
    });
    tcp = fuzz::open_tcp(stack, sys, [&] { return std::exchange(sent, {}); }, now);
  }
  if (!tcp) {
    std::fprintf(stderr, "cannot set up the TCP sockets\n");
    return 1;
  }
  using ipc::stack::fuzz::kPeerIsn;
  auto seg = [&](std::uint16_t dport, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags) {
    TcpRepr t;
    t.src_port = dport == ipc::stack::fuzz::kClientPort ? ipc::stack::fuzz::kPeerPort : 40000;
    t.dst_port = dport;
    t.seq = seq;
    t.ack = ack;
    t.flags = flags;
    t.window = 64240;
    return t;
  };
  namespace tf = tcp::flag;
  const std::uint16_t listen_port = ipc::stack::fuzz::kListenPort, client = ipc::stack::fuzz::kClientPort;
  TcpRepr syn = seg(listen_port, 1000, 0, tf::kSyn);
  syn.mss = 1460;
  syn.sack_permitted = true;
  syn.timestamps = TcpTimestamps{100, 0};
  syn.window_scale = 7;
  write("tcp_syn", ipc::stack::fuzz::peer_tcp_frame(syn));
  write("tcp_syn_closed", ipc::stack::fuzz::peer_tcp_frame(seg(7999, 1000, 0, tf::kSyn)));
  write("tcp_ack_listener", ipc::stack::fuzz::peer_tcp_frame(seg(listen_port, 1001, 5, tf::kAck)));
  const std::uint32_t rcv = kPeerIsn + 1, snd = tcp->dut_isn + 1;
  TcpRepr data = seg(client, rcv, snd, tf::kAck | tf::kPsh);
  data.payload = hello;
  write("tcp_data", ipc::stack::fuzz::peer_tcp_frame(data));
  TcpRepr ooo = data;
  ooo.seq = rcv + 3000;
  write("tcp_out_of_order", ipc::stack::fuzz::peer_tcp_frame(ooo));
  write("tcp_fin", ipc::stack::fuzz::peer_tcp_frame(seg(client, rcv, snd, tf::kAck | tf::kFin)));
  write("tcp_rst", ipc::stack::fuzz::peer_tcp_frame(seg(client, rcv, 0, tf::kRst)));
  write("tcp_syn_established", ipc::stack::fuzz::peer_tcp_frame(seg(client, rcv + 7, 0, tf::kSyn)));
  TcpRepr sack = seg(client, rcv, snd, tf::kAck);
  sack.sack_blocks = {TcpSackBlock{snd + 100, snd + 200}};
  write("tcp_sack", ipc::stack::fuzz::peer_tcp_frame(sack));

  // ICMP echo request.
  write("icmp_echo", to_dut(make_ip(header(kPeer, kDut, 1), echo_request(1))));

  // UDP to the fuzzer's bound port, to a closed one (port unreachable), to
  // the subnet broadcast and to the joined group.
  write("udp_bound", to_dut(make_ip(header(kPeer, kDut, 17), make_udp(kPeer, kDut, 40000, kBoundPort, hello))));
  write("udp_closed", to_dut(make_ip(header(kPeer, kDut, 17), make_udp(kPeer, kDut, 40000, kClosedPort, hello))));
  const Ipv4Address bcast(192, 0, 2, 255);
  write("udp_broadcast", frame(MacAddress::broadcast(), ethertype::kIpv4,
                               make_ip(header(kPeer, bcast, 17), make_udp(kPeer, bcast, 40000, kBoundPort, hello))));
  write("udp_group", frame(MacAddress::ipv4_multicast(kGroup), ethertype::kIpv4,
                           make_ip(header(kPeer, kGroup, 17), make_udp(kPeer, kGroup, 40000, kBoundPort, hello))));

  // IP options. Record route with nine free slots (+ a NOP to 40 bytes).
  Bytes rr{7, 39, 4};
  rr.resize(39, 0);
  rr.push_back(1);
  write("opt_rr", to_dut(make_ip(header(kPeer, kDut, 1, rr), echo_request(2))));
  // Timestamps only (flag 0), and with addresses (flag 1), two slots each.
  Bytes ts{68, 12, 5, 0x00, 0, 0, 0, 0, 0, 0, 0, 0};
  write("opt_ts", to_dut(make_ip(header(kPeer, kDut, 1, ts), echo_request(3))));
  Bytes ts_addr{68, 20, 5, 0x01};
  ts_addr.resize(20, 0);
  write("opt_ts_addr", to_dut(make_ip(header(kPeer, kDut, 17, ts_addr), make_udp(kPeer, kDut, 40000, kBoundPort, hello))));
  // Loose source route: used up (we are the last hop) on UDP to the bound
  // port, and with a hop still to go on an echo request.
  Bytes lsrr_done{131, 7, 8, 198, 51, 100, 7, 1};
  write("opt_lsrr", to_dut(make_ip(header(kPeer, kDut, 17, lsrr_done), make_udp(kPeer, kDut, 40000, kBoundPort, hello))));
  Bytes lsrr_next{131, 7, 4, 198, 51, 100, 7, 1};
  write("opt_lsrr_next", to_dut(make_ip(header(kPeer, kDut, 1, lsrr_next), echo_request(4))));
  // Router alert.
  write("opt_ra", to_dut(make_ip(header(kPeer, kDut, 17, {148, 4, 0, 0}), make_udp(kPeer, kDut, 40000, kBoundPort, hello))));

  // A UDP datagram to the bound port in two fragments: 16 bytes (UDP header
  // and 8 of data), then the remaining 16 from offset 16.
  const Bytes data24(24, 0x42);
  const Bytes whole = make_udp(kPeer, kDut, 40000, kBoundPort, data24);
  auto fragment = [&](std::size_t off, std::size_t len, bool more) {
    Ipv4Repr h = header(kPeer, kDut, 17);
    h.ident = 0x4242;
    h.frag_offset = static_cast<std::uint16_t>(off);
    h.more_frags = more;
    return to_dut(make_ip(h, Bytes(whole.begin() + static_cast<long>(off), whole.begin() + static_cast<long>(off + len))));
  };
  write("frag_first", fragment(0, 16, true));
  write("frag_last", fragment(16, whole.size() - 16, false));

  // ICMP fragmentation needed from the router, quoting a datagram we would
  // have sent from the bound port to a remote host.
  {
    Ipv4Repr q = header(kDut, kRemote, 17);
    q.dont_frag = true;
    const Bytes quoted = make_ip(q, make_udp(kDut, kRemote, kBoundPort, 33434, Bytes(1400, 0)));
    const Bytes head(quoted.begin(), quoted.begin() + 28);
    write("icmp_frag_needed", to_dut(make_ip(header(kRouter, kDut, 1), make_icmp(IcmpRepr{IcmpDestUnreachable{4, 1280, head}}))));
    write("icmp_port_unreach", to_dut(make_ip(header(kRouter, kDut, 1), make_icmp(IcmpRepr{IcmpDestUnreachable{3, 0, head}}))));
  }

  // IGMPv3 queries from the router (TTL 1, router alert): general, and for
  // the group the fuzzer's socket joined.
  auto query = [&](Ipv4Address group, Ipv4Address dst) {
    IgmpQuery q;
    q.version = 3;
    q.max_resp_code = 100;
    q.group = group;
    q.qrv = 2;
    q.qqic = 125;
    Ipv4Repr h = header(kRouter, dst, 2, {148, 4, 0, 0});
    h.ttl = 1;
    h.dscp = 0x30;
    return frame(MacAddress::ipv4_multicast(dst), ethertype::kIpv4, make_ip(h, make_igmp(IgmpRepr{q})));
  };
  write("igmp_v3_query", query(Ipv4Address{}, Ipv4Address(224, 0, 0, 1)));
  write("igmp_v3_group_query", query(kGroup, kGroup));

  return failed ? 1 : 0;
}
