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
constexpr int kIpMaxMtu = 0xFFFF;
namespace pmtu = socket::pmtudisc;
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

}  // namespace ipc::stack::core
