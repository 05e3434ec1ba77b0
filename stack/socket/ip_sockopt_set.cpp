// setsockopt(IPPROTO_IP): __sys_setsockopt's optlen check, ip_setsockopt,
// do_ip_setsockopt and the helpers it calls.
#include <cerrno>

#include "stack/socket/ip_sockopt.hpp"
#include "stack/socket/ip_sockopt_common.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/socket/sockopt_int.hpp"

namespace ipc::stack::socket {
namespace {

using namespace ipopt;

// do_ip_setsockopt's first switch: the options whose optval is an int or,
// for 1 <= optlen < 4, one unsigned char.
bool reads_int_or_char(int optname) {
  switch (optname) {
    case kPktinfo: case kRecvttl: case kRecvopts: case kRecvtos: case kRetopts:
    case kTos: case kTtl: case kHdrincl: case kMtuDiscover: case kRecverr:
    case kRouterAlert: case kFreebind: case kPasssec: case kTransparent:
    case kMinttl: case kNodefrag: case kBindAddressNoPort: case kUnicastIf:
    case kMulticastTtl: case kMulticastAll: case kMulticastLoop:
    case kRecvorigdstaddr: case kChecksum: case kRecvfragsize:
    case kRecverrRfc4884: case kLocalPortRange:
      return true;
    default:
      return false;
  }
}

// rt_tos2priority: ip_tos2prio[IPTOS_TOS(tos) >> 1] (net/ipv4/route.c), with
// ECN_OR_COST(x) == TC_PRIO_x.
int rt_tos2priority(int tos) {
  static constexpr int kPrio[16] = {0, 0, 0, 0, 2, 2, 2, 2, 6, 6, 6, 6, 4, 4, 4, 4};
  return kPrio[(tos & 0x1e) >> 1];
}

// __ip_sock_set_tos: "if (sk->sk_type == SOCK_STREAM) { val &= ~INET_ECN_MASK;
// val |= inet->tos & INET_ECN_MASK; }", then the u8 inet->tos takes the low
// byte; sk_priority follows when it changed.
void set_tos(IpOptionsState& s, const SocketFacts& f, int val) {
  constexpr int kEcnMask = 3;
  if (f.type == SockType::Stream) {
    val &= ~kEcnMask;
    val |= s.tos & kEcnMask;
  }
  const int tos = val & 0xff;
  if (s.tos != tos) {
    s.tos = tos;
    s.sk_priority = rt_tos2priority(tos);
  }
}

// ip_ra_control(sk, on, NULL).
int ra_control(IpOptionsState& s, const SocketFacts& f, bool on) {
  // "if (sk->sk_type != SOCK_RAW || inet_sk(sk)->inet_num == IPPROTO_RAW)"
  if (f.type != SockType::Raw || f.protocol == kIpprotoRaw) return EINVAL;
  if (s.router_alert) {
    if (on) return EADDRINUSE;  // already on ra_chain and on == 1
    s.router_alert = false;     // unlinked
    return 0;
  }
  // Not on the chain: new_ra is NULL when turning off -> "if (!new_ra)
  // return -ENOBUFS" (observed: 6.18 answers ENOBUFS, not 0).
  if (!on) return ENOBUFS;
  s.router_alert = true;
  return 0;
}

// The switch of do_ip_setsockopt (including the lockless options it handles
// before taking the socket lock). ENOPROTOOPT goes on to netfilter.
int set_option(IpOptionsState& s, const SocketFacts& f, int optname,
               std::span<const std::uint8_t> optval, int optlen, int val) {
  switch (optname) {
    case kOptions: {
      if (optlen > 40) return EINVAL;  // "if (optlen > 40) goto e_inval;"
      if (optval.size() < static_cast<std::size_t>(optlen)) return EFAULT;
      IpOptionsContext ctx = f.options_ctx;
      ctx.cap_net_raw = f.cap_net_raw;
      return ip_options_from_user(optval.first(static_cast<std::size_t>(optlen)), ctx, s.options);
    }
    // The cmsg flags: inet_assign_bit(..., val), no type or optlen check.
    case kPktinfo: s.pktinfo = val != 0; return 0;
    case kRecvttl: s.recvttl = val != 0; return 0;
    case kRecvtos: s.recvtos = val != 0; return 0;
    case kRecvopts: s.recvopts = val != 0; return 0;
    case kRetopts: s.retopts = val != 0; return 0;
    case kPasssec: s.passsec = val != 0; return 0;
    case kRecvorigdstaddr: s.recvorigdstaddr = val != 0; return 0;
    case kChecksum: s.checksum = val != 0; return 0;  // + inet_{inc,dec}_convert_csum
    case kBindAddressNoPort: s.bind_address_no_port = val != 0; return 0;
    case kRecverr: s.recverr = val != 0; return 0;  // val 0 also purges the error queue
    case kRecvfragsize:
      // "if (sk->sk_type != SOCK_RAW && sk->sk_type != SOCK_DGRAM) return -EINVAL"
      if (f.type != SockType::Raw && f.type != SockType::Dgram) return EINVAL;
      s.recvfragsize = val != 0;
      return 0;
    case kRecverrRfc4884:
      if (val < 0 || val > 1) return EINVAL;  // "if (val < 0 || val > 1)"
      s.recverr_rfc4884 = val != 0;
      return 0;
    case kTos:
      set_tos(s, f, val);  // no range check: the low byte is kept
      return 0;
    case kTtl:
      if (optlen < 1) return EINVAL;  // "if (optlen < 1) return -EINVAL;"
      // "if (val != -1 && (val < 1 || val > 255))": 0 and 256 fail, -1 resets
      if (val != -1 && (val < 1 || val > 255)) return EINVAL;
      s.ttl = val;
      return 0;
    case kHdrincl:
      if (f.type != SockType::Raw) return ENOPROTOOPT;  // not passed to netfilter
      s.hdrincl = val != 0;
      return 0;
    case kNodefrag:
      if (f.type != SockType::Raw) return ENOPROTOOPT;  // netfilter has none either
      s.nodefrag = val != 0;
      return 0;
    case kMtuDiscover:
      // ip_sock_set_mtu_discover: "val < IP_PMTUDISC_DONT || val > IP_PMTUDISC_OMIT"
      if (val < pmtudisc::kDont || val > pmtudisc::kOmit) return EINVAL;
      s.pmtudisc = val;
      return 0;
    case kMulticastTtl:
      if (f.type == SockType::Stream) return EINVAL;  // "sk->sk_type == SOCK_STREAM"
      if (optlen < 1) return EINVAL;
      if (val == -1) val = 1;
      if (val < 0 || val > 255) return EINVAL;
      s.mc_ttl = val;
      return 0;
    case kMulticastLoop:
      if (optlen < 1) return EINVAL;  // no socket-type check, unlike IP_MULTICAST_TTL
      s.mc_loop = val != 0;
      return 0;
    case kMulticastAll:
      if (optlen < 1) return EINVAL;
      if (val != 0 && val != 1) return EINVAL;  // "val != 0 && val != 1"
      s.mc_all = val != 0;
      return 0;
    case kFreebind:
      if (optlen < 1) return EINVAL;
      s.freebind = val != 0;
      return 0;
    case kTransparent:
      // "if (!!val && !sockopt_ns_capable(CAP_NET_RAW) && !sockopt_ns_capable(
      // CAP_NET_ADMIN)) return -EPERM;" before "if (optlen < 1) return -EINVAL"
      if (val != 0 && !f.cap_net_raw && !f.cap_net_admin) return EPERM;
      if (optlen < 1) return EINVAL;
      s.transparent = val != 0;
      return 0;
    case kMinttl:
      if (optlen < 1) return EINVAL;
      if (val < 0 || val > 255) return EINVAL;  // 0 valid, -1 not (unlike IP_TTL)
      s.minttl = val;
      return 0;
    case kLocalPortRange: {
      if (optlen != 4) return EINVAL;  // "optlen != sizeof(__u32)"
      const auto u = static_cast<std::uint32_t>(val);
      const std::uint16_t lo = u & 0xffff, hi = u >> 16;
      if (lo != 0 && hi != 0 && lo > hi) return EINVAL;
      s.local_port_range = u;
      return 0;
    }
    default:
      return ENOPROTOOPT;  // "default: err = -ENOPROTOOPT;"
  }
}

}  // namespace

SockoptResult ip_setsockopt(IpOptionsState& s, const SocketFacts& f, int level, int optname,
                            std::span<const std::uint8_t> optval, int optlen) {
  // __sys_setsockopt / do_sock_setsockopt: "if (optlen < 0) return -EINVAL;"
  // before the level or the option is looked at.
  if (optlen < 0) return {EINVAL};
  // ip_setsockopt: "if (level != SOL_IP) return -ENOPROTOOPT;"
  if (level != kSolIp) return {ENOPROTOOPT};
  int val = 0;
  if (reads_int_or_char(optname)) {
    const SockoptInt in = read_int_or_char(optval, optlen);
    if (in.err) return {in.err};
    val = in.val;
  }
  // do_ip_setsockopt: IP_ROUTER_ALERT goes to ip_ra_control(sk, val ? 1 : 0)
  if (optname == kRouterAlert) return {ra_control(s, f, val != 0)};
  // do_ip_setsockopt: "if (ip_mroute_opt(optname)) return ip_mroute_setsockopt(...)"
  if (detail::is_mroute_opt(optname)) return {detail::is_raw_igmp(f) ? ENOPROTOOPT : EOPNOTSUPP};
  int err = set_option(s, f, optname, optval, optlen, val);
  // ip_setsockopt: "if (err == -ENOPROTOOPT && optname != IP_HDRINCL &&
  // optname != IP_IPSEC_POLICY && optname != IP_XFRM_POLICY &&
  // !ip_mroute_opt(optname))" -> nf_setsockopt.
  if (err == ENOPROTOOPT && optname != kHdrincl && optname != kIpsecPolicy &&
      optname != kXfrmPolicy)
    err = detail::netfilter_set(f, optname);
  return {err};
}

SockoptResult ip_setsockopt(IpOptionsState& s, const SocketFacts& f, int optname,
                            std::span<const std::uint8_t> optval, int optlen) {
  return ip_setsockopt(s, f, kSolIp, optname, optval, optlen);
}

}  // namespace ipc::stack::socket
