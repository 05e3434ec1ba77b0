// UDP: bind/connect through the port table, udp_sendmsg and the receive
// path (__udp4_lib_rcv, udp_queue_rcv_skb). Errno choice follows
// net/ipv4/udp.c, af_inet.c and datagram.c.
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

const udp::Binding* Stack::udp_binding(const Socket& s) const { return ports_.binding(s.id); }

int Stack::udp_bind(Socket& s, Ipv4Address addr, std::uint16_t port) {
  udp::SocketOptions o;
  o.reuse_addr = s.sol.reuseaddr;
  o.reuse_port = s.sol.reuseport;
  o.bound_dev_if = s.sol.bound_dev_if;
  ports_.set_options(s.id, o);
  udp::BindFacts facts;
  facts.cap_net_bind_service = caps_.net_bind_service;
  const int err = ports_.bind(s.id, addr, port, facts);
  return -err;
}

int Stack::udp_connect(Socket& s, Ipv4Address addr, std::uint16_t port) {
  const udp::Binding* b = ports_.binding(s.id);
  // __ip4_datagram_connect: the route to the peer, from the bound address.
  int oif = s.sol.bound_dev_if;
  Ipv4Address saddr = b ? b->local_addr : Ipv4Address{};
  if (addr.is_multicast()) {
    if (!oif) oif = s.mc.mc_index;
    if (saddr.is_unspecified()) saddr = s.mc.mc_addr;
  } else if (!oif) {
    oif = s.mc.uc_index;
  }
  ipv4::OutputFlags flags;
  flags.any_src = s.ip.transparent;
  auto rt = routes_.output_route(addr, saddr, oif, flags, false, addr.is_multicast() && mc_member(addr, oif));
  if (!rt) return -rt.error();
  if (rt->broadcast && !s.sol.broadcast) return -EACCES;
  ports_.connect(s.id, addr, port, rt->src);
  s.connected = true;
  s.peer = addr;
  s.peer_port = port;
  s.cached_path_mtu = path_mtu(addr) ? std::min(path_mtu(addr), rt->mtu) : rt->mtu;
  return 0;
}

int Stack::udp_autobind(Socket& s) {
  const udp::Binding* b = ports_.binding(s.id);
  if (b && b->local_port != 0) return 0;
  sync_port_options(s);
  return ports_.autobind(s.id) ? -EAGAIN : 0;
}

int Stack::raw_connect(Socket& s, Ipv4Address addr) {
  int oif = s.sol.bound_dev_if;
  Ipv4Address saddr = s.raw_local;
  if (addr.is_multicast()) {
    if (!oif) oif = s.mc.mc_index;
    if (saddr.is_unspecified()) saddr = s.mc.mc_addr;
  } else if (!oif) {
    oif = s.mc.uc_index;
  }
  ipv4::OutputFlags flags;
  flags.any_src = s.ip.transparent;
  auto rt = routes_.output_route(addr, saddr, oif, flags, s.protocol == 2, addr.is_multicast() && mc_member(addr, oif));
  if (!rt) return -rt.error();
  if (rt->broadcast && !s.sol.broadcast) return -EACCES;
  // __ip4_datagram_connect fills in an unset local address.
  if (s.raw_local.is_unspecified()) {
    s.raw_local = rt->src;
    s.raw_local_from_connect = true;
  }
  s.raw_peer = addr;
  s.cached_path_mtu = rt->mtu;
  return 0;
}

void Stack::sync_port_options(Socket& s) {
  udp::SocketOptions o;
  o.reuse_addr = s.sol.reuseaddr;
  o.reuse_port = s.sol.reuseport;
  o.bound_dev_if = s.sol.bound_dev_if;
  ports_.set_options(s.id, o);
}

int Stack::udp_disconnect(Socket& s) {
  ports_.disconnect(s.id);
  s.connected = false;
  s.peer = {};
  s.peer_port = 0;
  s.cached_path_mtu = 0;
  return 0;
}

long Stack::udp_send(Socket& s, const SendRequest& r) {
  // inet_send_prepare: an unbound socket takes an ephemeral port first.
  const udp::Binding* b = ports_.binding(s.id);
  if (!b || b->local_port == 0) {
    sync_port_options(s);
    if (ports_.autobind(s.id)) return -EAGAIN;
    b = ports_.binding(s.id);
  }
  if (r.data.size() > 0xFFFF) return -EMSGSIZE;
  if (r.flags & MSG_OOB) return -EOPNOTSUPP;
  Ipv4Address daddr;
  std::uint16_t dport = 0;
  bool connected = false;
  if (r.dst) {
    daddr = *r.dst;
    dport = r.dst_port;
    if (dport == 0) return -EINVAL;
  } else {
    if (!s.connected) return -EDESTADDRREQ;
    daddr = s.peer;
    dport = s.peer_port;
    connected = true;
  }
  const socket::CompiledIpOptions* opt =
      r.options ? &*r.options : (s.ip_options_set ? &s.ip.options : nullptr);
  Ipv4Address faddr = daddr;
  if (opt && opt->srr >= 0) {
    if (daddr.is_unspecified()) return -EINVAL;
    faddr = Ipv4Address::from_u32(__builtin_bswap32(opt->faddr));
    connected = false;
  }
  Ipv4Address saddr = r.spec_src;
  int oif = r.oif ? r.oif : s.sol.bound_dev_if;
  const bool mcast = daddr.is_multicast();
  if (mcast) {
    if (!oif) oif = s.mc.mc_index;
    if (saddr.is_unspecified()) saddr = s.mc.mc_addr;
  } else if (!oif) {
    oif = s.mc.uc_index;
  }
  if (saddr.is_unspecified()) saddr = b->local_addr;
  ipv4::OutputFlags flags;
  flags.any_src = s.ip.transparent || s.ip.freebind;
  auto rt = routes_.output_route(faddr, saddr, oif, flags, false, mcast && mc_member(daddr, oif));
  if (!rt) return -rt.error();
  if (rt->broadcast && !s.sol.broadcast) return -EACCES;
  (void)connected;

  // The UDP datagram.
  const std::size_t ulen = 8 + r.data.size();
  std::vector<std::uint8_t> payload(ulen);
  wire::UdpRepr u;
  u.src_port = b->local_port;
  u.dst_port = dport;
  u.payload = r.data;
  (void)u.emit(payload, rt->src, daddr, !s.sol.no_check);

  // ip_append_data / __ip_make_skb: which MTU applies, and DF.
  const int pmtudisc = s.ip.pmtudisc;
  const int dev_mtu = routes_.interface(rt->oif) ? routes_.interface(rt->oif)->mtu : rt->mtu;
  const bool use_dev_mtu = pmtudisc == pmtu::kProbe || pmtudisc == pmtu::kInterface || pmtudisc == pmtu::kOmit;
  int mtu = use_dev_mtu ? dev_mtu : (path_mtu(faddr) ? std::min(path_mtu(faddr), rt->mtu) : rt->mtu);
  const int optlen = opt ? static_cast<int>((opt->data.size() + 3) / 4 * 4) : 0;
  const bool ignore_df = pmtudisc < pmtu::kDo || pmtudisc == pmtu::kOmit;  // ip_sk_ignore_df
  const int maxnonfrag = ignore_df ? kIpMaxMtu : mtu;
  if (static_cast<int>(ulen) > maxnonfrag - (20 + optlen)) {
    // ip_local_error: with IP_RECVERR the error is queued too.
    if (s.ip.recverr) {
      QueuedError e;
      e.ee_errno = EMSGSIZE;
      e.origin = 1;  // SO_EE_ORIGIN_LOCAL
      e.info = static_cast<std::uint32_t>(mtu - optlen);
      e.addr = daddr;
      e.port = dport;
      s.errq.push_back(std::move(e));
    }
    return -EMSGSIZE;
  }
  bool df = pmtudisc == pmtu::kDo || pmtudisc == pmtu::kProbe;
  if (pmtudisc == pmtu::kWant && static_cast<int>(20 + optlen + ulen) <= mtu && !sysctl_.ip_no_pmtu_disc()) df = true;

  OutputArgs a;
  a.route = *rt;
  a.route.mtu = mtu;
  a.src = rt->src;
  a.dst = faddr;
  a.protocol = kProtoUdp;
  const int ttl = r.ttl ? *r.ttl : (mcast ? s.ip.mc_ttl : (s.ip.ttl < 0 ? sysctl_.ip_default_ttl() : s.ip.ttl));
  a.ttl = static_cast<std::uint8_t>(ttl);
  a.tos = static_cast<std::uint8_t>(r.tos ? *r.tos : s.ip.tos);
  a.df = df;
  a.options = opt;
  a.payload = payload;
  a.loop_multicast = s.ip.mc_loop;
  if (const int err = ip_output(a); err) return err;
  return static_cast<long>(r.data.size());
}

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
    (void)s;
    return d;
  };
  auto deliver = [&](Socket& s) {
    Datagram d = make(s);
    // sock_queue_rcv_skb: the receive buffer holds truesize, not payload.
    const std::size_t truesize = d.data.size() + 768;
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
    icmp_send_error(packet, 3, 3, 0);  // port unreachable
    return;
  }
  deliver(*s);
}

}  // namespace ipc::stack::core
