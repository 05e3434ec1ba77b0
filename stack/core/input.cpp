// Receive path: Ethernet demux, ARP, IPv4 checks and local delivery
// (ip_rcv_core, ip_rcv_finish_core, ip_local_deliver, ip_local_deliver_finish),
// through stack/ipv4/input.
#include <cerrno>

#include "stack/core/stack.hpp"
#include "stack/icmp/icmp_reply.hpp"
#include "stack/ipv4/input.hpp"
#include "stack/ipv4/options_rcv.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::core {

namespace {
constexpr std::uint8_t kProtoIcmp = 1, kProtoIgmp = 2, kProtoTcp = 6, kProtoUdp = 17;
constexpr int kLoopbackIndex = 1;
}  // namespace

void Stack::input_frame(std::span<const std::uint8_t> frame, Clock::time_point now) {
  now_ = now;
  auto eth = wire::EthernetFrame::check(frame);
  if (!eth) return;
  const auto repr = wire::EthernetRepr::parse(*eth);
  const bool to_us = repr.dst == config_.mac;
  const bool bcast = repr.dst == wire::MacAddress::broadcast();
  const bool mcast = !bcast && (repr.dst.octets()[0] & 1);
  if (!to_us && !bcast && !mcast) return;  // PACKET_OTHERHOST: dropped by ip_rcv
  if (repr.ethertype == wire::ethertype::kArp) {
    arp_input(eth->payload(), to_us);
  } else if (repr.ethertype == wire::ethertype::kIpv4) {
    ip_input(eth->payload(), config_.ifindex, bcast, mcast);
  }
  run_pending();
}

void Stack::arp_input(std::span<const std::uint8_t> payload, bool to_host) {
  auto pkt = wire::ArpPacket::check(payload);
  if (!pkt) return;
  link::ArpInput in;
  in.arp = wire::ArpRepr::parse(*pkt);
  // arp_rcv/arp_process: Ethernet/IPv4 ARP only, no multicast senders.
  if (in.arp.sender_proto.is_multicast()) return;
  in.to_host = to_host;
  in.target_is_local = routes_.addr_type(in.arp.target_proto) == ipv4::RouteType::kLocal &&
                       routes_.device_of_local_address(in.arp.target_proto) == config_.ifindex;
  in.sender_is_unicast = routes_.addr_type(in.arp.sender_proto) == ipv4::RouteType::kUnicast;
  auto outcome = neighbours_->process_arp(in, now_);
  if (outcome.send_reply) {
    wire::ArpRepr reply;
    reply.operation = wire::arp::kOpReply;
    reply.sender_hw = config_.mac;
    reply.sender_proto = in.arp.target_proto;
    reply.target_hw = in.arp.sender_hw;
    reply.target_proto = in.arp.sender_proto;
    std::vector<std::uint8_t> frame(wire::ethernet::kHeaderLen + wire::arp::kPacketLen);
    wire::EthernetRepr eth{config_.mac, in.arp.sender_hw, wire::ethertype::kArp};
    (void)eth.emit(frame);
    (void)reply.emit(std::span(frame).subspan(wire::ethernet::kHeaderLen));
    sink_(frame);
  }
  apply(std::move(outcome.effects));
}

// The per-device knobs ip_route_input_slow / ip_rcv_finish_core read
// (IN_DEV_ANDCONF accept_source_route; IN_DEV_ORCONF accept_local and
// drop_unicast_in_l2_multicast; IN_DEV_RPFILTER is the max of all and dev).
ipv4::InputConfig Stack::input_config(int ifindex) const {
  const std::string_view dev = ifindex == kLoopbackIndex ? std::string_view("lo") : std::string_view(config_.ifname);
  auto get = [&](std::string_view d, std::string_view name) { return sysctl_.conf(d, name).value_or(0); };
  ipv4::InputConfig c;
  c.accept_source_route = get("all", "accept_source_route") && get(dev, "accept_source_route");
  c.accept_local = get("all", "accept_local") || get(dev, "accept_local");
  c.rp_filter = std::max(get("all", "rp_filter"), get(dev, "rp_filter"));
  c.drop_unicast_in_l2_multicast =
      get("all", "drop_unicast_in_l2_multicast") || get(dev, "drop_unicast_in_l2_multicast");
  return c;
}

void Stack::ip_input(std::span<const std::uint8_t> packet, int ifindex, bool link_broadcast, bool link_multicast) {
  ipv4::InputContext ctx;
  ctx.routes = &routes_;
  ctx.ifindex = ifindex;
  ctx.link = link_broadcast   ? ipv4::LinkDelivery::kBroadcast
             : link_multicast ? ipv4::LinkDelivery::kMulticast
                              : ipv4::LinkDelivery::kHost;
  ctx.config = input_config(ifindex);
  // ip_check_mc_rcu (keeping the membership hook's view of this device).
  ctx.mc_accept = [this, ifindex](Ipv4Address group, Ipv4Address source, std::uint8_t protocol) {
    return mcast_->check_mc_rcv(ifindex, group, source, protocol == kProtoIgmp);
  };
  ctx.timestamp = icmp::ms_since_midnight_ut(std::chrono::system_clock::now());  // inet_current_timestamp

  // A packet this host sent to itself (run_pending: loopback xmit, or a
  // multicast copy from ip_mc_output) still carries its output route:
  // ip_rcv_finish skips ip_route_input_noref when skb_valid_dst().
  ipv4::InputResult res = draining_ ? local_input(packet, ctx) : ipin_->receive(packet, ctx, now_);

  icmp::Arrival arrival;
  arrival.route_local = res.datagram.kind == ipv4::InputRouteKind::kLocal;
  arrival.route_broadcast = res.datagram.kind == ipv4::InputRouteKind::kBroadcast;
  arrival.route_multicast = res.datagram.kind == ipv4::InputRouteKind::kMulticast;
  arrival.link_host = ctx.link == ipv4::LinkDelivery::kHost;
  arrival.in_ifindex = ifindex;
  arrival.in_loopback = ifindex == kLoopbackIndex;

  if (res.verdict != ipv4::InputResult::Verdict::kDeliver) {
    // ip_rcv_options -> ip_options_compile failed: icmp_send(PARAMETERPROB)
    // with the pointer (ip_options_compile's error path).
    if (res.param_problem && !res.datagram.packet.empty())
      icmp_error_about(res.datagram, arrival, icmp::parameter_problem(*res.param_problem));
    return;
  }

  RxContext rx;
  rx.dgram = &res.datagram;
  rx.arrival = arrival;
  rx.ifindex = ifindex;
  // A datagram looped back to one of our addresses: inet_iif is the rt_iif
  // of the output route, the device that owns the address
  // (ip_route_output_key_hash_rcu: "orig_oif = FIB_RES_OIF(*res)").
  if (ifindex == kLoopbackIndex && res.datagram.kind == ipv4::InputRouteKind::kLocal) {
    const int dev = routes_.device_of_local_address(res.datagram.dst());
    if (dev > 0) rx.ifindex = dev;
  }
  const RxContext* saved = rx_;
  rx_ = &rx;
  ip_local_deliver(res.datagram.packet, rx.ifindex);
  rx_ = saved;
}

// ip_rcv_core, then ip_rcv_finish_core with the dst the output path
// attached (no input route, no fib_validate_source), ip_rcv_options, and
// ip_local_deliver's reassembly.
ipv4::InputResult Stack::local_input(std::span<const std::uint8_t> packet, const ipv4::InputContext& ctx) {
  ipv4::InputResult res;
  const auto core = ipv4::check_received(packet, ipv4::LinkDelivery::kHost);
  if (core.drop != ipv4::InputDrop::kNone) return res;
  auto& d = res.datagram;
  d.packet.assign(core.datagram.begin(), core.datagram.end());
  const Ipv4Address src = d.src(), dst = d.dst();
  if (dst.is_multicast()) {
    if (!ctx.mc_accept(dst, src, d.protocol())) return res;
    d.kind = ipv4::InputRouteKind::kMulticast;
  } else if (dst.is_broadcast() || routes_.addr_type(dst) == ipv4::RouteType::kBroadcast) {
    d.kind = ipv4::InputRouteKind::kBroadcast;
  } else if (routes_.addr_type(dst) == ipv4::RouteType::kLocal) {
    d.kind = ipv4::InputRouteKind::kLocal;
  } else {
    return res;
  }
  d.spec_dst = ipv4::compute_spec_dst(ctx, d.kind, src, dst);
  const std::size_t hlen = d.header().size();
  if (hlen > 20) {
    ipv4::OptionsRcvContext octx;
    octx.spec_dst = d.spec_dst;
    octx.timestamp = ctx.timestamp;
    octx.is_unicast = [this](Ipv4Address a) { return routes_.addr_type(a) == ipv4::RouteType::kUnicast; };
    auto compiled = ipv4::compile_received_options(std::span<std::uint8_t>(d.packet).subspan(20, hlen - 20), octx);
    d.options = std::move(compiled.opt);
    if (compiled.param_problem) {
      res.drop = ipv4::InputDrop::kBadOptions;
      res.param_problem = compiled.param_problem;
      return res;
    }
  }
  const auto ip = *wire::Ipv4Packet::check(std::span<const std::uint8_t>(d.packet));
  if (ip.more_frags() || ip.frag_offset() != 0) {
    ipv4::Fragment f;
    f.key = {src.to_u32(), dst.to_u32(), ip.ident(), ip.protocol()};
    f.offset_bytes = ip.frag_offset();
    f.more_fragments = ip.more_frags();
    f.header = ip.header();
    f.payload = ip.payload();
    auto [outcome, whole] = ipin_->reassembler().add(f, now_);
    if (!whole) return res;
    std::vector<std::uint8_t> joined = whole->header;
    joined.insert(joined.end(), whole->payload.begin(), whole->payload.end());
    d.packet = std::move(joined);
  }
  res.verdict = ipv4::InputResult::Verdict::kDeliver;
  return res;
}

void Stack::fill_rx_meta(Datagram& d) const {
  if (!rx_ || !rx_->dgram) return;
  const auto& r = *rx_->dgram;
  d.spec_dst = r.spec_dst;  // fib_compute_spec_dst (ipv4_pktinfo_prepare)
  d.ifindex = rx_->ifindex;
  const auto opts = r.options_bytes();  // ip_cmsg_recv_opts
  d.options.assign(opts.begin(), opts.end());
  d.echo_options.clear();
  if (!d.options.empty()) {
    // ip_cmsg_recv_retopts: ip_options_echo + ip_options_undo.
    auto ret = ipv4::retopts_cmsg(r, routes_);
    if (ret.present) d.echo_options = std::move(ret.value);
  }
}

void Stack::ip_local_deliver(std::vector<std::uint8_t> packet, int ifindex) {
  auto ip = wire::Ipv4Packet::check(std::span<const std::uint8_t>(packet));
  if (!ip) return;
  const std::uint8_t proto = ip->protocol();
  // raw_local_deliver: raw sockets first; their copies get this datagram's
  // receive metadata as ip_local_deliver_finish left it.
  std::vector<std::pair<Socket*, std::size_t>> before;
  for (auto& [fd, sp] : sockets_)
    if (sp->kind == Kind::Raw) before.emplace_back(sp.get(), sp->rx.size());
  const bool raw_taken = raw_input(packet, ifindex);
  for (auto& [s, n] : before)
    for (std::size_t i = n; i < s->rx.size(); ++i) fill_rx_meta(s->rx[i]);
  switch (proto) {
    case kProtoIcmp: icmp_input(packet, ifindex); return;
    case kProtoUdp: udp_input(packet, ifindex); return;
    case kProtoTcp: tcp_input(packet, ifindex); return;
    case kProtoIgmp: return;
    default:
      // ip_protocol_deliver_rcu: no handler and no raw socket -> protocol
      // unreachable.
      if (!raw_taken) {
        if (rx_ && rx_->dgram)
          icmp_error_about(*rx_->dgram, rx_->arrival, icmp::protocol_unreachable());
        else
          icmp_send_error(packet, 3, 2, 0);
      }
  }
}

}  // namespace ipc::stack::core
