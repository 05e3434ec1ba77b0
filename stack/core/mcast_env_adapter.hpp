// The routing table as the multicast options see the host (McastEnv).
#pragma once

#include "stack/core/stack.hpp"
#include "stack/mcast/mcast_env.hpp"

namespace ipc::stack::core {

class Stack::McastEnvAdapter final : public mcast::McastEnv {
 public:
  explicit McastEnvAdapter(const Stack& s) : s_(s) {}
  std::optional<int> ifindex_of_local_addr(wire::Ipv4Address addr) const override {
    const int i = s_.routes_.device_of_local_address(addr);
    if (i) return i;
    return std::nullopt;
  }
  bool ifindex_exists(int ifindex) const override { return s_.routes_.interface(ifindex) != nullptr; }
  int output_ifindex(wire::Ipv4Address dst) const override {
    auto rt = s_.routes_.output_route(dst, {}, 0, {}, false, false);
    return rt ? rt->oif : 0;
  }
  wire::Ipv4Address primary_addr(int ifindex) const override {
    const auto* i = s_.routes_.interface(ifindex);
    return i && !i->addresses.empty() ? i->addresses.front().local : wire::Ipv4Address{};
  }
  bool is_loopback(int ifindex) const override {
    const auto* i = s_.routes_.interface(ifindex);
    return i && i->loopback;
  }

 private:
  const Stack& s_;
};

}  // namespace ipc::stack::core
