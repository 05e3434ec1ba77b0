// setsockopt/getsockopt: __sys_setsockopt/__sys_getsockopt, then the level
// dispatch of sock_setsockopt (SOL_SOCKET), udp_setsockopt (SOL_UDP, else
// ip_setsockopt) and raw_setsockopt (SOL_RAW, else ip_setsockopt). Within
// SOL_IP the membership options go to stack/mcast, the rest to stack/socket.
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>

#include "stack/api/syscalls.hpp"
#include "stack/api/user_memory.hpp"
#include "stack/mcast/mcast_sockopt.hpp"
#include "stack/core/tcp_sock.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/tcp/tcp_sockopt.hpp"

namespace ipc::stack::api {

namespace {
constexpr int kSolSocket = 1, kSolIp = 0, kSolTcp = 6, kSolUdp = 17, kSolRaw = 255;
constexpr int kUdpCork = 1, kUdpEncap = 100, kUdpNoCheck6Tx = 101, kUdpNoCheck6Rx = 102, kUdpSegment = 103,
              kUdpGro = 104;
constexpr int kIcmpFilter = 1;
constexpr std::size_t kMaxOptBuffer = 65536;

socket::SockType sock_type(const core::Socket& s) {
  if (s.kind == core::Kind::Raw) return socket::SockType::Raw;
  return s.kind == core::Kind::Tcp ? socket::SockType::Stream : socket::SockType::Dgram;
}

socket::SocketFacts ip_facts(core::Stack& st, const core::Socket& s) {
  socket::SocketFacts f;
  f.type = sock_type(s);
  f.protocol = s.protocol;
  f.connected = s.kind == core::Kind::Raw ? s.raw_peer.has_value() : s.connected;
  f.path_mtu = s.cached_path_mtu;
  if (s.kind == core::Kind::Udp)
    if (const auto* b = st.udp_binding(s)) f.local_port = b->local_port;
  if (s.kind == core::Kind::Tcp) {
    // A connection's route is its sk_dst_cache (IP_MTU reads it).
    // tcp_done keeps sk_dst_cache; tcp_disconnect drops it (the connection goes).
    f.connected = s.tcp->conn != nullptr;
    f.path_mtu = f.connected ? st.tcp_path_mtu(s) : 0;
    if (const auto* e = st.tcp_table().entry(s.id)) {
      f.local_port = e->local_port;
      e->local_addr.write(f.rcv_saddr);
    }
    f.mc_index = s.mc.mc_index;
    f.rcv_tos = s.tcp->rcv_tos;
  }
  f.default_ttl = st.sysctls().ip_default_ttl();
  f.no_pmtu_disc = st.sysctls().ip_no_pmtu_disc() != 0;
  f.cap_net_admin = st.caps().net_admin;
  f.cap_net_raw = st.caps().net_raw;
  f.options_ctx.cap_net_raw = st.caps().net_raw;
  const auto* routes = &st.routes();
  f.options_ctx.addr_not_unicast = [routes](std::span<const std::uint8_t, 4> b) {
    return routes->addr_type(wire::Ipv4Address(b[0], b[1], b[2], b[3])) != ipv4::RouteType::kUnicast;
  };
  return f;
}

sol_socket::SolSocketFacts sol_facts(core::Stack& st, const core::Socket& s) {
  sol_socket::SolSocketFacts f;
  f.type = s.type;
  f.protocol = s.protocol;
  f.cap_net_admin = st.caps().net_admin;
  f.cap_net_raw = st.caps().net_raw;
  f.listening = s.kind == core::Kind::Tcp && s.tcp->listening;
  for (const auto& i : st.routes().interfaces()) f.devices.push_back({i.index, i.name});
  return f;
}

tcp::SockoptFacts tcp_facts(const core::Stack& st, const core::Socket& s) {
  tcp::SockoptFacts f;
  const auto& t = *s.tcp;
  const auto state = t.conn ? t.conn->state() : tcp::State::Closed;
  f.closed_or_listening = t.listening || state == tcp::State::Closed;
  if (t.conn && state != tcp::State::Closed) f.mss_cache = t.conn->mss();
  const auto set = st.tcp_settings();
  f.sysctl_syn_retries = set.syn_retries;
  f.sysctl_keepalive_time_s = set.keepalive_time_s;
  f.sysctl_keepalive_intvl_s = set.keepalive_intvl_s;
  f.sysctl_keepalive_probes = set.keepalive_probes;
  f.sysctl_fin_timeout_s = set.fin_timeout_s;
  return f;
}

mcast::McastSockFacts mc_facts(const core::Socket& s) {
  mcast::McastSockFacts f;
  f.type = sock_type(s);
  f.bound_dev_if = s.sol.bound_dev_if;
  return f;
}

// do_ip_setsockopt IP_IPSEC_POLICY / IP_XFRM_POLICY: CAP_NET_ADMIN first,
// then xfrm_user_policy: optlen <= 0 or > PAGE_SIZE is EMSGSIZE. This stack
// has no IPsec: the key managers' compile_policy answers as Linux's
// xfrm_user does without af_key (IP_IPSEC_POLICY: EOPNOTSUPP; an
// IP_XFRM_POLICY that is not a valid xfrm_userpolicy_info: EINVAL).
constexpr int kPageSize = 4096;
int xfrm_policy_set(bool cap_net_admin, int optname, int optlen) {
  if (!cap_net_admin) return EPERM;
  if (optlen <= 0 || optlen > kPageSize) return EMSGSIZE;
  return optname == socket::ipopt::kXfrmPolicy ? EINVAL : EOPNOTSUPP;
}
}  // namespace

long Syscalls::setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  const int optlen = static_cast<int>(len);
  if (optlen < 0) return -EINVAL;
  std::vector<std::uint8_t> buf;
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(optlen), kMaxOptBuffer);
  if (n && read_user(value, n, buf)) {
    // Options read fewer bytes than optlen; read what is there, the option
    // layer reports EFAULT if it needs more.
    buf.clear();
    for (std::size_t want = n; want > 0 && buf.empty(); want /= 2)
      if (read_user(value, want, buf)) buf.clear();
  }
  socket::SockoptResult r;
  if (level == kSolSocket) {
    const auto sr = sol_socket::sol_setsockopt(s->sol, sol_facts(stack_, *s), name, buf, optlen);
    if (sr.err == 0) stack_.sync_port_options(*s);
    if (sr.err == 0 && s->kind == core::Kind::Tcp) stack_.tcp_sync_options(*s);
    return -sr.err;
  }
  if (s->kind == core::Kind::Tcp && level == kSolTcp) {
    auto& t = *s->tcp;
    tcp::Options& o = t.conn ? t.conn->options() : t.opts;
    const auto tr = tcp::tcp_setsockopt(o, name, buf, optlen);
    if (t.conn) t.opts = o;
    stack_.tcp_sync_options(*s);
    return -tr.err;
  }
  if (s->kind == core::Kind::Udp && (level == kSolUdp || level == IPPROTO_UDPLITE)) {
    // udp_lib_setsockopt
    if (optlen < static_cast<int>(sizeof(int))) return -EINVAL;
    switch (name) {
      case kUdpCork: case kUdpEncap: case kUdpNoCheck6Tx: case kUdpNoCheck6Rx: case kUdpSegment: case kUdpGro:
        return 0;
      default:
        return -ENOPROTOOPT;
    }
  }
  if (s->kind == core::Kind::Raw && level == kSolRaw) {
    // do_raw_setsockopt: ICMP_FILTER on an ICMP raw socket only.
    if (name != kIcmpFilter) return -ENOPROTOOPT;
    if (s->protocol != IPPROTO_ICMP) return -EOPNOTSUPP;
    if (optlen < 0) return -EINVAL;
    if (buf.size() < 4 && optlen > 0) return -EFAULT;
    return 0;
  }
  if (level == kSolIp && (name == socket::ipopt::kIpsecPolicy || name == socket::ipopt::kXfrmPolicy))
    return -xfrm_policy_set(stack_.caps().net_admin, name, optlen);
  if (level == kSolIp && mcast::is_mcast_sockopt(name)) {
    r = mcast::mcast_setsockopt(stack_.mcast(), s->mc, mc_facts(*s), name, buf, optlen, stack_.now());
    stack_.flush_igmp();
    return -r.err;
  }
  r = socket::ip_setsockopt(s->ip, ip_facts(stack_, *s), level, name, buf, optlen);
  if (r.err == 0 && level == kSolIp) {
    if (name == socket::ipopt::kTos) s->sol.priority = s->ip.sk_priority;
    if (name == socket::ipopt::kOptions) s->ip_options_set = true;
  }
  if (r.err == 0 && s->kind == core::Kind::Tcp) stack_.tcp_sync_options(*s);
  return -r.err;
}

long Syscalls::getsockopt(int fd, int level, int name, void* value, socklen_t* lenp) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  int len = 0;
  if (copy_from_user(&len, lenp, sizeof len)) return -EFAULT;
  socket::SockoptResult r;
  if (level == kSolSocket) {
    auto sr = sol_socket::sol_getsockopt(s->sol, sol_facts(stack_, *s), name, len);
    r = {sr.err, std::move(sr.value), sr.optlen};
  } else if (s->kind == core::Kind::Tcp && level == kSolTcp) {
    const auto& t = *s->tcp;
    auto tr = tcp::tcp_getsockopt(t.conn ? t.conn->options() : t.opts, tcp_facts(stack_, *s), name, len);
    r = {tr.err, std::move(tr.value), tr.optlen};
  } else if (s->kind == core::Kind::Udp && (level == kSolUdp || level == IPPROTO_UDPLITE)) {
    if (len < 0) return -EINVAL;
    return -ENOPROTOOPT;
  } else if (s->kind == core::Kind::Raw && level == kSolRaw) {
    if (name != kIcmpFilter) return -ENOPROTOOPT;
    if (s->protocol != IPPROTO_ICMP) return -EOPNOTSUPP;
    if (len < 0) return -EINVAL;
    r.value.assign(std::min(len, 4), 0);
    r.optlen = std::min(len, 4);
  } else if (level == kSolIp && mcast::is_mcast_sockopt(name)) {
    std::vector<std::uint8_t> before;
    if (len > 0) {
      const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(len), kMaxOptBuffer);
      if (read_user(value, n, before)) before.clear();
    }
    r = mcast::mcast_getsockopt(stack_.mcast(), s->mc, mc_facts(*s), name, before, len);
  } else {
    r = socket::ip_getsockopt(s->ip, ip_facts(stack_, *s), level, name, len);
  }
  // The option layers answer EFAULT for a copy that runs past the caller's
  // buffer; like the kernel (put_user of optlen, then copy_to_user) the
  // length and the bytes that fit are written all the same.
  if (r.err && r.err != EFAULT) return -r.err;
  if (copy_to_user(lenp, &r.optlen, sizeof r.optlen)) return -EFAULT;
  if (!r.value.empty() && copy_to_user(value, r.value.data(), r.value.size())) return -EFAULT;
  return -r.err;
}

}  // namespace ipc::stack::api
