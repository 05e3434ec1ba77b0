// The command line a target starts with in one topology. A TAP-mode target
// implements the DUT's IPv4 itself, so it is told the facts the kernel
// target gets from its namespace: interface, address, routes, neighbours.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runner/target.hpp"

namespace ipc::runner {

namespace {

struct Fact {
  std::string option;  // ipconform-stackd's flag
  std::string env;     // an adapter's variable
  std::vector<std::string> values;
};

std::vector<Fact> tap_facts(const netns::TopologyFacts& f, const netns::TopologyOptions& o) {
  std::vector<std::string> routes, neighbours;
  for (const auto& r : f.routes()) routes.push_back(r.gateway.empty() ? r.prefix : r.prefix + "=" + r.gateway);
  if (o.static_neighbours)
    for (const auto& n : f.static_neighbours()) neighbours.push_back(n.addr + "=" + n.mac);
  return {
      {"--tap", "IPCONFORM_TAP", {f.tap_if}},
      {"--ifname", "IPCONFORM_IFNAME", {f.dut_if}},
      {"--ifindex", "IPCONFORM_IFINDEX", {std::to_string(f.dut_ifindex)}},
      {"--mac", "IPCONFORM_MAC", {f.dut_mac}},
      {"--mtu", "IPCONFORM_MTU", {std::to_string(f.mtu)}},
      {"--address", "IPCONFORM_ADDRESS", {fmt::format("{}/{}", f.dut_addr, f.prefix)}},
      {"--route", "IPCONFORM_ROUTES", routes},
      {"--neighbour", "IPCONFORM_NEIGHBOURS", neighbours},
  };
}

}  // namespace

std::vector<std::string> launch_argv(const TargetSpec& target, const netns::TopologyFacts& facts,
                                     const netns::TopologyOptions& options) {
  if (options.dut != netns::DutMode::tap || target.facts == FactsVia::none) return target.argv;
  const auto all = tap_facts(facts, options);
  if (target.facts == FactsVia::arguments) {
    auto argv = target.argv;
    for (const auto& f : all)
      for (const auto& v : f.values) {
        argv.push_back(f.option);
        argv.push_back(v);
      }
    return argv;
  }
  // The adapter's own command line stays as its author wrote it.
  std::vector<std::string> argv{"/usr/bin/env", "IPCONFORM_TARGET=" + target.name};
  for (const auto& f : all) argv.push_back(fmt::format("{}={}", f.env, fmt::join(f.values, " ")));
  argv.insert(argv.end(), target.argv.begin(), target.argv.end());
  return argv;
}

}  // namespace ipc::runner
