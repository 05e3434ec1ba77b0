// UDP receive path (__udp4_lib_rcv, udp_queue_rcv_skb).
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "stack/core/stack.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/udp.hpp"

namespace ipc::stack::core {

namespace {
constexpr std::uint8_t kProtoUdp = 17;
constexpr int kIpMaxMtu = 0xFFFF;
namespace pmtu = socket::pmtudisc;
}  // namespace

void Stack::udp_input(const std::vector<std::uint8_t>& packet, int ifindex) {
  auto ip = wire::Ipv4Packet::check(std::span<const std::uint8_t>(packet));
  if (!ip) return;
  auto u = wire::UdpPacket::check(ip->payload());
  if (!u) return;
  if (!u->verify_checksum(ip->src(), ip->dst())) return;  // UDP_MIB_CSUMERRORS
  const Ipv4Address src = ip->src(), dst = ip->dst();

  auto make = [&](const Socket& s) {
    Datagram d;
    d.data.assign(u->payload().begin(), u->payload().end());
    d.src = src;
    d.dst = dst;
    d.src_port = u->src_port();
    d.dst_port = u->dst_port();
    d.ifindex = ifindex;
    d.ttl = ip->ttl();
    d.tos = ip->tos();
    d.options.assign(ip->options().begin(), ip->options().end());
    d.udp_check = u->checksum();
    d.stamp = now_;
    d.wall_stamp = std::chrono::system_clock::now();
    // ipi_spec_dst: the local address a reply would come from.
    d.spec_dst = routes_.addr_type(dst) == ipv4::RouteType::kLocal ? dst : config_.address;
    // What ip_rcv_finish left: fib_compute_spec_dst, inet_iif, the options
    // with this hop's RR/TS entries (IP_RECVOPTS) and their echo (IP_RETOPTS).
    fill_rx_meta(d);
    (void)s;
    return d;
  };
  auto deliver = [&](Socket& s) {
    Datagram d = make(s);
    // sock_queue_rcv_skb: the receive buffer holds truesize, not payload.
    const std::size_t truesize = d.data.size() + kSkbTruesizeOverhead;
    if (s.rx_bytes + truesize > static_cast<std::size_t>(s.sol.rcvbuf) && !s.rx.empty()) return;
    s.rx_bytes += truesize;
    s.rx.push_back(std::move(d));
  };
  auto by_id = [&](udp::SocketId id) -> Socket* {
    for (auto& [fd, s] : sockets_)
      if (s->kind == Kind::Udp && s->id == id) return s.get();
    return nullptr;
  };

  const bool multi = dst.is_multicast() || dst.is_broadcast() ||
                     routes_.addr_type(dst) == ipv4::RouteType::kBroadcast;
  if (multi) {
    for (auto id : ports_.lookup_all(dst, u->dst_port(), src, u->src_port(), ifindex)) {
      Socket* s = by_id(id);
      if (!s) continue;
      if (dst.is_multicast() && !mc_socket_accepts(*s, dst, src, ifindex)) continue;
      deliver(*s);
    }
    return;
  }
  auto id = ports_.lookup(dst, u->dst_port(), src, u->src_port(), ifindex);
  Socket* s = id ? by_id(*id) : nullptr;
  if (!s) {
    // __udp4_lib_rcv: icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0)
    // on the skb trimmed to the UDP length (udp4_csum_init / pskb_trim_rcsum).
    if (rx_ && rx_->dgram) {
      ipv4::ReceivedDatagram trimmed = *rx_->dgram;
      const std::size_t want = ip->header_len() + u->length();
      if (want < trimmed.packet.size()) trimmed.packet.resize(want);
      icmp_error_about(trimmed, rx_->arrival, icmp::port_unreachable());
    } else {
      icmp_send_error(packet, 3, 3, 0);
    }
    return;
  }
  deliver(*s);
}

}  // namespace ipc::stack::core
