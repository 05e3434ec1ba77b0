#include "stack/fuzz/tcp_fixture.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::fuzz {

namespace {
const wire::MacAddress kDutMac({0x02, 0x00, 0x00, 0x00, 0x01, 0x01});
const wire::MacAddress kPeerMac({0x02, 0x00, 0x00, 0x00, 0x02, 0x02});
const wire::Ipv4Address kDut(192, 0, 2, 1), kPeer(192, 0, 2, 2);

sockaddr_in sin(wire::Ipv4Address a, std::uint16_t port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_port = htons(port);
  s.sin_addr.s_addr = htonl(a.to_u32());
  return s;
}
const sockaddr* sa(const sockaddr_in& s) { return reinterpret_cast<const sockaddr*>(&s); }

// The client's SYN among the frames the stack sent.
std::optional<std::uint32_t> syn_seq(const std::vector<Frame>& frames) {
  for (const auto& f : frames) {
    auto eth = wire::EthernetFrame::check(std::span<const std::uint8_t>(f));
    if (!eth) continue;
    auto ip = wire::Ipv4Packet::check(eth->payload());
    if (!ip || ip->protocol() != wire::ipproto::kTcp) continue;
    auto tcp = wire::TcpPacket::check(ip->payload());
    if (tcp && tcp->syn() && tcp->src_port() == kClientPort) return tcp->seq();
  }
  return std::nullopt;
}
}  // namespace

Frame peer_tcp_frame(const wire::TcpRepr& seg) {
  std::vector<std::uint8_t> tcp(seg.buffer_len());
  (void)seg.emit(tcp, kPeer, kDut);
  wire::Ipv4Repr ip;
  ip.src = kPeer;
  ip.dst = kDut;
  ip.protocol = wire::ipproto::kTcp;
  ip.dont_frag = true;
  ip.payload_len = static_cast<std::uint16_t>(tcp.size());
  Frame f(wire::ethernet::kHeaderLen + ip.buffer_len() + tcp.size());
  (void)wire::EthernetRepr{kPeerMac, kDutMac, wire::ethertype::kIpv4}.emit(f);
  const auto ip_span = std::span(f).subspan(wire::ethernet::kHeaderLen);
  (void)ip.emit(ip_span);
  std::copy(tcp.begin(), tcp.end(), ip_span.begin() + static_cast<long>(ip.buffer_len()));
  return f;
}

std::optional<TcpSockets> open_tcp(core::Stack& stack, api::Syscalls& sys, const std::function<std::vector<Frame>()>& sent,
                                   core::Clock::time_point now) {
  TcpSockets t;
  const int one = 1;
  t.listener = static_cast<int>(sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  const auto any = sin(wire::Ipv4Address{}, kListenPort);
  if (t.listener < 0 || sys.setsockopt(t.listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      sys.bind(t.listener, sa(any), sizeof any) < 0 || sys.listen(t.listener, 8) < 0)
    return std::nullopt;

  t.client = static_cast<int>(sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  const auto local = sin(wire::Ipv4Address{}, kClientPort);
  const auto peer = sin(kPeer, kPeerPort);
  if (t.client < 0 || sys.bind(t.client, sa(local), sizeof local) < 0 ||
      sys.connect(t.client, sa(peer), sizeof peer) != -EINPROGRESS)
    return std::nullopt;
  stack.run_pending();
  const auto isn = syn_seq(sent());
  if (!isn) return std::nullopt;
  t.dut_isn = *isn;

  wire::TcpRepr synack;
  synack.src_port = kPeerPort;
  synack.dst_port = kClientPort;
  synack.seq = kPeerIsn;
  synack.ack = t.dut_isn + 1;
  synack.flags = wire::tcp::flag::kSyn | wire::tcp::flag::kAck;
  synack.window = 64240;
  synack.mss = 1460;
  synack.sack_permitted = true;
  synack.window_scale = 7;
  stack.input_frame(peer_tcp_frame(synack), now);
  (void)sent();
  return t;
}

}  // namespace ipc::stack::fuzz
