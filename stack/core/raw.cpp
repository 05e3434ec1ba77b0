// Raw sockets: raw_sendmsg (with and without IP_HDRINCL) and delivery
// (raw_v4_input, raw_rcv). Errno choice follows net/ipv4/raw.c.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "stack/core/stack.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::core {

namespace {
namespace pmtu = socket::pmtudisc;
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
  int oif = r.oif ? r.oif : s.sol.bound_dev_if;
  const bool mcast = daddr.is_multicast();
  if (mcast) {
    if (!oif) oif = s.mc.mc_index;
    if (saddr.is_unspecified()) saddr = s.mc.mc_addr;
  } else if (!oif) {
    oif = s.mc.uc_index;
  }
  ipv4::OutputFlags flags;
  flags.any_src = s.ip.transparent || s.ip.freebind || hdrincl;
  auto rt = routes_.output_route(faddr, saddr, oif, flags, s.protocol == 2, mcast && mc_member(daddr, oif));
  if (!rt) return -rt.error();
  if (rt->broadcast && !s.sol.broadcast) return -EACCES;

  const int pmtudisc = s.ip.pmtudisc;
  const int dev_mtu = routes_.interface(rt->oif) ? routes_.interface(rt->oif)->mtu : rt->mtu;
  const bool use_dev_mtu = pmtudisc == pmtu::kProbe || pmtudisc == pmtu::kInterface || pmtudisc == pmtu::kOmit;
  const int mtu = use_dev_mtu ? dev_mtu : (path_mtu(faddr) ? std::min(path_mtu(faddr), rt->mtu) : rt->mtu);

  OutputArgs a;
  a.route = *rt;
  a.route.mtu = mtu;
  a.loop_multicast = s.ip.mc_loop;
  if (hdrincl) {
    // raw_send_hdrinc: the caller's header, with what Linux fills in.
    if (static_cast<int>(r.data.size()) > mtu) {
      if (s.ip.recverr) {
        QueuedError e;
        e.ee_errno = EMSGSIZE;
        e.origin = 1;
        e.info = static_cast<std::uint32_t>(mtu);
        e.addr = daddr;
        s.errq.push_back(std::move(e));
      }
      return -EMSGSIZE;
    }
    if (r.data.size() < 20) return -EINVAL;
    std::vector<std::uint8_t> pkt(r.data.begin(), r.data.end());
    const std::size_t ihl = (pkt[0] & 0x0f) * 4u;
    if (ihl > pkt.size()) return -EINVAL;
    if (ihl >= 20) {
      if (pkt[12] == 0 && pkt[13] == 0 && pkt[14] == 0 && pkt[15] == 0) rt->src.write(std::span(pkt).subspan(12));
      pkt[2] = static_cast<std::uint8_t>(pkt.size() >> 8);
      pkt[3] = static_cast<std::uint8_t>(pkt.size());
      if (pkt[4] == 0 && pkt[5] == 0) {
        const std::uint16_t id = next_ip_id_++;
        pkt[4] = static_cast<std::uint8_t>(id >> 8);
        pkt[5] = static_cast<std::uint8_t>(id);
      }
      pkt[10] = pkt[11] = 0;
      const std::uint16_t c = wire::internet_checksum(std::span<const std::uint8_t>(pkt).first(ihl));
      pkt[10] = static_cast<std::uint8_t>(c >> 8);
      pkt[11] = static_cast<std::uint8_t>(c);
    }
    a.header_included = true;
    a.payload = pkt;
    if (const int err = ip_output(a); err) return err;
    return static_cast<long>(r.data.size());
  }

  const int optlen = opt ? static_cast<int>((opt->data.size() + 3) / 4 * 4) : 0;
  const bool ignore_df = pmtudisc < pmtu::kDo || pmtudisc == pmtu::kOmit;
  const int maxnonfrag = ignore_df ? 0xFFFF : mtu;
  if (static_cast<int>(r.data.size()) > maxnonfrag - (20 + optlen)) {
    if (s.ip.recverr) {
      QueuedError e;
      e.ee_errno = EMSGSIZE;
      e.origin = 1;
      e.info = static_cast<std::uint32_t>(mtu - optlen);
      e.addr = daddr;
      s.errq.push_back(std::move(e));
    }
    return -EMSGSIZE;
  }
  bool df = pmtudisc == pmtu::kDo || pmtudisc == pmtu::kProbe;
  if (pmtudisc == pmtu::kWant && static_cast<int>(20 + optlen + r.data.size()) <= mtu && !sysctl_.ip_no_pmtu_disc())
    df = true;
  a.src = rt->src;
  a.dst = faddr;
  a.protocol = static_cast<std::uint8_t>(s.protocol);
  const int ttl = r.ttl ? *r.ttl : (mcast ? s.ip.mc_ttl : (s.ip.ttl < 0 ? sysctl_.ip_default_ttl() : s.ip.ttl));
  a.ttl = static_cast<std::uint8_t>(ttl);
  a.tos = static_cast<std::uint8_t>(r.tos ? *r.tos : s.ip.tos);
  a.df = df;
  a.options = opt;
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
    const std::size_t truesize = d.data.size() + 768;
    if (s.rx_bytes + truesize > static_cast<std::size_t>(s.sol.rcvbuf) && !s.rx.empty()) continue;
    s.rx_bytes += truesize;
    s.rx.push_back(std::move(d));
  }
  return any;
}

}  // namespace ipc::stack::core
