// udp_sendmsg: addressing, route, MTU and DF rules, then IP output.
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
}  // namespace

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
  // ipcm_init_sk: ipc.addr = inet_saddr, which __inet_bind leaves 0 for a
  // multicast or broadcast bind; IP_PKTINFO's ipi_spec_dst replaces it.
  Ipv4Address saddr = r.spec_src;
  if (saddr.is_unspecified()) {
    const auto type = routes_.addr_type(b->local_addr);
    if (type != ipv4::RouteType::kMulticast && type != ipv4::RouteType::kBroadcast) saddr = b->local_addr;
  }
  const bool mcast = daddr.is_multicast();
  ipv4::OutputFlags flags;
  flags.any_src = s.ip.transparent || s.ip.freebind;
  auto rt = socket_route(s, daddr, faddr, saddr, r.oif ? r.oif : s.sol.bound_dev_if, flags);
  if (!rt) return -rt.error();
  // udp_sendmsg: a connected send reuses the socket's cached route
  // (sk_dst_check) and skips the RTCF_BROADCAST/SOCK_BROADCAST check, which
  // sits in the route-lookup branch. Not connected for this datagram: an
  // explicit address, IP control messages, a source route, multicast,
  // MSG_DONTROUTE/SO_DONTROUTE or a strict source route (RTO_ONLINK).
  const bool ip_cmsgs = r.ttl || r.tos || r.oif || !r.spec_src.is_unspecified() || r.options;
  if (ip_cmsgs || mcast || (r.flags & MSG_DONTROUTE) || s.sol.dontroute || (opt && opt->is_strictroute))
    connected = false;
  if (!connected && rt->broadcast && !s.sol.broadcast) return -EACCES;

  // The UDP datagram.
  const std::size_t ulen = 8 + r.data.size();
  std::vector<std::uint8_t> payload(ulen);
  wire::UdpRepr u;
  u.src_port = b->local_port;
  u.dst_port = dport;
  u.payload = r.data;
  // udp_send_skb: the pseudo-header uses fl4->daddr, which for a source
  // route is the first hop (udp_sendmsg: faddr = ipc.opt->opt.faddr).
  (void)u.emit(payload, rt->src, faddr, !s.sol.no_check);

  OutputArgs a;
  DatagramSend d{daddr, faddr, static_cast<std::uint16_t>(s.connected ? s.peer_port : 0), kProtoUdp, ulen, opt};
  if (const int err = prepare_datagram(s, r, *rt, d, a)) return err;
  a.payload = payload;
  a.loop_multicast = s.ip.mc_loop;
  if (const int err = ip_output(a); err) return err;
  return static_cast<long>(r.data.size());
}

}  // namespace ipc::stack::core
