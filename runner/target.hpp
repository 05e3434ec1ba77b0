// A target as the runner sees it: a name, the command that starts it, the
// kind of DUT it drives, and what it said of itself in `hello`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runner/netns/topology.hpp"

namespace ipc::runner {

// How a target learns the topology facts it has to implement (a TAP-mode
// target owns dut_mac, dut_addr, the routes and the neighbours).
enum class FactsVia {
  none,       // the kernel probe: the kernel of its namespace has them already
  arguments,  // ipconform-stackd: --tap, --ifname, --ifindex, --mac, ... (see launch_argv)
  environment // --target-cmd adapters: IPCONFORM_* variables (docs/adding-a-target.md)
};

struct TargetSpec {
  std::string name;               // "kernel", "stack", or the name given with --target-cmd
  std::vector<std::string> argv;  // the command as given; started inside the DUT namespace
  netns::DutMode dut = netns::DutMode::kernel;
  FactsVia facts = FactsVia::none;
};

struct TargetInfo {
  std::string name, implementation, release;
  std::vector<std::string> features;
  nlohmann::json to_json() const;
  bool has(const std::string& feature) const;
};

// Parses "name=/path/to/adapter arg ..." (--target-cmd): a TAP-mode target
// told the facts through its environment.
TargetSpec parse_target_cmd(const std::string& spec);

// Applies "name=kernel" or "name=tap" (--target-dut) to the spec of that name.
void apply_target_dut(const std::string& spec, std::vector<TargetSpec>& targets);

// The targets of a run, the kernel first (every other target is diffed
// against it): `names` from --targets, where "kernel" and "stack" are built
// in and others are named by a --target-cmd; then the --target-dut choices.
// The built-ins must be installed or built (see paths.hpp). Throws
// std::invalid_argument.
std::vector<TargetSpec> resolve_targets(const std::vector<std::string>& names,
                                        const std::vector<std::string>& target_cmds,
                                        const std::vector<std::string>& target_duts);

// The command that starts `target` in a topology with these facts: its argv
// in kernel mode; in TAP mode followed by the facts (FactsVia::arguments), or
// behind /usr/bin/env with IPCONFORM_* variables (FactsVia::environment).
std::vector<std::string> launch_argv(const TargetSpec& target, const netns::TopologyFacts& facts,
                                     const netns::TopologyOptions& options);

// "6.1.0-18-amd64" >= "5.10"? Compares the leading numeric components.
bool version_at_least(const std::string& release, const std::string& minimum);

}  // namespace ipc::runner
