// The suite topology as a StackConfig, and frames built with the stack's own
// wire types, for tests that drive a stack in memory.
#pragma once

#include <vector>

#include "stack/core/config.hpp"
#include "stack/wire/address.hpp"

namespace ipc::stack::core::testing {

inline const wire::MacAddress kDutMac = *wire::MacAddress::parse("02:00:00:00:01:01");
inline const wire::MacAddress kPeerMac = *wire::MacAddress::parse("02:00:00:00:02:02");
inline const wire::Ipv4Address kDut{192, 0, 2, 1};
inline const wire::Ipv4Address kPeer{192, 0, 2, 2};

inline StackConfig suite_config() {
  StackConfig c;
  c.ifname = "dut0";
  c.ifindex = 2;
  c.mac = kDutMac;
  c.address = kDut;
  c.prefix_len = 24;
  c.routes = {{wire::Ipv4Address(198, 51, 100, 0), 24, wire::Ipv4Address(192, 0, 2, 254)},
              {wire::Ipv4Address(224, 0, 0, 0), 4, std::nullopt}};
  c.neighbours = {{kPeer, kPeerMac}, {wire::Ipv4Address(192, 0, 2, 254), kPeerMac}};
  return c;
}

// An Ethernet frame from the peer carrying an IPv4 packet with `payload`.
std::vector<std::uint8_t> ipv4_frame(std::uint8_t protocol, std::span<const std::uint8_t> payload,
                                     wire::Ipv4Address dst = kDut, wire::MacAddress dst_mac = kDutMac);
std::vector<std::uint8_t> arp_request_frame(wire::Ipv4Address target);

}  // namespace ipc::stack::core::testing
