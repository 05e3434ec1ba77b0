// ICMP: icmp_rcv for datagrams addressed to this host (replies through
// stack/icmp), the errors the host sends (__icmp_send) and the errors it
// receives, delivered to the sockets they concern (icmp_socket_deliver:
// raw_icmp_error, __udp4_lib_err, ping_err).
#include <cerrno>

#include "stack/core/stack.hpp"
#include "stack/icmp/icmp_receive.hpp"
#include "stack/icmp/icmp_reply.hpp"
#include "stack/ipv4/options_echo.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::core {

namespace {
constexpr std::uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17;
constexpr std::uint8_t kOriginIcmp = 2;  // SO_EE_ORIGIN_ICMP
}  // namespace

// ipv4_mtu's view of the learnt exceptions (fib_nh_exception).
int Stack::path_mtu(Ipv4Address dst) const {
  if (auto e = pmtu_cache_.lookup(dst, now_)) return e->mtu;
  return 0;
}

icmp::IcmpSettings Stack::icmp_settings() const {
  icmp::IcmpSettings s;
  s.echo_ignore_all = sysctl_.icmp_echo_ignore_all();
  s.echo_ignore_broadcasts = sysctl_.icmp_echo_ignore_broadcasts();
  s.ignore_bogus_error_responses = sysctl_.icmp_ignore_bogus_error_responses();
  s.errors_use_inbound_ifaddr = sysctl_.icmp_errors_use_inbound_ifaddr();
  s.ratelimit_ms = static_cast<int>(sysctl_.icmp_ratelimit_ms());
  s.ratemask = static_cast<std::uint32_t>(sysctl_.icmp_ratemask());
  s.msgs_per_sec = sysctl_.icmp_msgs_per_sec();
  s.msgs_burst = sysctl_.icmp_msgs_burst();
  s.ip_default_ttl = static_cast<std::uint8_t>(sysctl_.ip_default_ttl());
  s.ip_no_pmtu_disc = sysctl_.ip_no_pmtu_disc();
  return s;
}

// icmp_push_reply -> ip_append_data on the ICMP socket: the IP header
// carries ip_options_echo() of the answered datagram's options
// (icmp_reply / __icmp_send); with a source route it goes to the first hop.
void Stack::icmp_transmit(const icmp::OutgoingIcmp& o, const ipv4::ReceivedDatagram* about) {
  socket::CompiledIpOptions opts;
  const socket::CompiledIpOptions* po = nullptr;
  Ipv4Address first_hop = o.dst, final_dst;
  if (o.echo_options && about && !about->options_bytes().empty()) {
    auto echo = ipv4::echo_options(about->header(), about->options,
                                   [this](Ipv4Address a) { return routes_.addr_type(a) == ipv4::RouteType::kUnicast; });
    if (!echo) return;  // ip_options_echo failed: icmp_reply / __icmp_send send nothing
    opts = std::move(*echo);
    if (!opts.empty()) {
      po = &opts;
      if (opts.srr >= 0 && opts.faddr) {
        const auto* b = reinterpret_cast<const std::uint8_t*>(&opts.faddr);
        first_hop = Ipv4Address(b[0], b[1], b[2], b[3]);
        final_dst = o.dst;
      }
    }
  }
  auto rt = routes_.output_route(first_hop, o.src, 0, {}, false, false);
  if (!rt) return;
  OutputArgs a;
  a.route = *rt;
  a.src = o.src;
  a.dst = first_hop;
  a.final_dst = final_dst;
  a.protocol = kProtoIcmp;
  a.ttl = o.ttl;
  a.tos = o.tos;
  a.df = false;  // the ICMP socket is IP_PMTUDISC_DONT
  a.options = po;
  a.payload = o.icmp;
  (void)ip_output(a);
}

void Stack::icmp_error_about(const ipv4::ReceivedDatagram& d, const icmp::Arrival& arrival,
                             const icmp::IcmpErrorSpec& spec) {
  // __icmp_send: __ip_options_echo first; a failure sends nothing.
  std::size_t echo_len = 0;
  if (!d.options_bytes().empty()) {
    auto echo = ipv4::echo_options(d.header(), d.options,
                                   [this](Ipv4Address a) { return routes_.addr_type(a) == ipv4::RouteType::kUnicast; });
    if (!echo) return;
    echo_len = (echo->data.size() + 3) / 4 * 4;
  }
  const auto settings = icmp_settings();
  icmp::IcmpContext ctx{settings, routes_, icmp_limiter_, now_, &pmtu_cache_};
  auto r = icmp::icmp_send(d.packet, arrival, spec, ctx, echo_len);
  if (r) icmp_transmit(*r, &d);
}

// icmp_send about a datagram without receive state: a packet of our own
// whose neighbour never answered (ipv4_link_failure), or one that did not
// come through ip_input.
void Stack::icmp_send_error(const std::vector<std::uint8_t>& offending, std::uint8_t type, std::uint8_t code,
                            std::uint32_t info) {
  auto ip = wire::Ipv4Packet::check(std::span<const std::uint8_t>(offending));
  if (!ip) return;
  icmp::Arrival arrival;
  arrival.route_local = routes_.addr_type(ip->dst()) == ipv4::RouteType::kLocal;
  arrival.link_host = true;
  const auto settings = icmp_settings();
  icmp::IcmpContext ctx{settings, routes_, icmp_limiter_, now_, &pmtu_cache_};
  auto r = icmp::icmp_send(offending, arrival, icmp::IcmpErrorSpec{type, code, info}, ctx, 0);
  if (!r) return;
  auto o = *r;
  o.echo_options = false;
  icmp_transmit(o, nullptr);
}

// ip_expire: the queue's head fragment is the offending datagram; it
// arrived for this host (RTN_LOCAL).
void Stack::reassembly_timeout(const ipv4::Event& ev) {
  std::vector<std::uint8_t> offending = ev.header;
  offending.insert(offending.end(), ev.payload.begin(), ev.payload.end());
  icmp::Arrival arrival;
  const auto settings = icmp_settings();
  icmp::IcmpContext ctx{settings, routes_, icmp_limiter_, now_, &pmtu_cache_};
  auto r = icmp::icmp_send(offending, arrival, icmp::IcmpErrorSpec{ev.icmp_type, ev.icmp_code, 0}, ctx, 0);
  if (!r) return;
  auto o = *r;
  o.echo_options = false;
  icmp_transmit(o, nullptr);
}

void Stack::icmp_input(const std::vector<std::uint8_t>& packet, int ifindex) {
  icmp::Arrival arrival;
  if (rx_) arrival = rx_->arrival;
  const auto settings = icmp_settings();
  icmp::IcmpContext ctx{settings, routes_, icmp_limiter_, now_, &pmtu_cache_};
  auto in = icmp::icmp_receive(packet, arrival, ctx, icmp::ms_since_midnight_ut(std::chrono::system_clock::now()));
  if (auto* send = std::get_if<icmp::SendResult>(&in)) {
    if (*send) icmp_transmit(**send, rx_ ? rx_->dgram : nullptr);
  } else if (auto* err = std::get_if<icmp::ReceivedIcmpError>(&in)) {
    deliver_received_icmp_error(*err, ifindex);
  } else if (auto* echo = std::get_if<icmp::EchoReplyForPing>(&in)) {
    ping_rcv(packet, echo->ident, ifindex);
  }
}

void Stack::deliver_received_icmp_error(const icmp::ReceivedIcmpError& e, int ifindex) {
  const auto& q = e.quoted;
  const Ipv4Address outer_dst = rx_ && rx_->dgram ? rx_->dgram->dst() : Ipv4Address{};

  // ip_icmp_error: the entry recvmsg(MSG_ERRQUEUE) returns.
  auto queue = [&](Socket& s, const icmp::SocketError& se, std::span<const std::uint8_t> payload,
                   std::uint16_t port) {
    QueuedError qe;
    qe.ee_errno = static_cast<std::uint32_t>(se.err);
    qe.origin = kOriginIcmp;
    qe.type = e.type;
    qe.code = e.code;
    qe.info = e.info;
    qe.offender = e.offender;
    qe.has_offender = true;
    qe.payload.assign(payload.begin(), payload.end());
    qe.addr = q.dst;
    qe.port = port;
    // The error skb's cb still holds IPCB: ipi_ifindex is the iif,
    // ipi_spec_dst the options' faddr (0); ipi_addr the ICMP packet's daddr.
    qe.meta.src = e.offender;
    qe.meta.dst = outer_dst;
    qe.meta.ifindex = ifindex;
    qe.meta.ttl = e.outer_ttl;
    qe.meta.tos = e.outer_tos;
    qe.meta.stamp = now_;
    qe.meta.wall_stamp = std::chrono::system_clock::now();
    queue_error(s, std::move(qe));
  };
  // sk_err and sk_error_report.
  auto report = [](Socket& s, int err) { s.sol.sk_err = err; };

  // raw_icmp_error: every raw socket of the quoted protocol that
  // raw_v4_match accepts for the quoted datagram as a reply (raddr = quoted
  // dst, laddr = quoted src), then raw_err.
  for (auto& [fd, sp] : sockets_) {
    Socket& s = *sp;
    if (s.kind != Kind::Raw || s.protocol != q.protocol) continue;
    if (!s.raw_local.is_unspecified() && s.raw_local != q.src) continue;
    if (s.raw_peer && !s.raw_peer->is_unspecified() && *s.raw_peer != q.dst) continue;
    if (s.sol.bound_dev_if && s.sol.bound_dev_if != ifindex) continue;
    // raw_err: frag needed -> ipv4_sk_update_pmtu; redirect stops.
    if (e.is_frag_needed()) learn_pmtu(q.dst, static_cast<int>(e.info));
    const bool connected = s.raw_peer.has_value();
    if (!s.ip.recverr && !connected) continue;
    auto se = icmp::socket_error(icmp::SocketKind::kRaw, e, s.ip.pmtudisc == socket::pmtudisc::kDont);
    if (!se) continue;
    if (s.ip.recverr) queue(s, *se, icmp::errqueue_payload(e, icmp::SocketKind::kRaw, s.ip.hdrincl), 0);
    if (s.ip.recverr || se->hard) report(s, se->err);
  }

  if (q.protocol == kProtoUdp) {
    // __udp4_lib_err: the socket the quoted datagram came from (looked up
    // as if it were the reply); none -> nothing, not even a PMTU update.
    auto id = ports_.lookup(q.src, q.source_port(), q.dst, q.dest_port(), ifindex);
    if (!id) return;
    Socket* s = nullptr;
    for (auto& [fd, sp] : sockets_)
      if (sp->kind == Kind::Udp && sp->id == *id) s = sp.get();
    if (!s) return;
    if (e.is_frag_needed()) learn_pmtu(q.dst, static_cast<int>(e.info));
    auto se = icmp::socket_error(icmp::SocketKind::kUdp, e, s->ip.pmtudisc == socket::pmtudisc::kDont);
    if (!se) return;
    if (!s->ip.recverr) {
      if (!se->hard || !s->connected) return;
    } else {
      queue(*s, *se, icmp::errqueue_payload(e, icmp::SocketKind::kUdp), q.dest_port());
    }
    report(*s, se->err);
  } else if (q.protocol == kProtoTcp) {
    tcp_icmp_error(e, ifindex);
  } else if (q.protocol == kProtoIcmp) {
    // ping_err: the ping socket whose port is the quoted echo identifier.
    if (q.icmp_type() != 8) return;  // ICMP_ECHO
    Socket* s = ping_lookup(q.echo_ident(), q.src, ifindex);
    if (!s) return;
    if (e.is_frag_needed()) learn_pmtu(q.dst, static_cast<int>(e.info));
    auto se = icmp::socket_error(icmp::SocketKind::kPing, e, s->ip.pmtudisc == socket::pmtudisc::kDont);
    if (!se) return;
    if (!s->ip.recverr) {
      if (!se->hard || !s->connected) return;
    } else {
      queue(*s, *se, icmp::errqueue_payload(e, icmp::SocketKind::kPing), 0);
    }
    report(*s, se->err);
  }
}

// ping_lookup (net/ipv4/ping.c): a ping socket whose port is the echo
// identifier, bound to `local` or to any address, and to no other device.
Socket* Stack::ping_lookup(std::uint16_t ident, Ipv4Address local, int ifindex) {
  for (auto& [fd, sp] : sockets_) {
    Socket& s = *sp;
    if (s.kind != Kind::Ping || s.ping_ident != ident) continue;
    if (!s.raw_local.is_unspecified() && s.raw_local != local) continue;
    if (s.sol.bound_dev_if && s.sol.bound_dev_if != ifindex) continue;
    return &s;
  }
  return nullptr;
}

// ping_rcv -> ping_queue_rcv_skb: the echo reply, from its ICMP header on.
void Stack::ping_rcv(const std::vector<std::uint8_t>& packet, std::uint16_t ident, int ifindex) {
  auto ip = wire::Ipv4Packet::check(std::span<const std::uint8_t>(packet));
  if (!ip) return;
  Socket* s = ping_lookup(ident, ip->dst(), ifindex);
  if (!s) return;
  Datagram d;
  d.data.assign(ip->payload().begin(), ip->payload().end());
  d.src = ip->src();
  d.dst = ip->dst();
  d.ifindex = ifindex;
  d.ttl = ip->ttl();
  d.tos = ip->tos();
  d.stamp = now_;
  d.wall_stamp = std::chrono::system_clock::now();
  fill_rx_meta(d);
  const std::size_t truesize = d.data.size() + kSkbTruesizeOverhead;
  if (s->rx_bytes + truesize > static_cast<std::size_t>(s->sol.rcvbuf) && !s->rx.empty()) return;
  s->rx_bytes += truesize;
  s->rx.push_back(std::move(d));
}

}  // namespace ipc::stack::core
