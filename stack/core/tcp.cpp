// TCP sockets: the socket calls over the connection engine (stack/tcp) and
// the port table (tcp::TcpTable): tcp_v4_init_sock, __inet_bind,
// inet_listen, tcp_v4_connect, inet_csk_accept, tcp_sendmsg_locked,
// tcp_recvmsg_locked, inet_shutdown, tcp_disconnect, tcp_close.
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "stack/core/stack.hpp"
#include "stack/core/tcp_sock.hpp"
#include "stack/ipv4/options_build.hpp"
#include "stack/socket/ip_sockopt_names.hpp"

namespace ipc::stack::core {

namespace {
bool synchronized_or_connecting(tcp::State st) {
  return st == tcp::State::SynSent || st == tcp::State::SynReceived;
}
}  // namespace

tcp::Settings Stack::read_tcp_settings() const {
  const std::string v4 = "net/ipv4/";
  auto i = [&](const char* name) { return static_cast<int>(sysctl_.integer(v4 + name)); };
  tcp::Settings t;
  t.syn_retries = i("tcp_syn_retries");
  t.synack_retries = i("tcp_synack_retries");
  t.retries1 = i("tcp_retries1");
  t.retries2 = i("tcp_retries2");
  t.orphan_retries = i("tcp_orphan_retries");
  t.timestamps = i("tcp_timestamps") != 0;
  t.sack = i("tcp_sack") != 0;
  t.window_scaling = i("tcp_window_scaling") != 0;
  t.ecn = i("tcp_ecn");
  t.fin_timeout_s = i("tcp_fin_timeout") / 1000;
  t.keepalive_time_s = i("tcp_keepalive_time") / 1000;
  t.keepalive_intvl_s = i("tcp_keepalive_intvl") / 1000;
  t.keepalive_probes = i("tcp_keepalive_probes");
  const auto rmem = sysctl_.values(v4 + "tcp_rmem");
  const auto wmem = sysctl_.values(v4 + "tcp_wmem");
  if (rmem.size() == 3) {
    t.rmem_default = static_cast<int>(rmem[1]);
    t.rmem_max = static_cast<int>(rmem[2]);
  }
  if (wmem.size() == 3) {
    t.wmem_default = static_cast<int>(wmem[1]);
    t.wmem_max = static_cast<int>(wmem[2]);
  }
  t.core_rmem_max = static_cast<int>(sysctl_.integer("net/core/rmem_max"));
  t.base_mss = i("tcp_base_mss");
  t.min_snd_mss = i("tcp_min_snd_mss");
  t.mtu_probing = i("tcp_mtu_probing");
  t.tw_reuse_loopback = i("tcp_tw_reuse") == 2;
  t.rto_min = std::chrono::milliseconds(std::max(1, i("tcp_rto_min_us") / 1000));
  t.syn_linear_timeouts = i("tcp_syn_linear_timeouts");
  t.moderate_rcvbuf = i("tcp_moderate_rcvbuf") != 0;
  return t;
}

void Stack::tcp_open(Socket& s) {
  s.tcp = std::make_shared<TcpSock>();
  tcp_table_.open(s.id);
  tcp_sync_table_options(s);
  tcp_index_[s.id] = &s;
}

void Stack::tcp_sync_table_options(Socket& s) { tcp_table_.set_options(s.id, port_options(s)); }

void Stack::tcp_sync_options(Socket& s) {
  TcpSock& t = *s.tcp;
  t.opts.rcvbuf = s.sol.rcvbuf_locked ? s.sol.rcvbuf : 0;
  t.opts.sndbuf = s.sol.sndbuf_locked ? s.sol.sndbuf : 0;
  t.opts.keepalive = s.sol.keepalive;
  t.opts.oobinline = s.sol.oobinline;
  t.opts.recverr = s.ip.recverr;
  if (t.conn) {
    t.conn->options() = t.opts;
    const auto& o = s.ip.options;
    t.conn->set_ext_hdr_len(s.ip_options_set ? static_cast<int>((o.data.size() + 3) / 4 * 4) : 0);
    // tcp_push_pending_frames after TCP_NODELAY/TCP_CORK, keepalive re-armed.
    t.conn->sockopt_changed(now_);
    tcp_flush(s);
  }
  tcp_sync_table_options(s);
}

int Stack::tcp_bind(Socket& s, Ipv4Address addr, std::uint16_t port) {
  // __inet_bind: "if (sk->sk_state != TCP_CLOSE || inet->inet_num)" -> EINVAL
  // (after the privileged-port check, which the table makes first).
  TcpSock& t = *s.tcp;
  tcp_sync_table_options(s);
  udp::BindFacts facts;
  facts.cap_net_bind_service = caps_.net_bind_service;
  const bool busy = t.listening || (t.conn && t.conn->state() != tcp::State::Closed);
  if (busy) {
    if (port && port < sysctl_.ip_unprivileged_port_start() && !caps_.net_bind_service) return -EACCES;
    return -EINVAL;
  }
  return -tcp_table_.bind(s.id, addr, port, facts);
}

int Stack::tcp_listen(Socket& s, int backlog) {
  TcpSock& t = *s.tcp;
  // inet_listen: "if (sock->state != SS_UNCONNECTED || sock->type != SOCK_STREAM)".
  if (t.sock_state != SockState::Unconnected) return -EINVAL;
  if (t.conn && t.conn->state() != tcp::State::Closed) return -EINVAL;
  // __sys_listen caps the backlog at somaxconn (as unsigned: negative too).
  const auto somaxconn = static_cast<unsigned>(sysctl_.integer("net/core/somaxconn"));
  if (static_cast<unsigned>(backlog) > somaxconn) backlog = static_cast<int>(somaxconn);
  t.backlog = backlog;
  if (!t.listening) {
    // inet_csk_listen_start: get_port again (or an ephemeral one).
    tcp_sync_table_options(s);
    if (const int err = tcp_table_.listen(s.id)) return -err;
    t.conn.reset();
    t.listening = true;
  }
  return 0;
}

int Stack::tcp_connect(Socket& s, Ipv4Address daddr, std::uint16_t dport) {
  TcpSock& t = *s.tcp;
  // tcp_v4_connect. A source route sends the SYN to its first hop.
  const socket::CompiledIpOptions* opt = s.ip_options_set && !s.ip.options.empty() ? &s.ip.options : nullptr;
  if (opt && opt->srr >= 0 && daddr.is_unspecified()) return -EINVAL;
  const Ipv4Address nexthop = ipv4::first_hop(opt, daddr);
  const tcp::TcpTable::Entry* e = tcp_table_.entry(s.id);
  const Ipv4Address bound = e ? e->local_addr : Ipv4Address{};
  ipv4::OutputFlags flags;
  flags.any_src = s.ip.transparent || s.ip.freebind;
  auto rt = routes_.output_route(nexthop, bound, s.sol.bound_dev_if, flags, false, false);
  if (!rt) return -rt.error();
  if (rt->multicast || rt->broadcast) return -ENETUNREACH;
  if (!opt || opt->srr < 0) daddr = rt->dst;
  tcp_sync_table_options(s);
  // tcp_twsk_unique: a TIME_WAIT tuple may be taken over when its last
  // timestamp is known and, for an ephemeral port search, tcp_tw_reuse
  // allows it (2: loopback only) and a second has passed since.
  const bool had_port = e && e->local_port != 0;
  std::vector<tcp::SocketId> taken_over;
  auto reuse = [&](tcp::SocketId tw) {
    auto it = tcp_index_.find(tw);
    if (it == tcp_index_.end() || !it->second->tcp->conn) return false;
    const auto& c = *it->second->tcp->conn;
    if (!c.ts_recent()) return false;
    bool ok = true;
    if (!had_port)
      ok = tcp_settings_.tw_reuse_loopback && c.endpoints().remote.is_loopback() &&
           now_ - c.ts_recent_stamp() >= std::chrono::seconds(1);
    if (ok) taken_over.push_back(tw);
    return ok;
  };
  const int cerr = tcp_table_.connect(s.id, rt->src, daddr, dport, reuse);
  for (auto id : taken_over) tcp_destroy(id);
  if (cerr) return -cerr;
  e = tcp_table_.entry(s.id);
  tcp::Connection::Endpoints ep{e->local_addr, daddr, e->local_port, dport};
  tcp_sync_options(s);
  t.conn = std::make_unique<tcp::Connection>(tcp_settings(), t.opts, ep, now_, tcp_seed_++);
  // tcp_v4_connect: icsk_ext_hdr_len = the IP options' length.
  t.conn->set_ext_hdr_len(opt ? static_cast<int>((opt->data.size() + 3) / 4 * 4) : 0);
  t.conn->connect(dst_mtu(nexthop, *rt), now_);
  t.done = false;
  s.sol.sk_err = 0;
  tcp_flush(s);
  return 0;
}

int Stack::tcp_disconnect(Socket& s) {
  TcpSock& t = *s.tcp;
  // tcp_disconnect: a listener stops; a synchronized connection is reset
  // and sk_err says ECONNRESET, as does a connect in progress.
  if (t.listening) {
    for (auto& c : t.accept_queue) {
      c->tcp->conn->abort(now_);
      tcp_flush(*c);
      tcp_destroy(c->id);
    }
    for (auto& c : t.syn_queue) tcp_destroy(c->id);
    t.accept_queue.clear();
    t.syn_queue.clear();
    t.listening = false;
  } else if (t.conn) {
    const auto st = t.conn->state();
    const bool reset = st == tcp::State::Established || st == tcp::State::CloseWait ||
                       st == tcp::State::FinWait1 || st == tcp::State::FinWait2 ||
                       st == tcp::State::SynReceived;
    if (st != tcp::State::Closed) {
      t.conn->abort(now_);
      for (const auto& seg : t.conn->take_output()) tcp_transmit(s, seg);
    }
    if (reset || st == tcp::State::SynSent) s.sol.sk_err = ECONNRESET;
    t.conn.reset();
  }
  tcp_table_.disconnect(s.id);
  s.shut_rd = s.shut_wr = false;
  t.done = false;
  return 0;
}

std::unique_ptr<Socket> Stack::tcp_accept(Socket& listener) {
  TcpSock& t = *listener.tcp;
  if (t.accept_queue.empty()) return nullptr;
  auto child = std::move(t.accept_queue.front());
  t.accept_queue.pop_front();
  child->tcp->parent = nullptr;
  child->tcp->sock_state = SockState::Connected;
  return child;
}

int Stack::install_socket(std::unique_ptr<Socket> s) { return open_socket(std::move(s)); }

long Stack::tcp_send(Socket& s, std::span<const std::uint8_t> data, int flags) {
  TcpSock& t = *s.tcp;
  auto st = t.conn ? t.conn->state() : tcp::State::Closed;
  if (st != tcp::State::Established && st != tcp::State::CloseWait) {
    // sk_stream_wait_connect.
    if (s.sol.sk_err) return -tcp_take_error(s);
    if (!synchronized_or_connecting(st)) return -EPIPE;
    return -EAGAIN;
  }
  if (s.sol.sk_err || s.shut_wr) {
    // sk_stream_error: a pending error wins over EPIPE.
    if (s.sol.sk_err) return -tcp_take_error(s);
    return -EPIPE;
  }
  if (data.empty()) return 0;
  const std::size_t n = t.conn->send(data, now_, (flags & MSG_MORE) != 0);
  tcp_flush(s);
  if (n == 0) return -EAGAIN;
  return static_cast<long>(n);
}

long Stack::tcp_recv(Socket& s, std::span<std::uint8_t> out, int flags) {
  TcpSock& t = *s.tcp;
  if (t.listening) return -ENOTCONN;
  // tcp_recv_urg: no urgent data is kept here (no SOCK_URGINLINE data either).
  if (flags & MSG_OOB) return -EINVAL;
  const bool peek = flags & MSG_PEEK;
  if (t.conn && t.conn->readable() > 0) {
    std::size_t n = 0;
    if (flags & MSG_TRUNC) {
      // MSG_TRUNC on a stream: the data is dropped, not copied.
      std::vector<std::uint8_t> sink(std::min(out.size(), t.conn->readable()));
      n = t.conn->recv(sink, peek, now_);
    } else {
      n = t.conn->recv(out, peek, now_);
    }
    tcp_flush(s);
    return static_cast<long>(n);
  }
  // tcp_recvmsg_locked with nothing copied (no shortcut for a zero length).
  if (t.done || (t.conn && t.conn->fin_received())) return 0;
  if (s.sol.sk_err) return -tcp_take_error(s);
  if (s.shut_rd) return 0;
  const auto st = t.conn ? t.conn->state() : tcp::State::Closed;
  if (st == tcp::State::Closed) return -ENOTCONN;
  return -EAGAIN;
}

int Stack::tcp_shutdown(Socket& s, int how) {
  TcpSock& t = *s.tcp;
  const bool rcv = how != SHUT_WR, snd = how != SHUT_RD;
  // inet_shutdown.
  const auto st = t.listening ? tcp::State::Listen : (t.conn ? t.conn->state() : tcp::State::Closed);
  if (t.sock_state == SockState::Connecting)
    t.sock_state = (st == tcp::State::SynSent || st == tcp::State::SynReceived || st == tcp::State::Closed)
                       ? SockState::Disconnecting
                       : SockState::Connected;
  switch (st) {
    case tcp::State::Closed:
      if (rcv) s.shut_rd = true;
      if (snd) s.shut_wr = true;
      return -ENOTCONN;
    case tcp::State::Listen:
      if (!rcv) return 0;
      [[fallthrough]];
    case tcp::State::SynSent: {
      const int err = tcp_disconnect(s);
      t.sock_state = err ? SockState::Disconnecting : SockState::Unconnected;
      return err;
    }
    default:
      if (rcv) {
        s.shut_rd = true;
        t.conn->shutdown_receive();
      }
      if (snd) {
        s.shut_wr = true;
        // tcp_shutdown: a FIN from ESTABLISHED, SYN_SENT, SYN_RECV, CLOSE_WAIT.
        if (st == tcp::State::Established || st == tcp::State::SynReceived || st == tcp::State::CloseWait)
          t.conn->shutdown_send(now_);
        tcp_flush(s);
      }
      return 0;
  }
}

int Stack::tcp_take_error(Socket& s) {
  const int e = s.sol.sk_err;
  s.sol.sk_err = 0;
  return e;
}

int Stack::tcp_path_mtu(const Socket& s) const {
  const TcpSock& t = *s.tcp;
  if (!t.conn) return 0;
  const auto& ep = t.conn->endpoints();
  auto rt = routes_.output_route(ep.remote, ep.local, s.sol.bound_dev_if, {}, false, false);
  if (!rt) return 0;
  return dst_mtu(ep.remote, *rt);
}

void Stack::tcp_close(std::unique_ptr<Socket> s) {
  TcpSock& t = *s->tcp;
  s->shut_rd = s->shut_wr = true;
  if (t.listening) {
    tcp_disconnect(*s);
    tcp_destroy(s->id);
    return;
  }
  if (!t.conn || t.conn->state() == tcp::State::Closed) {
    tcp_destroy(s->id);
    return;
  }
  // tcp_close: unread data -> RST; SO_LINGER with 0 -> disconnect (RST);
  // else FIN after what is queued, and the connection lives on as an orphan.
  const bool linger_zero = s->sol.linger && s->sol.lingertime_jiffies == 0;
  t.conn->close(linger_zero, now_);
  t.orphan = true;
  const std::uint64_t id = s->id;
  Socket* raw = s.get();
  tcp_orphans_[id] = std::move(s);
  tcp_flush(*raw);
}

void Stack::tcp_destroy(std::uint64_t id) {
  tcp_table_.close(id);
  tcp_index_.erase(id);
  inet_ids_.erase(id);
  tcp_orphans_.erase(id);  // last: may free the socket
}

}  // namespace ipc::stack::core
