// The variables every topology defines for cases (`${dut_addr}` ...). The
// runner fills in the real values of its topology; these defaults, identical
// to what the default topology creates, let lint check cases without one.
#pragma once

#include <nlohmann/json.hpp>

namespace ipc::oracle {

inline nlohmann::json default_topology_vars() {
  return {
      {"dut_if", "dut0"},           {"tester_if", "tst0"},
      {"dut_mac", "02:00:00:00:01:01"}, {"tester_mac", "02:00:00:00:02:02"},
      {"dut_addr", "192.0.2.1"},    {"peer_addr", "192.0.2.2"},
      {"router_addr", "192.0.2.254"}, {"dut_net", "192.0.2.0"},
      {"dut_bcast", "192.0.2.255"}, {"remote_net", "198.51.100.0"},
      {"remote_addr", "198.51.100.7"}, {"unreachable_addr", "203.0.113.9"},
      {"dut_ifindex", 2},           {"lo_ifindex", 1},
      {"mtu", 1500},                {"prefix", 24},
  };
}

}  // namespace ipc::oracle
