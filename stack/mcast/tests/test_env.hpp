// The suite's default topology: lo (1, 127.0.0.1/8) and dut0 (2,
// 192.0.2.1/24), route 224.0.0.0/4 dev dut0, no default route.
#pragma once

#include "stack/mcast/mcast_env.hpp"

namespace ipc::stack::mcast::test {

class TestEnv : public McastEnv {
 public:
  std::optional<int> ifindex_of_local_addr(wire::Ipv4Address a) const override {
    if (a.is_loopback()) return 1;
    if (a == wire::Ipv4Address(192, 0, 2, 1)) return 2;
    return std::nullopt;
  }
  bool ifindex_exists(int i) const override { return i == 1 || i == 2; }
  int output_ifindex(wire::Ipv4Address d) const override {
    if (d.is_unspecified() || d.is_loopback() || d == wire::Ipv4Address(192, 0, 2, 1)) return 1;
    if (d.is_multicast()) return 2;
    if ((d.to_u32() & 0xffffff00u) == 0xc0000200u) return 2;
    return 0;
  }
  wire::Ipv4Address primary_addr(int i) const override {
    return i == 1 ? wire::Ipv4Address::loopback() : wire::Ipv4Address(192, 0, 2, 1);
  }
  bool is_loopback(int i) const override { return i == 1; }
};

}  // namespace ipc::stack::mcast::test
