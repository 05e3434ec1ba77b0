// Raw sockets: raw_sendmsg (with and without IP_HDRINCL) and delivery
// (raw_v4_input, raw_rcv). Errno choice follows net/ipv4/raw.c.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "stack/core/stack.hpp"
#include "stack/ipv4/hdrincl.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::core {

namespace {
constexpr int kIpprotoRaw = 255;
}  // namespace

long Stack::raw_send(Socket& s, const SendRequest& r) {
  if (r.data.size() > 0xFFFF) return -EMSGSIZE;
  if (r.flags & MSG_OOB) return -EOPNOTSUPP;
  Ipv4Address daddr;
  if (r.dst) {
    daddr = *r.dst;
  } else {
    if (!s.raw_peer) return -EDESTADDRREQ;
    daddr = *s.raw_peer;
  }
  const bool hdrincl = s.ip.hdrincl;
  const socket::CompiledIpOptions* opt =
      r.options ? &*r.options : (s.ip_options_set ? &s.ip.options : nullptr);
  Ipv4Address faddr = daddr;
  if (opt) {
    // raw_sendmsg: options and a caller-built header do not mix.
    if (hdrincl) return -EINVAL;
    if (opt->srr >= 0) {
      if (daddr.is_unspecified()) return -EINVAL;
      faddr = Ipv4Address::from_u32(__builtin_bswap32(opt->faddr));
    }
  }
  Ipv4Address saddr = r.spec_src.is_unspecified() ? s.raw_local : r.spec_src;
  ipv4::OutputFlags flags;
  flags.any_src = s.ip.transparent || s.ip.freebind || hdrincl;
  auto rt = socket_route(s, daddr, faddr, saddr, r.oif ? r.oif : s.sol.bound_dev_if, flags, s.protocol == 2);
  if (!rt) return -rt.error();
  if (rt->broadcast && !s.sol.broadcast) return -EACCES;

  OutputArgs a;
  a.route = *rt;
  a.loop_multicast = s.ip.mc_loop;
  if (hdrincl) {
    // raw_send_hdrinc: length > rt->dst.dev->mtu -> ip_local_error(EMSGSIZE,
    // fl4->daddr, inet_dport, dev mtu) first; then what Linux fills in
    // (ipv4/hdrincl.hpp). Never fragmented, IP_MTU_DISCOVER not read.
    const auto* dev = routes_.interface(rt->oif);
    const int dev_mtu = dev ? dev->mtu : rt->mtu;
    ipv4::HdrinclContext ctx;
    ctx.route_src = rt->src;
    ctx.device_mtu = static_cast<std::size_t>(dev_mtu);
    ctx.pick_id = [this](Ipv4Address d, Ipv4Address src, std::uint8_t proto, bool df) {
      // ip_select_ident(net, skb, NULL): no socket, ignore_df clear.
      OutputArgs id_args;
      id_args.dst = d;
      id_args.src = src;
      id_args.protocol = proto;
      return pick_ident(id_args, df);
    };
    // sock_alloc_send_skb comes between the size check and the header
    // checks: a pending sk_err fails the send (sock_error clears it).
    if (r.data.size() <= ctx.device_mtu) {
      if (const int e = s.sol.sk_err; e) {
        s.sol.sk_err = 0;
        return -e;
      }
    }
    auto pkt = ipv4::build_hdrincl(r.data, ctx);
    if (!pkt) {
      if (pkt.error() == EMSGSIZE && s.ip.recverr) {
        QueuedError e;
        e.ee_errno = EMSGSIZE;
        e.origin = 1;  // SO_EE_ORIGIN_LOCAL
        e.info = static_cast<std::uint32_t>(dev_mtu);
        e.addr = faddr;
        queue_error(s, std::move(e));
      }
      return -pkt.error();
    }
    a.header_included = true;
    a.payload = *pkt;
    if (const int err = ip_output(a); err) return err;
    return static_cast<long>(r.data.size());
  }

  // ip_append_data from raw_sendmsg: the same rules as UDP; inet_dport is 0.
  DatagramSend d{daddr, faddr, 0, static_cast<std::uint8_t>(s.protocol), r.data.size(), opt};
  if (const int err = prepare_datagram(s, r, *rt, d, a)) return err;
  a.payload = r.data;
  if (const int err = ip_output(a); err) return err;
  return static_cast<long>(r.data.size());
}

bool Stack::raw_input(const std::vector<std::uint8_t>& packet, int ifindex) {
  auto ip = wire::Ipv4Packet::check(std::span<const std::uint8_t>(packet));
  if (!ip) return false;
  bool any = false;
  for (auto& [fd, sp] : sockets_) {
    Socket& s = *sp;
    if (s.kind != Kind::Raw) continue;
    // raw_v4_match: protocol, bound address, connected peer, bound device.
    if (s.protocol != ip->protocol() || s.protocol == kIpprotoRaw) continue;
    // connect(AF_UNSPEC) unhashed the socket (__udp_disconnect): it is no
    // longer on the raw hash table, so nothing reaches it.
    if (s.raw_unhashed) continue;
    if (!s.raw_local.is_unspecified() && s.raw_local != ip->dst()) continue;
    if (s.raw_peer && !s.raw_peer->is_unspecified() && *s.raw_peer != ip->src()) continue;
    if (s.sol.bound_dev_if && s.sol.bound_dev_if != ifindex) continue;
    if (ip->dst().is_multicast() && !mc_socket_accepts(s, ip->dst(), ip->src(), ifindex)) continue;
    any = true;
    Datagram d;
    d.data = packet;
    d.src = ip->src();
    d.dst = ip->dst();
    d.ifindex = ifindex;
    d.ttl = ip->ttl();
    d.tos = ip->tos();
    d.options.assign(ip->options().begin(), ip->options().end());
    d.stamp = now_;
    d.wall_stamp = std::chrono::system_clock::now();
    d.spec_dst = routes_.addr_type(d.dst) == ipv4::RouteType::kLocal ? d.dst : config_.address;
    const std::size_t truesize = d.data.size() + kSkbTruesizeOverhead;
    if (s.rx_bytes + truesize > static_cast<std::size_t>(s.sol.rcvbuf) && !s.rx.empty()) continue;
    s.rx_bytes += truesize;
    s.rx.push_back(std::move(d));
  }
  return any;
}

}  // namespace ipc::stack::core
