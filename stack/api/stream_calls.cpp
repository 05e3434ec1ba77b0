// The stream socket calls that can block: inet_stream_connect,
// inet_accept, tcp_sendmsg and tcp_recvmsg's waits (sk_stream_wait_connect,
// sk_stream_wait_memory, sk_wait_data), driven through the Waiter.
#include <netinet/in.h>

#include <cerrno>

#include "stack/api/sockaddr_in.hpp"
#include "stack/api/syscalls.hpp"
#include "stack/api/user_memory.hpp"
#include "stack/core/tcp_sock.hpp"

namespace ipc::stack::api {

namespace {
using core::SockState;

bool connecting(const core::Socket& s) {
  const auto& c = s.tcp->conn;
  return c && (c->state() == tcp::State::SynSent || c->state() == tcp::State::SynReceived);
}

bool closed(const core::Socket& s) {
  return !s.tcp->conn || s.tcp->conn->state() == tcp::State::Closed;
}

// sock_sndtimeo / sock_rcvtimeo: none for a non-blocking call; jiffies at
// HZ=250 (4 ms each); kNoTimeout: wait for ever.
std::optional<Clock::time_point> deadline_of(core::Stack& st, long long jiffies) {
  if (jiffies < 0) return std::nullopt;
  return st.now() + std::chrono::milliseconds(jiffies * 4);
}
}  // namespace

long Syscalls::stream_connect(core::Socket& s, const SockaddrIn& sin, int addrlen) {
  core::TcpSock& t = *s.tcp;
  long err = 0;
  switch (t.sock_state) {
    case SockState::Connected:
      return -EISCONN;
    case SockState::Connecting:
      err = -EALREADY;
      break;
    case SockState::Unconnected: {
      if (t.listening || !closed(s)) return -EISCONN;
      // tcp_v4_connect's own checks.
      if (addrlen < kSockaddrInLen) return -EINVAL;
      if (sin.family != AF_INET) return -EAFNOSUPPORT;
      if (const int e = stack_.tcp_connect(s, sin.addr, sin.port)) return e;
      t.sock_state = SockState::Connecting;
      // The SYN is on its way; over loopback even the answer comes after
      // this call (netif_rx), so a non-blocking connect is in progress.
      if (s.nonblock) return -EINPROGRESS;
      err = -EINPROGRESS;
      break;
    }
    default:
      return -EINVAL;
  }
  stack_.run_pending();
  if (connecting(s)) {
    if (s.nonblock) return err;
    const bool done = wait_([&] { return !connecting(s); }, deadline_of(stack_, s.sol.sndtimeo_jiffies));
    if (!done) return err;
  }
  if (closed(s)) {
    // sock_error: sk_err, else ECONNABORTED; the socket can connect again.
    const int e = stack_.tcp_take_error(s);
    t.sock_state = SockState::Unconnected;
    stack_.tcp_disconnect(s);
    return e ? -e : -ECONNABORTED;
  }
  t.sock_state = SockState::Connected;
  return 0;
}

long Syscalls::stream_accept(core::Socket& l, sockaddr* addr, socklen_t* len, int flags) {
  // inet_csk_accept.
  if (!l.tcp->listening) return -EINVAL;
  stack_.run_pending();
  if (l.tcp->accept_queue.empty()) {
    if (l.nonblock) return -EAGAIN;
    const bool ready = wait_([&] { return !l.tcp->listening || !l.tcp->accept_queue.empty(); },
                             deadline_of(stack_, l.sol.rcvtimeo_jiffies));
    if (!l.tcp->listening) return -EINVAL;
    if (!ready) return -EAGAIN;
  }
  auto child = stack_.tcp_accept(l);
  if (!child) return -EAGAIN;
  child->nonblock = flags & SOCK_NONBLOCK;
  const auto& ep = child->tcp->conn->endpoints();
  const auto name = sockaddr_bytes(ep.remote, ep.remote_port);
  const int fd = stack_.install_socket(std::move(child));
  if (addr) {
    // move_addr_to_user; a failure loses the connection (the new file is put).
    if (const long e = put_sockaddr(name, addr, len)) {
      stack_.close_socket(fd);
      stack_.run_pending();
      return e;
    }
  }
  return fd;
}

long Syscalls::stream_send(core::Socket& s, std::span<const std::uint8_t> data, int flags) {
  const bool nonblock = s.nonblock || (flags & MSG_DONTWAIT);
  std::size_t copied = 0;
  for (;;) {
    const long n = stack_.tcp_send(s, data.subspan(copied), flags);
    stack_.run_pending();
    if (n > 0) {
      copied += static_cast<std::size_t>(n);
      if (copied == data.size()) return static_cast<long>(copied);
      continue;
    }
    if (n == 0) return static_cast<long>(copied);
    if (n != -EAGAIN || nonblock) return copied ? static_cast<long>(copied) : n;
    // sk_stream_wait_memory / sk_stream_wait_connect.
    auto ready = [&] {
      const auto& c = s.tcp->conn;
      if (s.sol.sk_err || s.shut_wr || !c) return true;
      const auto st = c->state();
      if (st == tcp::State::SynSent || st == tcp::State::SynReceived) return false;
      return c->send_space() > 0 || (st != tcp::State::Established && st != tcp::State::CloseWait);
    };
    if (!wait_(ready, deadline_of(stack_, s.sol.sndtimeo_jiffies)))
      return copied ? static_cast<long>(copied) : -EAGAIN;
  }
}

long Syscalls::stream_recv(core::Socket& s, std::span<std::uint8_t> out, int flags) {
  const bool nonblock = s.nonblock || (flags & MSG_DONTWAIT);
  const bool waitall = (flags & MSG_WAITALL) && !(flags & MSG_PEEK);
  std::size_t copied = 0;
  for (;;) {
    const long n = stack_.tcp_recv(s, out.subspan(copied), flags);
    stack_.run_pending();
    if (n > 0) {
      copied += static_cast<std::size_t>(n);
      if (!waitall || copied == out.size() || (flags & MSG_TRUNC)) return static_cast<long>(copied);
      continue;
    }
    if (n == 0 || (n != -EAGAIN) || nonblock) return copied ? static_cast<long>(copied) : n;
    auto ready = [&] {
      const auto& c = s.tcp->conn;
      return s.sol.sk_err || s.shut_rd || !c || c->readable() > 0 || c->fin_received() ||
             c->state() == tcp::State::Closed;
    };
    if (!wait_(ready, deadline_of(stack_, s.sol.rcvtimeo_jiffies)))
      return copied ? static_cast<long>(copied) : -EAGAIN;
  }
}

}  // namespace ipc::stack::api
