// socket, bind, connect, listen, accept, getsockname/getpeername, shutdown,
// close: __sys_socket/__sock_create/inet_create, inet_bind/__inet_bind,
// raw_bind, inet_dgram_connect/__ip4_datagram_connect, inet_getname,
// inet_shutdown.
#include <netinet/in.h>

#include <cerrno>

#include "stack/api/sockaddr_in.hpp"
#include "stack/api/syscalls.hpp"
#include "stack/api/user_memory.hpp"
#include "stack/core/tcp_sock.hpp"

namespace ipc::stack::api {

namespace {
constexpr int kSockTypeMask = 0xf;
constexpr int kSockMax = 11;  // SOCK_PACKET + 1
constexpr int kIpprotoMax = 263;

// move_addr_to_kernel: a length outside 0..sizeof(sockaddr_storage) is
// EINVAL before anything is read.
int addr_from_user(const sockaddr* addr, socklen_t len, std::vector<std::uint8_t>& out) {
  const int ilen = static_cast<int>(len);
  if (ilen < 0 || ilen > kSockaddrStorageLen) return -EINVAL;
  if (ilen == 0) {
    out.clear();
    return 0;
  }
  return read_user(addr, static_cast<std::size_t>(ilen), out);
}

}  // namespace

Syscalls::Syscalls(core::Stack& stack, Waiter wait) : stack_(stack), wait_(std::move(wait)) {}

long Syscalls::socket(int domain, int type, int protocol) {
  // __sys_socket: flags beyond SOCK_NONBLOCK|SOCK_CLOEXEC are EINVAL.
  const int flags = type & ~kSockTypeMask;
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
  type &= kSockTypeMask;
  // __sock_create
  if (domain < 0 || domain >= 46) return -EAFNOSUPPORT;
  if (type < 0 || type >= kSockMax) return -EINVAL;
  if (domain != AF_INET) return -EAFNOSUPPORT;  // this stack has IPv4 only
  // AF_INET + SOCK_PACKET is turned into PF_PACKET (packet_create needs
  // CAP_NET_RAW); this stack has no packet sockets.
  if (type == SOCK_PACKET) return caps_raw_or(-EPERM, -ESOCKTNOSUPPORT);
  // inet_create
  if (protocol < 0 || protocol >= kIpprotoMax) return -EINVAL;
  auto s = std::make_unique<core::Socket>();
  s->type = type;
  s->nonblock = flags & SOCK_NONBLOCK;
  switch (type) {
    case SOCK_STREAM:
      // inetsw[SOCK_STREAM] holds TCP only.
      if (protocol != 0 && protocol != IPPROTO_TCP) return -EPROTONOSUPPORT;
      s->protocol = IPPROTO_TCP;
      s->kind = core::Kind::Tcp;
      break;
    case SOCK_DGRAM:
      if (protocol == 0 || protocol == IPPROTO_UDP) {
        s->protocol = IPPROTO_UDP;
        s->kind = core::Kind::Udp;
      } else if (protocol == IPPROTO_ICMP) {
        // ping_init_sock: the caller's egid or a supplementary group must
        // lie in net.ipv4.ping_group_range; the probe runs with gid 0 only
        // (the default "1 0" admits no group).
        const auto range = stack_.sysctls().ping_group_range();
        if (!(range.low <= 0 && 0 <= range.high)) return -EACCES;
        s->protocol = IPPROTO_ICMP;
        s->kind = core::Kind::Ping;
      } else {
        return -EPROTONOSUPPORT;
      }
      break;
    case SOCK_RAW:
      // inetsw's raw entry is a wildcard that protocol 0 does not match.
      if (protocol == 0) return -EPROTONOSUPPORT;
      if (!stack_.caps().net_raw) return -EPERM;
      s->protocol = protocol;
      s->kind = core::Kind::Raw;
      s->ip.hdrincl = protocol == IPPROTO_RAW;
      break;
    default:
      return -ESOCKTNOSUPPORT;
  }
  socket::SocketFacts facts;
  facts.type = s->kind == core::Kind::Raw   ? socket::SockType::Raw
               : s->kind == core::Kind::Tcp ? socket::SockType::Stream
                                            : socket::SockType::Dgram;
  facts.protocol = s->protocol;
  // inet_create: sysctl_ip_no_pmtu_disc picks DONT over WANT (initial_ip_options).
  facts.no_pmtu_disc = stack_.sysctls().ip_no_pmtu_disc() != 0;
  const bool hdrincl = s->ip.hdrincl;
  s->ip = socket::initial_ip_options(facts);
  s->ip.hdrincl = hdrincl;
  sol_socket::SolSocketFacts sf;
  sf.type = type;
  sf.protocol = s->protocol;
  s->sol = sol_socket::initial_sol_state(sf);
  return stack_.open_socket(std::move(s));
}

long Syscalls::caps_raw_or(long without, long with) const { return stack_.caps().net_raw ? with : without; }

long Syscalls::bind(int fd, const sockaddr* addr, socklen_t len) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  std::vector<std::uint8_t> a;
  if (const int err = addr_from_user(addr, len, a)) return err;
  if (static_cast<int>(len) < kSockaddrInLen) return -EINVAL;
  const SockaddrIn sin = parse_sockaddr(a);
  const bool nonlocal = stack_.sysctls().ip_nonlocal_bind() || s->ip.freebind || s->ip.transparent;
  if (s->kind == core::Kind::Raw) {
    // raw_bind: no family check.
    if (s->raw_peer) return -EINVAL;
    if (!stack_.routes().bind_address_ok(sin.addr, nonlocal)) return -EADDRNOTAVAIL;
    s->raw_local = sin.addr;
    return 0;
  }
  if (s->kind == core::Kind::Ping) {
    // ping_bind -> ping_check_bind_addr: AF_UNSPEC passes only with
    // INADDR_ANY; the address checks and the ident are ping_bind's.
    if (sin.family != AF_INET && (sin.family != AF_UNSPEC || !sin.addr.is_unspecified())) return -EAFNOSUPPORT;
    return stack_.ping_bind(*s, sin.addr, sin.port, nonlocal);
  }
  // __inet_bind: AF_UNSPEC passes only with INADDR_ANY.
  if (sin.family != AF_INET && (sin.family != AF_UNSPEC || !sin.addr.is_unspecified())) return -EAFNOSUPPORT;
  if (!stack_.routes().bind_address_ok(sin.addr, nonlocal)) return -EADDRNOTAVAIL;
  if (s->kind == core::Kind::Tcp) return stack_.tcp_bind(*s, sin.addr, sin.port);
  return stack_.udp_bind(*s, sin.addr, sin.port);
}

long Syscalls::connect(int fd, const sockaddr* addr, socklen_t len) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  std::vector<std::uint8_t> a;
  if (const int err = addr_from_user(addr, len, a)) return err;
  // inet_dgram_connect / inet_stream_connect
  if (static_cast<int>(len) < 2) return -EINVAL;
  const SockaddrIn sin = parse_sockaddr(a);
  if (s->kind == core::Kind::Tcp) {
    if (sin.family == AF_UNSPEC) {
      const int err = stack_.tcp_disconnect(*s);
      s->tcp->sock_state = err ? core::SockState::Disconnecting : core::SockState::Unconnected;
      stack_.run_pending();
      return err;
    }
    return stream_connect(*s, sin, static_cast<int>(len));
  }
  if (sin.family == AF_UNSPEC) {
    if (s->kind == core::Kind::Raw) {
      // __udp_disconnect: the address a connect chose goes, and the
      // socket is unhashed (inet_sport 0).
      s->raw_peer.reset();
      s->peer_port = 0;
      if (s->raw_local_from_connect) s->raw_local = {};
      s->raw_local_from_connect = false;
      s->raw_unhashed_port = true;
      s->raw_unhashed = true;
      return 0;
    }
    if (s->kind == core::Kind::Ping) return stack_.ping_disconnect(*s);
    return stack_.udp_disconnect(*s);
  }
  if (s->kind == core::Kind::Ping) {
    // ping_pre_connect: a short address is EINVAL before inet_autobind.
    if (static_cast<int>(len) < kSockaddrInLen) return -EINVAL;
    if (stack_.ping_autobind(*s)) return -EAGAIN;
    // ip4_datagram_connect -> __ip4_datagram_connect.
    if (sin.family != AF_INET) return -EAFNOSUPPORT;
    return stack_.ping_connect(*s, sin.addr, sin.port);
  }
  if (s->kind == core::Kind::Udp) {
    if (const int err = stack_.udp_autobind(*s)) return err;
  }
  // __ip4_datagram_connect
  if (static_cast<int>(len) < kSockaddrInLen) return -EINVAL;
  if (sin.family != AF_INET) return -EAFNOSUPPORT;
  if (s->kind == core::Kind::Raw) {
    const int err = stack_.raw_connect(*s, sin.addr);
    if (err == 0) {
      s->peer_port = sin.port;  // inet_dport, even on a raw socket
      s->raw_unhashed = false;  // a connected raw socket receives again
    }
    return err;
  }
  return stack_.udp_connect(*s, sin.addr, sin.port);
}

long Syscalls::listen(int fd, int backlog) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  if (s->kind != core::Kind::Tcp) return -EOPNOTSUPP;  // sock_no_listen
  return stack_.tcp_listen(*s, backlog);
}

long Syscalls::accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;
  if (s->kind != core::Kind::Tcp) return -EOPNOTSUPP;  // sock_no_accept
  return stream_accept(*s, addr, len, flags);
}

long Syscalls::getsockname(int fd, sockaddr* addr, socklen_t* len) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  wire::Ipv4Address a;
  std::uint16_t port = 0;
  if (s->kind == core::Kind::Raw) {
    a = s->raw_local;
    // inet_create hashes a raw socket with inet_sport = protocol;
    // __udp_disconnect unhashes it (port 0).
    port = s->raw_unhashed_port ? 0 : static_cast<std::uint16_t>(s->protocol);
  } else if (s->kind == core::Kind::Ping) {
    // inet_getname: inet_rcv_saddr and inet_sport (the echo ident).
    a = s->raw_local;
    port = s->ping_ident;
  } else if (s->kind == core::Kind::Tcp) {
    if (const auto* e = stack_.tcp_table().entry(s->id)) {
      // inet_rcv_saddr and inet_sport (kept after an autobound port is released).
      a = e->local_addr;
      port = e->sport;
    }
  } else if (const auto* b = stack_.udp_binding(*s)) {
    a = b->local_addr;
    port = b->local_port;
  }
  return put_sockaddr(sockaddr_bytes(a, port), addr, len);
}

long Syscalls::getpeername(int fd, sockaddr* addr, socklen_t* len) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  if (s->kind == core::Kind::Tcp) {
    // inet_getname: ENOTCONN without a peer port, or in CLOSE or SYN_SENT.
    const auto& c = s->tcp->conn;
    if (!c || c->state() == tcp::State::Closed || c->state() == tcp::State::SynSent) return -ENOTCONN;
    const auto& ep = c->endpoints();
    return put_sockaddr(sockaddr_bytes(ep.remote, ep.remote_port), addr, len);
  }
  // inet_getname: no destination port means not connected (a raw socket
  // keeps the port its connect() named).
  const bool connected = s->kind == core::Kind::Raw ? s->raw_peer.has_value() : s->connected;
  if (!connected || s->peer_port == 0) return -ENOTCONN;
  return put_sockaddr(sockaddr_bytes(s->peer, s->peer_port), addr, len);
}

long Syscalls::shutdown(int fd, int how) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  // inet_shutdown: how is 0..2.
  if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
  if (s->kind == core::Kind::Tcp) {
    const int err = stack_.tcp_shutdown(*s, how);
    stack_.run_pending();
    return err;
  }
  const bool connected = s->kind == core::Kind::Raw ? s->raw_peer.has_value() : s->connected;
  if (how != SHUT_WR) s->shut_rd = true;
  if (how != SHUT_RD) s->shut_wr = true;
  // An unconnected datagram socket (TCP_CLOSE) says ENOTCONN but is shut
  // down all the same.
  return connected ? 0 : -ENOTCONN;
}

long Syscalls::close(int fd) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  // inet_release with SO_LINGER on and a time: tcp_close waits
  // (sk_stream_wait_close) while the FIN is unacknowledged, non-blocking or not.
  const bool linger = s->kind == core::Kind::Tcp && s->sol.linger && s->sol.lingertime_jiffies > 0;
  const auto linger_ms = std::chrono::milliseconds(s->sol.lingertime_jiffies * 4);
  const std::uint64_t id = s->id;
  stack_.close_socket(fd);
  stack_.run_pending();
  if (linger) {
    auto closing = [&] {
      const core::Socket* o = stack_.tcp_socket_by_id(id);
      if (!o || !o->tcp || !o->tcp->conn) return false;
      const auto st = o->tcp->conn->state();
      return st == tcp::State::FinWait1 || st == tcp::State::Closing || st == tcp::State::LastAck;
    };
    if (closing()) wait_([&] { return !closing(); }, stack_.now() + linger_ms);
  }
  return 0;
}

void Syscalls::close_all() {
  for (int fd : stack_.descriptors()) stack_.close_socket(fd);
}

}  // namespace ipc::stack::api
