// What a stack instance is attached to: one Ethernet interface with its
// address, routes and static neighbours, taken from the same topology the
// kernel target uses (runner/netns), plus the loopback device.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "stack/wire/address.hpp"

namespace ipc::stack::core {

using wire::Ipv4Address;
using wire::MacAddress;

struct RouteConfig {
  Ipv4Address dst;
  int prefix_len = 0;
  std::optional<Ipv4Address> gateway;
};

struct NeighbourConfig {
  Ipv4Address addr;
  MacAddress mac;
};

struct StackConfig {
  std::string ifname = "dut0";
  int ifindex = 2;
  MacAddress mac;
  int mtu = 1500;
  Ipv4Address address;
  int prefix_len = 24;
  std::vector<RouteConfig> routes;
  std::vector<NeighbourConfig> neighbours;  // permanent entries
};

}  // namespace ipc::stack::core
