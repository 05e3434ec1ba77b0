// Ping sockets (SOCK_DGRAM + IPPROTO_ICMP), after net/ipv4/ping.c: the echo
// identifier is the socket's "port" (ping_get_port, ping_bind, inet_autobind),
// connect and disconnect are the datagram ones (ip4_datagram_connect,
// __udp_disconnect), and ping_v4_sendmsg sends the caller's echo request
// with the identifier replaced and the checksum filled in. Receiving (ping_rcv,
// ping_lookup) and errors (ping_err) are in icmp.cpp.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "stack/core/stack.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/wire/checksum.hpp"

namespace ipc::stack::core {

namespace {
constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::size_t kIcmpHeaderLen = 8;  // sizeof(struct icmphdr)
constexpr int kMsgProbe = 0x10;            // MSG_PROBE (kernel-internal flag value)
}  // namespace

// ping_get_port: an explicit ident is refused when another socket holds it
// unless both have sk_reuse set; ident 0 takes the first ident after
// ping_port_rover that no socket holds (0 skipped) and moves the rover there.
int Stack::ping_get_port(Socket& s, std::uint16_t ident) {
  auto held = [&](std::uint16_t id, bool check_reuse) {
    for (auto& [fd, sp] : sockets_) {
      const Socket& o = *sp;
      if (&o == &s || o.kind != Kind::Ping || o.ping_ident != id) continue;
      if (!check_reuse || !o.sol.reuseaddr || !s.sol.reuseaddr) return true;
    }
    return false;
  };
  if (ident == 0) {
    std::uint16_t result = static_cast<std::uint16_t>(ping_port_rover_ + 1);
    bool found = false;
    for (std::uint32_t i = 0; i < (1u << 16); ++i, ++result) {
      if (result == 0) ++result;  // avoid zero
      if (held(result, false)) continue;
      ping_port_rover_ = ident = result;
      found = true;
      break;
    }
    if (!found) return -EADDRINUSE;
  } else if (held(ident, true)) {
    return -EADDRINUSE;
  }
  s.ping_ident = ident;
  return 0;
}

// ping_bind: ping_check_bind_addr (INADDR_ANY passes; otherwise the address
// must be RTN_LOCAL, or non-local binding allowed, and never multicast or
// broadcast), then EINVAL if already bound, then ping_get_port and
// ping_set_saddr. The address and an explicit ident lock the binding.
int Stack::ping_bind(Socket& s, Ipv4Address addr, std::uint16_t ident, bool nonlocal) {
  if (!addr.is_unspecified()) {
    const auto type = routes_.addr_type(addr);
    if (type == ipv4::RouteType::kMulticast || type == ipv4::RouteType::kBroadcast ||
        (type != ipv4::RouteType::kLocal && !nonlocal))
      return -EADDRNOTAVAIL;
  }
  if (s.ping_ident != 0) return -EINVAL;
  if (ping_get_port(s, ident) != 0) return -EADDRINUSE;
  s.raw_local = addr;  // inet_rcv_saddr = inet_saddr
  s.ping_addr_lock = !addr.is_unspecified();
  if (ident) s.ping_port_lock = true;
  // inet_daddr = inet_dport = 0.
  s.connected = false;
  s.peer = {};
  s.peer_port = 0;
  return 0;
}

// inet_autobind (from inet_dgram_connect and inet_send_prepare): get_port(sk, 0)
// when inet_num is 0; a failure is EAGAIN.
int Stack::ping_autobind(Socket& s) {
  if (s.ping_ident != 0) return 0;
  return ping_get_port(s, 0) ? -EAGAIN : 0;
}

// __ip4_datagram_connect: the route from the bound source (or the multicast
// interface's), EACCES for a broadcast route without SO_BROADCAST; an unset
// local address becomes the route's source.
int Stack::ping_connect(Socket& s, Ipv4Address addr, std::uint16_t port) {
  ipv4::OutputFlags flags;
  flags.any_src = s.ip.transparent;
  auto rt = socket_route(s, addr, addr, s.raw_local, s.sol.bound_dev_if, flags);
  if (!rt) return -rt.error();
  if (rt->broadcast && !s.sol.broadcast) return -EACCES;
  if (s.raw_local.is_unspecified()) s.raw_local = rt->src;
  s.connected = true;  // TCP_ESTABLISHED
  s.peer = rt->dst;
  s.peer_port = port;  // inet_dport, though ping has no remote port
  s.cached_path_mtu = dst_mtu(addr, *rt);
  return 0;
}

// __udp_disconnect (ping_prot.disconnect): TCP_CLOSE, no peer; the local
// address goes unless bind locked it, and the ident goes (ping_unhash)
// unless bind named it.
int Stack::ping_disconnect(Socket& s) {
  s.connected = false;
  s.peer = {};
  s.peer_port = 0;
  s.cached_path_mtu = 0;
  if (!s.ping_addr_lock) s.raw_local = {};
  if (!s.ping_port_lock) s.ping_ident = 0;
  return 0;
}

// ping_v4_sendmsg after ping_common_sendmsg (the syscall edge checked the
// length, MSG_OOB, the echo header's type and code and the address): the
// route (ip_route_output_flow), the broadcast check, then ip_append_data
// with ping_getfrag and ping_v4_push_pending_frames.
long Stack::ping_send(Socket& s, const SendRequest& r) {
  Ipv4Address daddr;
  if (r.dst) {
    daddr = *r.dst;
  } else {
    if (!s.connected) return -EDESTADDRREQ;
    daddr = s.peer;
  }
  // ipc.opt: the control message's options, else a copy of inet_opt.
  const socket::CompiledIpOptions* opt =
      r.options ? &*r.options : (s.ip_options_set ? &s.ip.options : nullptr);
  Ipv4Address faddr = daddr;
  if (opt && opt->srr >= 0) {
    if (daddr.is_unspecified()) return -EINVAL;
    faddr = Ipv4Address::from_u32(__builtin_bswap32(opt->faddr));
  }
  // ipcm_init_sk: ipc.addr = inet_saddr; IP_PKTINFO's ipi_spec_dst replaces it.
  Ipv4Address saddr = r.spec_src.is_unspecified() ? s.raw_local : r.spec_src;
  ipv4::OutputFlags flags;
  flags.any_src = s.ip.transparent;  // inet_sk_flowi_flags
  auto rt = socket_route(s, daddr, faddr, saddr, r.oif ? r.oif : s.sol.bound_dev_if, flags);
  if (!rt) return -rt.error();
  if (rt->broadcast && !s.sol.broadcast) return -EACCES;

  // ip_append_data: MSG_PROBE appends nothing, and
  // ping_v4_push_pending_frames finds an empty write queue.
  if (r.flags & kMsgProbe) return static_cast<long>(r.data.size());

  // __ip_append_data: the rules of any datagram socket; the length
  // includes the ICMP header. Then SEND_SHUTDOWN (sock_alloc_send_pskb).
  OutputArgs a;
  DatagramSend d{daddr, faddr, s.peer_port, kProtoIcmp, r.data.size(), opt};
  if (const int err = prepare_datagram(s, r, *rt, d, a)) return err;
  if (s.shut_wr) return -EPIPE;

  // ping_v4_sendmsg builds the header: the caller's type, code and
  // sequence, the socket's ident (inet_sport), checksum 0; ping_getfrag
  // copies the rest and ping_v4_push_pending_frames folds the checksum
  // over header and data.
  std::vector<std::uint8_t> icmp(r.data.begin(), r.data.end());
  icmp[2] = icmp[3] = 0;
  icmp[4] = static_cast<std::uint8_t>(s.ping_ident >> 8);
  icmp[5] = static_cast<std::uint8_t>(s.ping_ident);
  const std::uint16_t sum = wire::internet_checksum(icmp);
  icmp[2] = static_cast<std::uint8_t>(sum >> 8);
  icmp[3] = static_cast<std::uint8_t>(sum);

  a.payload = icmp;
  if (const int err = ip_output(a); err) return err;
  return static_cast<long>(r.data.size());
}

}  // namespace ipc::stack::core
