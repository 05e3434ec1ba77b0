// TCP output and bookkeeping: a connection's segments through IP
// (ip_queue_xmit for a socket, ip_build_and_send_pkt for a SYN-ACK), the
// moves a state change implies (an established child to the accept queue,
// TIME_WAIT taking over the tuple, a finished orphan going away), and the
// timers.
#include <cerrno>

#include "stack/core/stack.hpp"
#include "stack/core/tcp_sock.hpp"
#include "stack/ipv4/options_build.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::core {

namespace {
constexpr std::uint8_t kEcnMask = 0x03, kEct0 = 0x02;
namespace pmtu = socket::pmtudisc;
}  // namespace

void Stack::tcp_transmit(Socket& s, const tcp::OutSegment& seg) {
  const tcp::Connection& c = *s.tcp->conn;
  const auto& ep = c.endpoints();
  const socket::CompiledIpOptions* opt = s.ip_options_set && !s.ip.options.empty() ? &s.ip.options : nullptr;
  const Ipv4Address first_hop = ipv4::first_hop(opt, ep.remote);
  ipv4::OutputFlags flags;
  flags.any_src = s.ip.transparent || s.ip.freebind;
  auto rt = routes_.output_route(first_hop, ep.local, s.sol.bound_dev_if, flags, false, false);
  if (!rt) return;
  const auto bytes = seg.emit(ep.local, ep.remote);
  const bool request = c.state() == tcp::State::SynReceived && s.tcp->parent;
  // What a TIME_WAIT minisock sends goes out through the per-netns control
  // socket (tcp_v4_timewait_ack, tcp_v4_send_reset): no socket, DF, id 0.
  const bool timewait = tw_reply_ || seg.reply;
  OutputArgs a;
  a.route = *rt;
  a.route.mtu = dst_mtu(first_hop, *rt);
  a.src = ep.local;
  a.dst = first_hop;
  a.final_dst = ep.remote;
  a.protocol = wire::ipproto::kTcp;
  // ip_select_ttl: IP_TTL, else the route's hop limit (the sysctl).
  a.ttl = static_cast<std::uint8_t>(s.ip.ttl < 0 ? sysctl_.ip_default_ttl() : s.ip.ttl);
  // inet->tos: IP_TOS keeps a stream's ECN bits as they were.
  // tcp_ecn_send: with ECN on, inet->tos itself carries ECT(0) after new
  // data and loses it after an ACK or a retransmission (INET_ECN_xmit /
  // INET_ECN_dontxmit), which IP_TOS then reads back.
  if (c.ecn_ok()) s.ip.tos = (s.ip.tos & ~kEcnMask) | (seg.ect ? kEct0 : 0);
  a.tos = static_cast<std::uint8_t>(s.ip.tos);
  // ip_dont_fragment: DO and PROBE always, WANT unless the route's MTU is
  // locked. A SYN-ACK (ip_build_and_send_pkt) and a TIME_WAIT ACK (the
  // control socket) with DF carry id 0; a connected socket numbers from
  // inet_id (ip_select_ident_segs).
  const int pd = s.ip.pmtudisc;
  a.df = pd == pmtu::kDo || (pd == pmtu::kWant && !pmtu_cache_.locked(ep.remote, now_));
  a.sock = request || timewait ? nullptr : &s;
  if (timewait) a.df = true;  // the control socket is IP_PMTUDISC_DO
  if (seg.reply) {
    // ip_send_unicast_reply: the default TTL, the incoming TOS without ECN.
    a.ttl = static_cast<std::uint8_t>(sysctl_.ip_default_ttl());
    a.tos = static_cast<std::uint8_t>(rx_tos_ & ~kEcnMask);
  }
  a.options = opt;
  a.payload = bytes;
  (void)ip_output(a);
}

void Stack::tcp_flush(Socket& s, bool from_time_wait) {
  if (!s.tcp || !s.tcp->conn) return;
  tw_reply_ = from_time_wait;
  for (const auto& seg : s.tcp->conn->take_output()) tcp_transmit(s, seg);
  tw_reply_ = false;
  tcp_after_change(s);
}

void Stack::tcp_after_change(Socket& s) {
  TcpSock& t = *s.tcp;
  if (!t.conn) return;
  tcp::Connection& c = *t.conn;
  const auto st = c.state();
  if (c.fin_received()) t.done = true;  // tcp_fin: SOCK_DONE
  if (c.peek_error() && !s.sol.sk_err) s.sol.sk_err = c.take_error();

  // A child on its listener's request queue.
  if (t.parent) {
    TcpSock& lt = *t.parent->tcp;
    auto it = std::find_if(lt.syn_queue.begin(), lt.syn_queue.end(), [&](const auto& p) { return p.get() == &s; });
    if (it != lt.syn_queue.end()) {
    if (st == tcp::State::SynReceived) return;
    auto owned = std::move(*it);
    lt.syn_queue.erase(it);
    if (st == tcp::State::Closed) {
      // A reset or the SYN-ACK retries running out: the request goes.
      tcp_table_.close(owned->id);
      tcp_index_.erase(owned->id);
      return;
    }
    // inet_csk_complete_hashdance -> inet_csk_reqsk_queue_add.
    lt.accept_queue.push_back(std::move(owned));
    return;
    }
    // On the accept queue: a full socket already, as below.
  }

  if (t.orphan) {
    if (st == tcp::State::TimeWait) tcp_table_.time_wait(s.id);
    if (c.finished()) tcp_destroy(s.id);
    return;
  }

  // A socket the user holds.
  if (st == tcp::State::TimeWait) {
    // tcp_time_wait: a TIME_WAIT sock takes over the tuple and the port; the
    // user's socket is done (TCP_CLOSE) and keeps neither.
    auto tw = std::make_unique<Socket>();
    tw->type = s.type;
    tw->protocol = s.protocol;
    tw->kind = Kind::Tcp;
    tw->ip = s.ip;
    tw->ip_options_set = s.ip_options_set;
    tw->sol = s.sol;
    tw->id = next_socket_id_++;
    tw->tcp = std::make_shared<TcpSock>();
    tw->tcp->conn = std::move(t.conn);
    tw->tcp->orphan = true;
    tcp_table_.time_wait(s.id, tw->id);
    tcp_index_[tw->id] = tw.get();
    tcp_orphans_[tw->id] = std::move(tw);
    s.shut_rd = s.shut_wr = true;  // tcp_done: sk_shutdown = SHUTDOWN_MASK
    t.done = true;
    return;
  }
  if (st == tcp::State::Closed && !t.closed_seen) {
    // tcp_done -> tcp_set_state(TCP_CLOSE): unhashed, and the port goes back
    // unless bind() chose it (inet_put_port without SOCK_BINDPORT_LOCK).
    t.closed_seen = true;
    tcp_table_.done(s.id);
    s.shut_rd = s.shut_wr = true;  // tcp_done: sk_shutdown = SHUTDOWN_MASK
  }
  if (st != tcp::State::Closed) t.closed_seen = false;
}

void Stack::tcp_timers() {
  std::vector<std::uint64_t> due;
  for (auto& [id, s] : tcp_index_)
    if (s->tcp && s->tcp->conn) {
      auto d = s->tcp->conn->next_deadline();
      if (d && *d <= now_) due.push_back(id);
    }
  for (const std::uint64_t id : due) {
    // An earlier socket's handling may have destroyed this one.
    auto it = tcp_index_.find(id);
    if (it == tcp_index_.end() || !it->second->tcp->conn) continue;
    Socket& s = *it->second;
    s.tcp->conn->advance(now_);
    tcp_flush(s);
  }
}

std::optional<Clock::time_point> Stack::tcp_next_deadline() const {
  std::optional<Clock::time_point> best;
  for (const auto& [id, s] : tcp_index_)
    if (s->tcp && s->tcp->conn)
      if (auto d = s->tcp->conn->next_deadline(); d && (!best || *d < *best)) best = d;
  return best;
}

}  // namespace ipc::stack::core
