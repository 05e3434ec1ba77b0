// TCP input: tcp_v4_rcv's demultiplexing (established and TIME_WAIT
// tuples, then listeners), a listener's SYN handling (tcp_v4_conn_request,
// with the SYN's IP options saved for the child: tcp_v4_save_options), the
// reset for a segment no socket takes (tcp_v4_send_reset), and ICMP errors
// (tcp_v4_err).
#include <algorithm>
#include <cerrno>

#include "stack/core/stack.hpp"
#include "stack/core/tcp_sock.hpp"
#include "stack/ipv4/options_build.hpp"
#include "stack/ipv4/options_echo.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"

namespace ipc::stack::core {

namespace {
constexpr std::uint8_t kEcnMask = 0x03;

bool is_syn_only(const wire::TcpRepr& seg) {
  using namespace wire::tcp::flag;
  return (seg.flags & kSyn) && !(seg.flags & (kAck | kRst));
}

// tcp_timewait_state_process, TCP_TW_SYN: a SYN beyond the old
// connection's sequence space, or with a newer timestamp, may open a new one.
bool timewait_accepts_syn(const tcp::Connection& c, const wire::TcpRepr& syn) {
  if (static_cast<std::int32_t>(syn.seq - c.rcv_nxt()) > 0) return true;
  return syn.timestamps && c.ts_recent() && static_cast<std::int32_t>(*c.ts_recent() - syn.timestamps->val) < 0;
}
}  // namespace

std::optional<socket::CompiledIpOptions> Stack::rx_echo_options() const {
  // __ip_options_echo of the segment being processed (none: empty).
  if (!rx_ || !rx_->dgram || rx_->dgram->options_bytes().empty()) return socket::CompiledIpOptions{};
  auto e = ipv4::echo_options(rx_->dgram->header(), rx_->dgram->options, [this](Ipv4Address a) {
    return routes_.addr_type(a) == ipv4::RouteType::kUnicast;
  });
  if (!e) return std::nullopt;
  return std::move(*e);
}

void Stack::tcp_input(const std::vector<std::uint8_t>& packet, int ifindex) {
  auto ip = wire::Ipv4Packet::check(std::span<const std::uint8_t>(packet));
  if (!ip) return;
  // tcp_v4_rcv: "if (skb->pkt_type != PACKET_HOST) goto discard_it".
  if (rx_ && rx_->dgram && rx_->dgram->kind != ipv4::InputRouteKind::kLocal) return;
  const Ipv4Address src = ip->src(), dst = ip->dst();
  auto view = wire::TcpPacket::check(ip->payload());
  if (!view) return;
  auto seg = wire::TcpRepr::parse(*view, src, dst);
  if (!seg) return;  // a bad checksum or header: dropped (TCP_MIB_CSUMERRORS)
  const std::uint8_t ecn = ip->tos() & kEcnMask;
  rx_tos_ = ip->tos();

  if (auto id = tcp_table_.lookup_established({dst, seg->dst_port, src, seg->src_port}, ifindex)) {
    auto it = tcp_index_.find(*id);
    if (it != tcp_index_.end() && it->second->tcp && it->second->tcp->conn) {
      Socket& s = *it->second;
      tcp::Connection& c = *s.tcp->conn;
      // tcp_timewait_state_process: a new SYN whose sequence lies beyond the
      // old connection's (TCP_TW_SYN) ends the TIME_WAIT and goes to the
      // listener.
      const bool tw_syn = c.state() == tcp::State::TimeWait && is_syn_only(*seg) && timewait_accepts_syn(c, *seg);
      if (!tw_syn) {
        // tcp_v4_rcv: IP_MINTTL drops what arrives with a lower TTL.
        const bool tw = c.state() == tcp::State::TimeWait;
        if (!tw && ip->ttl() < s.ip.minttl) return;
        c.on_segment(*seg, ecn, now_);
        tcp_flush(s, tw);
        return;
      }
      tcp_destroy(*id);
    }
  }
  if (auto lid = tcp_table_.lookup_listener(dst, seg->dst_port, src, seg->src_port, ifindex)) {
    auto it = tcp_index_.find(*lid);
    if (it != tcp_index_.end() && it->second->tcp && it->second->tcp->listening) {
      Socket& l = *it->second;
      if (ip->ttl() < l.ip.minttl) return;
      using namespace wire::tcp::flag;
      // tcp_rcv_state_process, TCP_LISTEN: an ACK is answered with a reset,
      // a RST is dropped, a SYN opens a request; anything else is dropped.
      if (seg->flags & kAck) {
        tcp_send_reset(*seg, src, dst, ip->tos());
        return;
      }
      if (seg->flags & kRst) return;
      if (!(seg->flags & kSyn) || (seg->flags & kFin)) return;  // SYN+FIN: dropped (TCP_FLAGS)
      tcp_new_child(l, *seg, src, dst, ip->tos(), ip->ttl(), ifindex);
      return;
    }
  }
  tcp_send_reset(*seg, src, dst, ip->tos());
}

void Stack::tcp_new_child(Socket& l, const wire::TcpRepr& syn, Ipv4Address src, Ipv4Address dst,
                          std::uint8_t ip_tos, std::uint8_t ip_ttl, int ifindex) {
  TcpSock& lt = *l.tcp;
  // tcp_conn_request: a full accept queue (sk_acceptq_is_full: more than
  // the backlog) drops the SYN.
  if (lt.accept_queue.size() > static_cast<std::size_t>(lt.backlog)) return;
  // inet_csk_reqsk_queue_is_full: Linux then answers with a SYN cookie
  // (tcp_syncookies 1); this stack has no cookies and drops the SYN.
  if (lt.syn_queue.size() >= static_cast<std::size_t>(std::max(lt.backlog, 1))) return;
  // The SYN's IP options, echoed (tcp_v4_save_options -> __ip_options_echo):
  // the SYN-ACK carries them and the child keeps them as its inet_opt.
  socket::CompiledIpOptions echo;
  if (auto e = rx_echo_options()) echo = std::move(*e);
  auto child = std::make_unique<Socket>();
  child->type = l.type;
  child->protocol = l.protocol;
  child->kind = Kind::Tcp;
  child->ip = l.ip;  // inet_csk_clone_lock copies the inet_sock
  child->ip.options = echo;
  // tcp_v4_syn_recv_sock with net.ipv4.tcp_reflect_tos: the SYN's TOS.
  if (sysctl_.integer("net/ipv4/tcp_reflect_tos")) child->ip.tos = (ip_tos & ~kEcnMask) | (l.ip.tos & kEcnMask);
  child->ip_options_set = !echo.empty();
  child->sol = l.sol;
  child->sol.sk_err = child->sol.sk_err_soft = 0;
  // tcp_v4_syn_recv_sock: mc_index = inet_iif(skb), mc_ttl = the SYN's TTL.
  child->mc.mc_index = ifindex;
  child->ip.mc_ttl = ip_ttl;
  child->id = next_socket_id_++;
  child->tcp = std::make_shared<TcpSock>();
  child->tcp->opts = lt.opts;
  child->tcp->parent = &l;
  child->tcp->rcv_tos = ip_tos;
  tcp_table_.open(child->id);
  if (!tcp_table_.add_child(l.id, child->id, {dst, syn.dst_port, src, syn.src_port})) {
    tcp_table_.close(child->id);
    return;
  }
  tcp_index_[child->id] = child.get();
  tcp::Connection::Endpoints ep{dst, src, syn.dst_port, syn.src_port};
  child->tcp->conn = std::make_unique<tcp::Connection>(tcp_settings(), child->tcp->opts, ep, now_, tcp_seed_++);
  int mtu = 576;
  const Ipv4Address first_hop = ipv4::first_hop(&echo, src);
  if (auto rt = routes_.output_route(first_hop, dst, 0, {}, false, false)) mtu = dst_mtu(first_hop, *rt);
  // tcp_v4_syn_recv_sock: icsk_ext_hdr_len = the echoed options' length.
  Socket* raw = child.get();
  raw->tcp->conn->set_ext_hdr_len(static_cast<int>((echo.data.size() + 3) / 4 * 4));
  lt.syn_queue.push_back(std::move(child));
  raw->tcp->conn->accept_syn(syn, mtu, ip_tos, now_);
  tcp_flush(*raw);
}

void Stack::tcp_send_reset(const wire::TcpRepr& seg, Ipv4Address src, Ipv4Address dst, std::uint8_t tos) {
  auto rst = tcp::reset_for(seg);
  if (!rst) return;
  rst->hdr.src_port = seg.dst_port;
  rst->hdr.dst_port = seg.src_port;
  // ip_send_unicast_reply from the per-netns control socket: the incoming
  // packet's TOS without ECN, the default TTL, DF (the control socket is
  // IP_PMTUDISC_DO) and so IP id 0; options echoed from the segment.
  auto echo = rx_echo_options();
  if (!echo) return;  // ip_options_echo failed: nothing is sent
  const socket::CompiledIpOptions* opt = echo->empty() ? nullptr : &*echo;
  const Ipv4Address first_hop = ipv4::first_hop(opt, src);
  auto rt = routes_.output_route(first_hop, dst, 0, {}, false, false);
  if (!rt) return;
  const auto bytes = rst->emit(dst, src);
  OutputArgs a;
  a.route = *rt;
  a.route.mtu = dst_mtu(first_hop, *rt);
  a.src = dst;
  a.dst = first_hop;
  a.final_dst = src;
  a.protocol = wire::ipproto::kTcp;
  a.ttl = static_cast<std::uint8_t>(sysctl_.ip_default_ttl());
  a.tos = tos & ~kEcnMask;
  a.df = true;
  a.options = opt;
  a.payload = bytes;
  (void)ip_output(a);
}

void Stack::tcp_icmp_error(const icmp::ReceivedIcmpError& e, int ifindex) {
  (void)ifindex;
  const auto& q = e.quoted;
  // tcp_v4_err: the socket the quoted segment came from.
  auto id = tcp_table_.lookup_established({q.src, q.source_port(), q.dst, q.dest_port()});
  if (!id) return;
  auto it = tcp_index_.find(*id);
  if (it == tcp_index_.end() || !it->second->tcp || !it->second->tcp->conn) return;
  Socket& s = *it->second;
  tcp::Connection& c = *s.tcp->conn;
  const auto transport = e.after_quoted_header();
  if (transport.size() < 8) return;
  const std::uint32_t seq = wire::bytes::get32(transport, 4);
  // tcp_v4_err: a quoted sequence outside [snd_una, snd_nxt] is ignored
  // (LINUX_MIB_OUTOFWINDOWICMPS), before any PMTU update.
  if (static_cast<std::int32_t>(seq - c.snd_una()) < 0 || static_cast<std::int32_t>(c.snd_nxt() - seq) < 0) return;
  if (e.is_frag_needed()) {
    // tcp_v4_mtu_reduced: the route learns the MTU, the connection's MSS
    // follows unless IP_PMTUDISC_DONT.
    learn_pmtu(q.dst, static_cast<int>(e.info));
    if (s.ip.pmtudisc != socket::pmtudisc::kDont) {
      auto rt = routes_.output_route(q.dst, q.src, s.sol.bound_dev_if, {}, false, false);
      const int mtu = rt ? dst_mtu(q.dst, *rt) : static_cast<int>(e.info);
      c.on_frag_needed(mtu, now_);
    }
  } else if (e.type == 3) {
    c.on_icmp_unreachable(e.code, seq, now_);
  } else {
    return;
  }
  tcp_flush(s);
}

}  // namespace ipc::stack::core
