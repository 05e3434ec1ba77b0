// Multicast: the host's view for the membership options (McastEnv over the
// routing table), delivery decisions (ip_check_mc_rcu, ip_mc_sf_allow) and
// sending IGMP.
#include "stack/mcast/receive_filter.hpp"
#include "stack/core/mcast_env_adapter.hpp"
#include "stack/core/stack.hpp"

namespace ipc::stack::core {

void Stack::reset_mcast() {
  mcast_env_ = std::make_unique<McastEnvAdapter>(*this);
  mcast::McastLimits limits;
  limits.max_memberships = sysctl_.igmp_max_memberships();
  limits.max_msf = sysctl_.igmp_max_msf();
  mcast::IgmpConfig igmp;
  igmp.qrv = sysctl_.igmp_qrv();
  mcast_ = std::make_unique<mcast::McastHost>(*mcast_env_, limits, igmp);
}

ipv4::RouteResult Stack::socket_route(const Socket& s, Ipv4Address daddr, Ipv4Address first_hop, Ipv4Address saddr,
                                      int oif, ipv4::OutputFlags flags, bool igmp) const {
  const bool mcast = daddr.is_multicast();
  if (mcast) {
    if (!oif) oif = s.mc.mc_index;
    if (saddr.is_unspecified()) saddr = s.mc.mc_addr;
  } else if (!oif) {
    oif = s.mc.uc_index;
  }
  return routes_.output_route(first_hop, saddr, oif, flags, igmp, mcast && mc_member(daddr, oif));
}

bool Stack::mc_member(Ipv4Address group, int ifindex) const {
  return mcast_->check_mc_rcv(ifindex, group, Ipv4Address{}, false);
}

bool Stack::mc_socket_accepts(const Socket& s, Ipv4Address group, Ipv4Address src, int ifindex) const {
  return mcast::mc_sf_allow(s.mc, s.ip.mc_all, group, src, ifindex);
}

void Stack::flush_igmp() {
  for (auto& out : mcast_->take_output()) {
    auto rt = routes_.output_route(out.dst, out.src, out.ifindex, {}, true, false);
    if (!rt) continue;
    // igmpv3_newpack / igmp_send_report: TTL 1, TOS 0xc0, Router Alert.
    static const socket::CompiledIpOptions kRouterAlert = [] {
      socket::CompiledIpOptions o;
      o.data = {0x94, 0x04, 0x00, 0x00};
      o.router_alert = 0;
      return o;
    }();
    OutputArgs a;
    a.route = *rt;
    a.src = out.src;
    a.dst = out.dst;
    a.protocol = 2;
    a.ttl = out.ttl;
    a.tos = out.tos;
    a.df = true;
    a.options = out.router_alert ? &kRouterAlert : nullptr;
    a.payload = out.payload;
    a.loop_multicast = false;
    (void)ip_output(a);
  }
}

}  // namespace ipc::stack::core
