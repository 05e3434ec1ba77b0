// stackd's command line: the topology the stack is attached with.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "stack/core/config.hpp"

namespace ipc::stack::stackd {

struct ConfigArgs {
  std::string tap, ifname = "dut0", mac, address;
  int ifindex = 2, mtu = 1500;
  std::vector<std::string> routes, neighbours;

  void add_to(CLI::App& app);
  // Throws std::invalid_argument naming the bad value.
  core::StackConfig to_config() const;
};

}  // namespace ipc::stack::stackd
