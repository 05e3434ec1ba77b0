// poll (datagram_poll) and ioctl (sock_ioctl -> inet_ioctl -> udp_ioctl /
// raw_ioctl, dev_ioctl; the answers come from stack/ioctl).
#include <net/if.h>

#include <algorithm>
#include <cerrno>

#include "stack/api/syscalls.hpp"
#include "stack/api/user_memory.hpp"
#include "stack/core/tcp_sock.hpp"
#include "stack/ioctl/socket_ioctl.hpp"

namespace ipc::stack::api {

namespace {
constexpr unsigned kPollRdHup = 0x2000;
constexpr std::size_t kMaxIoctlArg = 256;
}  // namespace

// tcp_poll. sk_shutdown: the user's shutdowns, RCV_SHUTDOWN from the
// peer's FIN, both once the connection is done (tcp_done).
unsigned Syscalls::stream_poll_mask(const core::Socket& s) const {
  const core::TcpSock& t = *s.tcp;
  if (t.listening) return t.accept_queue.empty() ? 0 : POLLIN | POLLRDNORM;
  const auto& c = t.conn;
  const auto st = c ? c->state() : tcp::State::Closed;
  const bool rcv_shut = s.shut_rd || (c && c->fin_received());
  const bool snd_shut = s.shut_wr;
  unsigned mask = 0;
  if ((rcv_shut && snd_shut) || st == tcp::State::Closed) mask |= POLLHUP;
  if (rcv_shut) mask |= POLLIN | POLLRDNORM | kPollRdHup;
  if (st != tcp::State::SynSent && st != tcp::State::SynReceived) {
    if (c && c->readable() >= static_cast<std::size_t>(std::max(1, s.sol.rcvlowat))) mask |= POLLIN | POLLRDNORM;
    // __sk_stream_is_writeable: free space at least half of what is queued.
    const std::size_t queued = c ? c->unacked_bytes() : 0;  // write_seq - snd_una
    const std::size_t space = c ? c->send_space() : static_cast<std::size_t>(s.sol.sndbuf);
    if (snd_shut || space >= queued / 2) mask |= POLLOUT | POLLWRNORM;
  }
  if (s.sol.sk_err || !s.errq.empty()) mask |= POLLERR;
  return mask;
}

unsigned Syscalls::poll_mask(const core::Socket& s) const {
  if (s.kind == core::Kind::Tcp) return stream_poll_mask(s);
  unsigned mask = 0;
  if (s.sol.sk_err || !s.errq.empty()) mask |= POLLERR;
  if (s.shut_rd) mask |= kPollRdHup | POLLIN | POLLRDNORM;
  if (s.shut_rd && s.shut_wr) mask |= POLLHUP;
  if (!s.rx.empty()) mask |= POLLIN | POLLRDNORM;
  mask |= POLLOUT | POLLWRNORM | POLLWRBAND;  // sock_writeable: the send buffer is never full here
  return mask;
}

long Syscalls::poll(pollfd* fds, nfds_t n, int timeout_ms) {
  std::vector<pollfd> p(n);
  if (n && copy_from_user(p.data(), fds, n * sizeof(pollfd))) return -EFAULT;
  auto scan = [&]() -> int {
    int ready = 0;
    for (auto& e : p) {
      core::Socket* s = stack_.socket(e.fd);
      unsigned m = s ? poll_mask(*s) : POLLNVAL;
      m &= static_cast<unsigned short>(e.events) | POLLERR | POLLHUP | POLLNVAL;
      e.revents = static_cast<short>(m);
      if (m) ++ready;
    }
    return ready;
  };
  stack_.run_pending();
  int ready = scan();
  if (!ready && timeout_ms != 0) {
    std::optional<Clock::time_point> deadline;
    if (timeout_ms > 0) deadline = stack_.now() + std::chrono::milliseconds(timeout_ms);
    wait_([&] { return scan() > 0; }, deadline);
    ready = scan();
  }
  if (n && copy_to_user(fds, p.data(), n * sizeof(pollfd))) return -EFAULT;
  return ready;
}

long Syscalls::ioctl(int fd, unsigned long request, void* arg) {
  core::Socket* s = stack_.socket(fd);
  if (!s) return -EBADF;
  ioctl::SocketIoctlFacts f;
  f.type = s->type;
  if (!s->rx.empty()) f.inq = static_cast<int>(s->rx.front().data.size());
  if (s->kind == core::Kind::Tcp) {
    // tcp_ioctl: nothing is queued or unacknowledged during the handshake.
    const auto& t = *s->tcp;
    f.listening = t.listening;
    const auto st = t.conn ? t.conn->state() : tcp::State::Closed;
    if (t.conn && st != tcp::State::SynSent && st != tcp::State::SynReceived) {
      f.inq = static_cast<int>(t.conn->readable());
      f.outq = static_cast<int>(t.conn->unacked_bytes());
      f.outq_nsd = static_cast<int>(t.conn->unsent_bytes());
    }
  }
  if (s->last_rx_wall) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(s->last_rx_wall->time_since_epoch()).count();
    f.last_rx_stamp = ioctl::SocketIoctlFacts::Stamp{ns / 1000000000, ns % 1000000000};
  }
  std::vector<ioctl::Interface> ifs;
  for (const auto& i : stack_.routes().interfaces()) {
    ioctl::Interface x;
    x.name = i.name;
    x.ifindex = i.index;
    x.mtu = i.mtu;
    if (i.loopback) {
      x.flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
      x.hw_type = 772;
    } else {
      x.flags = IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST;
      x.mac = stack_.config().mac.octets();
    }
    if (!i.addresses.empty()) {
      const auto& a = i.addresses.front();
      x.has_ipv4 = true;
      x.addr = a.local.to_u32();
      x.netmask = a.prefix_len ? 0xffffffffu << (32 - a.prefix_len) : 0;
      x.broadcast = a.broadcast ? a.broadcast->to_u32() : 0;
    }
    ifs.push_back(std::move(x));
  }
  std::vector<ioctl::Neighbour> neigh;
  for (const auto& n : stack_.config().neighbours) {
    ioctl::Neighbour x;
    x.ifindex = stack_.config().ifindex;
    x.addr = n.addr.to_u32();
    x.mac = n.mac.octets();
    x.permanent = true;
    neigh.push_back(x);
  }
  auto r = ioctl::socket_ioctl(f, ifs, neigh, static_cast<std::uint32_t>(request), read_user_prefix(arg, kMaxIoctlArg));
  if (r.set_nonblock) s->nonblock = *r.set_nonblock;
  if (!r.value.empty() && copy_to_user(arg, r.value.data(), r.value.size())) return -EFAULT;
  return -r.err;
}

}  // namespace ipc::stack::api
