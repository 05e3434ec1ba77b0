// Receive path: Ethernet demux, ARP, IPv4 checks and local delivery
// (ip_rcv_core, ip_local_deliver, ip_local_deliver_finish).
#include <cerrno>

#include "stack/core/stack.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::core {

namespace {
constexpr std::uint8_t kProtoIcmp = 1, kProtoIgmp = 2, kProtoUdp = 17;
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

void Stack::ip_input(std::span<const std::uint8_t> packet, int ifindex, bool link_broadcast, bool link_multicast) {
  (void)link_multicast;
  // ip_rcv_core: version 4, ihl >= 5, total length within the frame,
  // header checksum; trailing bytes are trimmed.
  auto ip = wire::Ipv4Packet::check(packet);
  if (!ip || ip->version() != 4 || ip->ihl() < 5 || !ip->verify_checksum()) return;
  const Ipv4Address dst = ip->dst();
  const Ipv4Address src = ip->src();
  // ip_route_input_slow: martian sources are dropped.
  if (src.is_multicast() || (src.is_broadcast())) return;
  bool local = false;
  if (dst.is_multicast()) {
    local = mc_member(dst, ifindex);
  } else if (dst.is_broadcast() || link_broadcast) {
    local = true;
  } else {
    const auto type = routes_.addr_type(dst);
    local = type == ipv4::RouteType::kLocal || type == ipv4::RouteType::kBroadcast;
  }
  if (!local) return;  // a host does not forward (ip_forward = 0)

  std::vector<std::uint8_t> whole(ip->bytes().begin(), ip->bytes().end());
  if (ip->more_frags() || ip->frag_offset() != 0) {
    ipv4::Fragment f;
    f.key = {src.to_u32(), dst.to_u32(), ip->ident(), ip->protocol()};
    f.offset_bytes = ip->frag_offset();
    f.more_fragments = ip->more_frags();
    f.header = ip->header();
    f.payload = ip->payload();
    auto [outcome, done] = reassembler_->add(f, now_);
    if (!done) return;
    whole = done->header;
    whole.insert(whole.end(), done->payload.begin(), done->payload.end());
  }
  ip_local_deliver(std::move(whole), ifindex);
}

void Stack::ip_local_deliver(std::vector<std::uint8_t> packet, int ifindex) {
  auto ip = wire::Ipv4Packet::check(std::span<const std::uint8_t>(packet));
  if (!ip) return;
  const std::uint8_t proto = ip->protocol();
  const bool raw_taken = raw_input(packet, ifindex);
  switch (proto) {
    case kProtoIcmp: icmp_input(packet, ifindex); return;
    case kProtoUdp: udp_input(packet, ifindex); return;
    case kProtoIgmp: return;
    default:
      // ip_protocol_deliver_rcu: no handler and no raw socket -> protocol
      // unreachable.
      if (!raw_taken) icmp_send_error(packet, 3, 2, 0);
  }
}

}  // namespace ipc::stack::core
