#include <span>

#include "stack/core/tests/suite_config.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::core::testing {

std::vector<std::uint8_t> ipv4_frame(std::uint8_t protocol, std::span<const std::uint8_t> payload,
                                     wire::Ipv4Address dst, wire::MacAddress dst_mac) {
  wire::Ipv4Repr ip;
  ip.src = kPeer;
  ip.dst = dst;
  ip.protocol = protocol;
  ip.ttl = 64;
  ip.ident = 0x1234;
  ip.payload_len = static_cast<std::uint16_t>(payload.size());
  std::vector<std::uint8_t> frame(wire::ethernet::kHeaderLen + ip.header_len() + payload.size());
  wire::EthernetRepr eth{kPeerMac, dst_mac, wire::ethertype::kIpv4};
  (void)eth.emit(frame);
  auto rest = std::span(frame).subspan(wire::ethernet::kHeaderLen);
  (void)ip.emit(rest);
  std::copy(payload.begin(), payload.end(), rest.begin() + static_cast<long>(ip.header_len()));
  return frame;
}

std::vector<std::uint8_t> arp_request_frame(wire::Ipv4Address target) {
  wire::ArpRepr arp;
  arp.operation = wire::arp::kOpRequest;
  arp.sender_hw = kPeerMac;
  arp.sender_proto = kPeer;
  arp.target_proto = target;
  std::vector<std::uint8_t> frame(wire::ethernet::kHeaderLen + wire::arp::kPacketLen);
  wire::EthernetRepr eth{kPeerMac, wire::MacAddress::broadcast(), wire::ethertype::kArp};
  (void)eth.emit(frame);
  (void)arp.emit(std::span(frame).subspan(wire::ethernet::kHeaderLen));
  return frame;
}

}  // namespace ipc::stack::core::testing
