// sendto/sendmsg and recvfrom/recvmsg: ____sys_sendmsg/____sys_recvmsg,
// inet_sendmsg (autobind), udp_sendmsg/raw_sendmsg argument checks,
// udp_recvmsg/raw_recvmsg, ip_recv_error.
#include <netinet/in.h>

#include <cerrno>
#include <climits>
#include <memory>

#include "stack/api/sockaddr_in.hpp"
#include "stack/api/syscalls.hpp"
#include "stack/api/user_memory.hpp"
#include "stack/cmsg/errqueue.hpp"
#include "stack/cmsg/send_cmsgs.hpp"

namespace ipc::stack::api {

namespace {
constexpr std::size_t kOptmemMax = 131072;  // net.core.optmem_max

cmsg::SolSocketRecvFlags recv_flags(const core::Socket& s) {
  cmsg::SolSocketRecvFlags f;
  f.rcvtstamp = s.sol.rcvtstamp;
  f.rcvtstampns = s.sol.rcvtstampns;
  f.tstamp_new = s.sol.tstamp_new;
  return f;
}

std::int64_t ns_since_epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

cmsg::DatagramMeta meta_of(const core::Datagram& d, bool raw) {
  cmsg::DatagramMeta m;
  m.ifindex = d.ifindex;
  m.spec_dst = d.spec_dst;
  m.daddr = d.dst;
  m.saddr = d.src;
  m.ttl = d.ttl;
  m.tos = d.tos;
  m.options = d.options;
  if (!d.options.empty()) m.echo_options = d.echo_options;
  if (!raw) m.dst_port = d.dst_port;
  m.frag_max_size = d.frag_max_size;
  m.tstamp_ns = ns_since_epoch(d.wall_stamp);
  return m;
}

// sockaddr_in to the caller's msg_name: min(namelen, 16) bytes, namelen 16.
int put_name(msghdr& msg, wire::Ipv4Address addr, std::uint16_t port) {
  if (!msg.msg_name) return 0;
  const auto bytes = sockaddr_bytes(addr, port);
  const int len = std::min(static_cast<int>(msg.msg_namelen), kSockaddrInLen);
  if (len > 0 && copy_to_user(msg.msg_name, bytes.data(), static_cast<std::size_t>(len))) return -EFAULT;
  msg.msg_namelen = kSockaddrInLen;
  return 0;
}
}  // namespace

long Syscalls::send_common(core::Socket& s, const void* buf, size_t len, int flags, const void* name, long namelen,
                           const void* control, size_t controllen) {
  // ____sys_sendmsg copies the control buffer before the protocol runs.
  std::vector<std::uint8_t> ctl;
  if (controllen > INT_MAX) return -ENOBUFS;
  if (controllen) {
    if (const int err = cmsg::check_send_controllen(controllen, kOptmemMax)) return -err;
    if (read_user(control, controllen, ctl)) return -EFAULT;
  }
  std::vector<std::uint8_t> data;
  if (len && read_user(buf, len, data)) return -EFAULT;
  // tcp_sendmsg ignores msg_name (no Fast Open here) and takes SOL_SOCKET
  // control messages only (sock_cmsg_send).
  if (s.kind == core::Kind::Tcp) return stream_send(s, data, flags);

  core::SendRequest r;
  r.data = data;
  r.flags = flags;
  const bool udp = s.kind == core::Kind::Udp;
  const bool ping = s.kind == core::Kind::Ping;
  if (udp) {
    if (const int err = stack_.udp_autobind(s)) return err;  // inet_send_prepare
  }
  if (ping) {
    // inet_send_prepare: inet_autobind (ping_get_port(sk, 0)).
    if (const int err = stack_.ping_autobind(s)) return err;
    // ping_common_sendmsg: the size, a whole ICMP header, MSG_OOB, then
    // ping_supported: ICMP_ECHO or ICMP_EXT_ECHO with code 0.
    if (len > 0xFFFF) return -EMSGSIZE;
    if (len < 8) return -EINVAL;
    if (flags & MSG_OOB) return -EOPNOTSUPP;
    if ((data[0] != 8 && data[0] != 42) || data[1] != 0) return -EINVAL;
  }
  if (len > 0xFFFF) return -EMSGSIZE;
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  if (s.shut_wr && !ping) return -EPIPE;  // ping: sock_alloc_send_skb, later
  std::vector<std::uint8_t> a;
  if (name) {
    if (namelen > 0 && read_user(name, static_cast<std::size_t>(namelen), a)) return -EFAULT;
    if (namelen < kSockaddrInLen) return -EINVAL;
    const SockaddrIn sin = parse_sockaddr(a);
    // udp_sendmsg accepts AF_UNSPEC; raw_sendmsg anything with family 0;
    // ping_v4_sendmsg only AF_INET.
    if (sin.family != AF_INET && (ping || sin.family != AF_UNSPEC)) return -EAFNOSUPPORT;
    r.dst = sin.addr;
    r.dst_port = sin.port;
    if (udp && sin.port == 0) return -EINVAL;
  } else {
    const bool connected = (udp || ping) ? s.connected : s.raw_peer.has_value();
    if (!connected) return -EDESTADDRREQ;
  }
  if (!ctl.empty() || controllen) {
    cmsg::SendFacts f;
    f.cap_net_raw = stack_.caps().net_raw;
    f.cap_net_admin = stack_.caps().net_admin;
    f.options_ctx.cap_net_raw = stack_.caps().net_raw;
    const auto* routes = &stack_.routes();
    f.options_ctx.addr_not_unicast = [routes](std::span<const std::uint8_t, 4> b) {
      return routes->addr_type(wire::Ipv4Address(b[0], b[1], b[2], b[3])) != ipv4::RouteType::kUnicast;
    };
    cmsg::IpcmCookie ipc;
    ipc.oif = s.sol.bound_dev_if;
    ipc.protocol = static_cast<std::uint8_t>(s.protocol);
    const int err = udp ? cmsg::udp_cmsg_send(ctl, f, ipc) : cmsg::ip_cmsg_send(ctl, f, ipc);
    if (err) return -err;
    if (ipc.ttl) r.ttl = ipc.ttl;
    if (ipc.tos >= 0) r.tos = ipc.tos;
    if (ipc.oif != s.sol.bound_dev_if) r.oif = ipc.oif;
    r.spec_src = ipc.addr;
    r.options = ipc.opt;
  }
  long ret = udp ? stack_.udp_send(s, r) : ping ? stack_.ping_send(s, r) : stack_.raw_send(s, r);
  stack_.run_pending();
  return ret;
}

long Syscalls::sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t addrlen) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  if (addr) {
    const int l = static_cast<int>(addrlen);
    if (l < 0 || l > kSockaddrStorageLen) return -EINVAL;  // move_addr_to_kernel
  }
  return send_common(*s, buf, len, flags, addr, addr ? static_cast<int>(addrlen) : 0, nullptr, 0);
}

long Syscalls::sendmsg(int fd, const msghdr* msg, int flags) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  msghdr m{};
  if (copy_from_user(&m, msg, sizeof m)) return -EFAULT;
  int namelen = static_cast<int>(m.msg_namelen);
  if (namelen < 0) return -EINVAL;
  if (namelen > kSockaddrStorageLen) namelen = kSockaddrStorageLen;
  const void* name = (m.msg_name && namelen) ? m.msg_name : nullptr;
  // One iovec is all the probe protocol sends; gather any others.
  std::vector<std::uint8_t> gathered;
  for (std::size_t i = 0; i < m.msg_iovlen; ++i) {
    iovec v{};
    if (copy_from_user(&v, m.msg_iov + i, sizeof v)) return -EFAULT;
    std::vector<std::uint8_t> part;
    if (v.iov_len && read_user(v.iov_base, v.iov_len, part)) return -EFAULT;
    gathered.insert(gathered.end(), part.begin(), part.end());
  }
  return send_common(*s, gathered.data(), gathered.size(), flags, name, namelen, m.msg_control,
                     m.msg_control ? m.msg_controllen : 0);
}

long Syscalls::recv_common(int fd, core::Socket& s, msghdr& msg, int flags) {
  (void)fd;
  const bool raw = s.kind == core::Kind::Raw;
  std::size_t len = 0;
  for (std::size_t i = 0; i < msg.msg_iovlen; ++i) len += msg.msg_iov[i].iov_len;
  const std::int64_t now_ns = ns_since_epoch(std::chrono::system_clock::now());
  if (s.kind == core::Kind::Tcp && !(flags & MSG_ERRQUEUE)) {
    // tcp_recvmsg: no address, no IP control messages.
    // Not zero-filled: only what the stream copies in is read back.
    const std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[len]);
    const long n = stream_recv(s, std::span<std::uint8_t>(buf.get(), len), flags);
    if (n < 0) return n;
    const std::size_t copied = (flags & MSG_TRUNC) ? 0 : static_cast<std::size_t>(n);
    std::size_t off = 0;
    for (std::size_t i = 0; i < msg.msg_iovlen && off < copied; ++i) {
      const std::size_t k = std::min(msg.msg_iov[i].iov_len, copied - off);
      if (k && copy_to_user(msg.msg_iov[i].iov_base, buf.get() + off, k)) return -EFAULT;
      off += k;
    }
    msg.msg_namelen = 0;
    msg.msg_controllen = 0;
    msg.msg_flags = 0;
    return n;
  }
  // raw_recvmsg / ping_recvmsg: MSG_OOB is EOPNOTSUPP.
  if ((raw || s.kind == core::Kind::Ping) && (flags & MSG_OOB)) return -EOPNOTSUPP;
  if (flags & MSG_ERRQUEUE) {
    if (s.errq.empty()) return -EAGAIN;
    const core::QueuedError& q = s.errq.front();
    cmsg::ErrQueueEntry e;
    e.ee = {q.ee_errno, q.origin, q.type, q.code, 0, q.info, q.data};
    e.addr = q.addr;
    e.port = q.port;
    e.payload = q.payload;
    e.meta = meta_of(q.meta, true);
    e.meta.saddr = q.offender;
    if (q.payload.size() >= 4) e.meta.dst_port = static_cast<std::uint16_t>((q.payload[2] << 8) | q.payload[3]);
    auto out = cmsg::ip_recv_error(e, len, msg.msg_control ? msg.msg_controllen : 0, s.ip, recv_flags(s), now_ns);
    if (!out.data.empty() && msg.msg_iovlen && copy_to_user(msg.msg_iov[0].iov_base, out.data.data(), out.data.size()))
      return -EFAULT;
    if (out.name && msg.msg_name) {
      const int l = std::min(static_cast<int>(msg.msg_namelen), kSockaddrInLen);
      if (l > 0 && copy_to_user(msg.msg_name, out.name->data(), static_cast<std::size_t>(l))) return -EFAULT;
      msg.msg_namelen = kSockaddrInLen;
    } else {
      msg.msg_namelen = 0;
    }
    if (!out.control.empty() && copy_to_user(msg.msg_control, out.control.data(), out.control.size())) return -EFAULT;
    msg.msg_controllen = out.controllen;
    msg.msg_flags = out.msg_flags;
    // sock_dequeue_err_skb: sk_err follows the next ICMP error, if any.
    const bool was_icmp = q.origin == 2;
    s.rx_bytes -= std::min(s.rx_bytes, q.truesize);
    s.errq.pop_front();
    const bool icmp_next = !s.errq.empty() && s.errq.front().origin == 2;
    if (icmp_next) s.sol.sk_err = static_cast<int>(s.errq.front().ee_errno);
    else if (was_icmp) s.sol.sk_err = 0;
    return out.ret;
  }
  // __skb_recv_udp / __skb_try_recv_datagram: a pending error first.
  auto take_error = [&]() -> int {
    const int e = s.sol.sk_err;
    s.sol.sk_err = 0;
    return e;
  };
  if (s.sol.sk_err) return -take_error();
  if (s.rx.empty()) {
    if (s.shut_rd) return 0;
    if (s.nonblock || (flags & MSG_DONTWAIT)) return -EAGAIN;
    std::optional<Clock::time_point> deadline;
    if (s.sol.rcvtimeo_jiffies >= 0)
      deadline = stack_.now() + std::chrono::milliseconds(s.sol.rcvtimeo_jiffies * 4);
    wait_([&] { return !s.rx.empty() || s.sol.sk_err || s.shut_rd; }, deadline);
    if (s.sol.sk_err) return -take_error();
    if (s.rx.empty()) return s.shut_rd ? 0 : -EAGAIN;
  }
  const core::Datagram& d = s.rx.front();
  const std::size_t ulen = d.data.size();
  const std::size_t copied = std::min(len, ulen);
  int out_flags = 0;
  if (copied < ulen) out_flags |= MSG_TRUNC;
  // Scatter into the caller's iovecs.
  std::size_t off = 0;
  for (std::size_t i = 0; i < msg.msg_iovlen && off < copied; ++i) {
    const std::size_t n = std::min(msg.msg_iov[i].iov_len, copied - off);
    if (n && copy_to_user(msg.msg_iov[i].iov_base, d.data.data() + off, n)) return -EFAULT;
    off += n;
  }
  if (const int err = put_name(msg, d.src, raw ? 0 : d.src_port)) return err;
  cmsg::DatagramMeta meta = meta_of(d, raw);
  // ping_rcv queues without ipv4_pktinfo_prepare: IP_PKTINFO reads the
  // skb's IPCB as it is, so ipi_spec_dst is IPCB opt.faddr (0 on input).
  if (s.kind == core::Kind::Ping) meta.spec_dst = {};
  auto ctl = cmsg::datagram_recv_control(msg.msg_control ? msg.msg_controllen : 0, s.ip, recv_flags(s),
                                         meta, now_ns);
  if (!ctl.control.empty() && copy_to_user(msg.msg_control, ctl.control.data(), ctl.control.size())) return -EFAULT;
  msg.msg_controllen = ctl.controllen;
  msg.msg_flags = out_flags | ctl.msg_flags;
  s.last_rx_wall = d.wall_stamp;
  const long ret = static_cast<long>((flags & MSG_TRUNC) ? ulen : copied);
  if (!(flags & MSG_PEEK)) {
    s.rx_bytes -= std::min(s.rx_bytes, d.data.size() + core::kSkbTruesizeOverhead);
    s.rx.pop_front();
  }
  return ret;
}

long Syscalls::recvmsg(int fd, msghdr* user_msg, int flags) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  msghdr m{};
  if (copy_from_user(&m, user_msg, sizeof m)) return -EFAULT;
  if (static_cast<int>(m.msg_namelen) < 0) return -EINVAL;
  if (m.msg_namelen > static_cast<socklen_t>(kSockaddrStorageLen)) m.msg_namelen = kSockaddrStorageLen;
  const socklen_t namelen_in = m.msg_namelen;
  m.msg_flags = 0;
  const long ret = recv_common(fd, *s, m, flags);
  if (ret < 0) return ret;
  // What the kernel writes back: namelen, controllen, flags.
  user_msg->msg_namelen = m.msg_name ? m.msg_namelen : 0;
  (void)namelen_in;
  user_msg->msg_controllen = m.msg_controllen;
  user_msg->msg_flags = m.msg_flags;
  return ret;
}

long Syscalls::recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* addr, socklen_t* addrlen) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  iovec v{buf, len};
  msghdr m{};
  m.msg_iov = &v;
  m.msg_iovlen = 1;
  sockaddr_storage name{};
  m.msg_name = addr ? &name : nullptr;
  m.msg_namelen = addr ? sizeof name : 0;
  const long ret = recv_common(fd, *s, m, flags);
  if (ret < 0) return ret;
  if (addr && m.msg_namelen) {
    // move_addr_to_user with the caller's *addrlen.
    int ulen = 0;
    if (copy_from_user(&ulen, addrlen, sizeof ulen)) return -EFAULT;
    if (ulen < 0) return -EINVAL;
    const int n = std::min(ulen, static_cast<int>(m.msg_namelen));
    if (n && copy_to_user(addr, &name, static_cast<std::size_t>(n))) return -EFAULT;
    const int klen = static_cast<int>(m.msg_namelen);
    if (copy_to_user(addrlen, &klen, sizeof klen)) return -EFAULT;
  } else if (addr) {
    const int zero = 0;
    if (copy_to_user(addrlen, &zero, sizeof zero)) return -EFAULT;
  }
  return ret;
}

}  // namespace ipc::stack::api
