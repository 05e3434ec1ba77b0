#include "stack/socket/ip_sockopt_common.hpp"

#include <cerrno>

#include "stack/socket/ip_sockopt_names.hpp"

namespace ipc::stack::socket {
namespace detail {

bool is_mroute_opt(int optname) {
  return optname >= ipopt::kMrtBase && optname <= ipopt::kMrtMax;
}

bool is_raw_igmp(const SocketFacts& f) {
  return f.type == SockType::Raw && f.protocol == kIpprotoIgmp;
}

int inet_num(const SocketFacts& f) {
  return f.type == SockType::Raw ? f.protocol : f.local_port;
}

// The handlers (do_ipt_set_ctl, do_arpt_set_ctl, do_ipt_get_ctl,
// do_arpt_get_ctl) first require CAP_NET_ADMIN (EPERM), then reject any buffer
// that is not a well-formed table request (EINVAL). No tables are modelled,
// so every capable call ends in EINVAL.
int netfilter_set(const SocketFacts& f, int optname) {
  // IPT_SO_SET_REPLACE 64, IPT_SO_SET_ADD_COUNTERS 65, ARPT_SO_SET_* 96..97
  const bool handled = (optname >= 64 && optname <= 65) || (optname >= 96 && optname <= 97);
  if (!handled) return ENOPROTOOPT;
  return f.cap_net_admin ? EINVAL : EPERM;
}

int netfilter_get(const SocketFacts& f, int optname) {
  // IPT_SO_GET_INFO .. IPT_SO_GET_REVISION_TARGET 64..67, ARPT_SO_GET_* 96..99
  const bool handled = (optname >= 64 && optname <= 67) || (optname >= 96 && optname <= 99);
  if (!handled) return ENOPROTOOPT;
  return f.cap_net_admin ? EINVAL : EPERM;
}

}  // namespace detail

IpOptionsState initial_ip_options(const SocketFacts& f) {
  IpOptionsState s;
  s.ttl = -1;  // inet_create: inet->uc_ttl = -1
  s.tos = 0;
  // inet_create: "if (SOCK_RAW == sock->type) { ...; if (IPPROTO_RAW ==
  // protocol) inet_set_bit(HDRINCL, sk); }"
  s.hdrincl = f.type == SockType::Raw && f.protocol == kIpprotoRaw;
  // inet_create: sysctl_ip_no_pmtu_disc ? IP_PMTUDISC_DONT : IP_PMTUDISC_WANT
  s.pmtudisc = f.no_pmtu_disc ? pmtudisc::kDont : pmtudisc::kWant;
  s.mc_ttl = 1;       // inet->mc_ttl = 1
  s.mc_loop = true;   // inet_set_bit(MC_LOOP, sk)
  s.mc_all = true;    // inet_set_bit(MC_ALL, sk)
  return s;
}

bool is_ip_sockopt_handled(const SocketFacts& f, int optname) {
  using namespace ipopt;
  if (detail::is_mroute_opt(optname)) return !detail::is_raw_igmp(f);
  if (optname == kPktoptions) return f.type != SockType::Stream;
  if (optname == kUnicastIf || optname == kIpsecPolicy || optname == kXfrmPolicy) return false;
  // IP_MULTICAST_IF, the membership and source-filter options, MCAST_*.
  if (optname == kMulticastIf || (optname >= kAddMembership && optname <= kMcastMsfilter))
    return false;
  return true;
}

}  // namespace ipc::stack::socket
