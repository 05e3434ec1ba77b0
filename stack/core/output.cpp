// IPv4 output: header, fragmentation, and the choice between the loopback
// device and the Ethernet interface (ip_local_out, ip_finish_output2,
// ip_mc_output).
#include <cerrno>
#include <chrono>
#include <random>

#include "stack/core/stack.hpp"
#include "stack/core/tcp_sock.hpp"
#include "stack/ipv4/options_build.hpp"
#include "stack/ipv4/output.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::core {

namespace {
constexpr int kLoopbackIndex = 1;
constexpr int kIpMaxMtu = 0xFFFF;  // IP_MAX_MTU (include/net/ip.h)

// inet_current_timestamp: milliseconds since midnight UT, for a TS option.
std::uint32_t current_timestamp() {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  return static_cast<std::uint32_t>(ms % (24LL * 60 * 60 * 1000));
}
}  // namespace

void Stack::learn_pmtu(Ipv4Address dst, int mtu) {
  if (mtu <= 0) return;
  // __ip_rt_update_pmtu against the route the datagram took (without
  // exceptions); net.ipv4.route.min_pmtu / mtu_expires as they are now.
  icmp::PmtuSettings settings;
  settings.min_pmtu = sysctl_.route_min_pmtu();
  settings.mtu_expires = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::milliseconds(sysctl_.route_mtu_expires_ms()));
  if (settings.min_pmtu != pmtu_cache_.settings().min_pmtu ||
      settings.mtu_expires != pmtu_cache_.settings().mtu_expires)
    pmtu_cache_ = icmp::PmtuCache(settings);  // a sysctl changed: the cache keeps no stale limits
  auto rt = routes_.output_route(dst, {}, 0, {}, false, false);
  if (!rt) return;
  pmtu_cache_.update(dst, static_cast<std::uint32_t>(mtu), rt->mtu, now_);
  // do_ip_getsockopt(IP_MTU) reads dst_mtu(sk_dst_get(sk)): a connected
  // socket's cached route sees the exception.
  for (auto& [fd, sp] : sockets_) {
    Socket& s = *sp;
    const bool to_dst = (s.kind == Kind::Udp && s.connected && s.peer == dst) ||
                        (s.kind == Kind::Raw && s.raw_peer && *s.raw_peer == dst);
    if (to_dst) s.cached_path_mtu = dst_mtu(dst, *rt);
  }
}

int Stack::dst_mtu(Ipv4Address dst, const ipv4::OutputRoute& rt) const {
  // ipv4_mtu: the live exception's MTU, else the route's (its metric, else
  // the device MTU), never above IP_MAX_MTU.
  int mtu = rt.mtu;
  if (auto e = pmtu_cache_.lookup(dst, now_)) mtu = e->mtu;
  if (const int learnt = path_mtu(dst); learnt > 0) mtu = std::min(mtu, learnt);
  return std::min(mtu, kIpMaxMtu);
}

void Stack::flush_pmtu() { pmtu_cache_.flush(); }

int Stack::send_mtu(int pmtudisc, Ipv4Address dst, const ipv4::OutputRoute& rt) const {
  // ip_setup_cork: ip_sk_use_pmtu(sk) ? dst_mtu(&rt->dst) : READ_ONCE(rt->dst.dev->mtu).
  if (pmtudisc < socket::pmtudisc::kProbe) return dst_mtu(dst, rt);
  const auto* dev = routes_.interface(rt.oif);
  return dev ? dev->mtu : rt.mtu;
}

bool Stack::datagram_df(int pmtudisc, Ipv4Address dst, const ipv4::OutputRoute& rt, int len) const {
  namespace m = socket::pmtudisc;
  // __ip_make_skb: DO, PROBE; or skb->len <= dst_mtu && ip_dont_fragment
  // (WANT and the MTU not locked).
  if (pmtudisc == m::kDo || pmtudisc == m::kProbe) return true;
  return pmtudisc == m::kWant && len <= dst_mtu(dst, rt) && !pmtu_cache_.locked(dst, now_);
}

std::uint16_t Stack::pick_ident(const OutputArgs& a, bool df) {
  if (!ident_) {
    // The per-destination generator: a keyed hash (ip_idents_hashrnd) and a
    // random jump for an idle bucket (ip_idents_reserve).
    std::random_device rd;
    const std::uint64_t key = (std::uint64_t{rd()} << 32) | rd();
    auto rng = std::make_shared<std::mt19937>(rd());
    ident_ = std::make_unique<ipv4::IdentGenerator>(
        key, [rng](std::uint32_t bound) { return static_cast<std::uint32_t>((*rng)() % bound); });
  }
  ipv4::IdentRequest req;
  req.daddr = a.dst;
  req.saddr = a.src;
  req.protocol = a.protocol;
  req.df = df;
  req.ignore_df = a.ignore_df;
  // ip_select_ident_segs: a socket with inet_daddr numbers from inet_id,
  // which ip4_datagram_connect seeded at random.
  std::optional<Ipv4Address> peer;
  if (a.sock) {
    if (a.sock->kind == Kind::Udp && a.sock->connected) peer = a.sock->peer;
    if (a.sock->kind == Kind::Raw && a.sock->raw_peer && !a.sock->raw_peer->is_unspecified()) peer = *a.sock->raw_peer;
    if (a.sock->kind == Kind::Tcp && a.sock->tcp && a.sock->tcp->conn) peer = a.sock->tcp->conn->endpoints().remote;
  }
  if (peer) {
    auto it = inet_ids_.find(a.sock->id);
    if (it == inet_ids_.end() || it->second.peer != *peer) {
      std::random_device rd;
      it = inet_ids_.insert_or_assign(a.sock->id, InetId{*peer, static_cast<std::uint16_t>(rd())}).first;
    }
    req.inet_id = &it->second.id;
  }
  const auto ticks = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now_.time_since_epoch()).count());
  return ipv4::select_ident(req, *ident_, ticks);
}

int Stack::ip_output(const OutputArgs& a) {
  if (a.header_included) {
    send_ip_datagram({a.payload.begin(), a.payload.end()}, a.route, a.loop_multicast);
    return 0;
  }
  // __ip_make_skb + ip_options_build + ip_fragment, in the ipv4 layer: the
  // header goes to a.dst (the first hop of a source route), the options name
  // the final destination.
  const Ipv4Address final_dst = a.final_dst.is_unspecified() ? a.dst : a.final_dst;
  ipv4::OutputPacket p;
  p.src = a.src;
  p.dst = final_dst;
  p.protocol = a.protocol;
  p.ttl = a.ttl;
  p.tos = a.tos;
  p.df = a.df;
  p.ignore_df = a.ignore_df || !a.df;  // without DF the size check is the caller's
  p.options = a.options && !a.options->empty() ? a.options : nullptr;
  if (p.options && p.options->ts >= 0) p.timestamp = current_timestamp();
  p.payload = a.payload;
  // ip_select_ident_segs runs on the finished header (after DF is known).
  OutputArgs id_args = a;
  id_args.dst = ipv4::first_hop(p.options, final_dst);
  p.id = pick_ident(id_args, a.df);
  auto packets = ipv4::build_datagrams(p, static_cast<std::size_t>(a.route.mtu));
  if (!packets) return -packets.error();
  for (auto& pkt : *packets) send_ip_datagram(std::move(pkt), a.route, a.loop_multicast);
  return 0;
}

void Stack::send_ip_datagram(std::vector<std::uint8_t> packet, const ipv4::OutputRoute& rt, bool loop_multicast) {
  if (rt.oif == kLoopbackIndex || (rt.local && !rt.multicast && !rt.broadcast)) {
    loopback_.emplace_back(std::move(packet), kLoopbackIndex);
    return;
  }
  if (rt.multicast) {
    // ip_mc_output: with IP_MULTICAST_LOOP a copy goes up the local stack,
    // where input keeps it only if this host has joined the group.
    if (loop_multicast) loopback_.emplace_back(packet, rt.oif);
    transmit(rt.oif, wire::MacAddress::ipv4_multicast(rt.dst), packet);
    return;
  }
  if (rt.broadcast) {
    loopback_.emplace_back(packet, rt.oif);
    transmit(rt.oif, wire::MacAddress::broadcast(), packet);
    return;
  }
  link::Packet p;
  p.source = rt.src;
  p.bytes = std::move(packet);
  apply(neighbours_->output(rt.next_hop, std::move(p), now_));
}

void Stack::run_pending() {
  if (draining_) return;
  draining_ = true;
  while (!loopback_.empty()) {
    auto batch = std::move(loopback_);
    loopback_.clear();
    for (auto& [pkt, ifindex] : batch) ip_input(pkt, ifindex, false, false);
  }
  draining_ = false;
}

}  // namespace ipc::stack::core
