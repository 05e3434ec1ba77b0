// From --targets, --target-cmd and --target-dut to the targets of a run.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "runner/paths.hpp"
#include "runner/target.hpp"

namespace ipc::runner {

namespace {

TargetSpec builtin(const std::string& name) {
  if (name == "kernel") {
    auto probe = kernel_probe_path();
    if (access(probe.c_str(), X_OK) != 0)
      throw std::invalid_argument(fmt::format("kernel probe not found at {}", probe.string()));
    return {"kernel", {probe.string()}, netns::DutMode::kernel, FactsVia::none};
  }
  auto stackd = stackd_path();
  if (access(stackd.c_str(), X_OK) != 0)
    throw std::invalid_argument(fmt::format(
        "stack target not found at {} (build stack/stackd, or point IPCONFORM_STACKD at an ipconform-stackd)",
        stackd.string()));
  return {"stack", {stackd.string()}, netns::DutMode::tap, FactsVia::arguments};
}

bool is_builtin(const std::string& name) { return name == "kernel" || name == "stack"; }

}  // namespace

std::vector<TargetSpec> resolve_targets(const std::vector<std::string>& names,
                                        const std::vector<std::string>& target_cmds,
                                        const std::vector<std::string>& target_duts) {
  std::vector<TargetSpec> custom;
  for (const auto& c : target_cmds) {
    custom.push_back(parse_target_cmd(c));
    if (is_builtin(custom.back().name))
      throw std::invalid_argument(fmt::format(
          "--target-cmd {}=...: '{}' is a built-in target; give the adapter a name of its own",
          custom.back().name, custom.back().name));
  }
  std::vector<TargetSpec> out;
  for (const auto& name : names) {
    if (std::any_of(out.begin(), out.end(), [&](const TargetSpec& t) { return t.name == name; }))
      throw std::invalid_argument(fmt::format("target '{}' is named twice in --targets", name));
    if (is_builtin(name)) {
      out.push_back(builtin(name));
      continue;
    }
    auto it = std::find_if(custom.begin(), custom.end(), [&](const TargetSpec& t) { return t.name == name; });
    if (it == custom.end())
      throw std::invalid_argument(fmt::format(
          "unknown target '{}': built in are 'kernel' and 'stack'; name others with --target-cmd {}=COMMAND", name,
          name));
    // An adapter may run behind /usr/bin/env, which would search PATH: the
    // command must be a path to an executable, as the kernel probe's is.
    const auto& cmd = it->argv.front();
    if (cmd.find('/') == std::string::npos || cmd.find('=') != std::string::npos || access(cmd.c_str(), X_OK) != 0)
      throw std::invalid_argument(
          fmt::format("--target-cmd {}: '{}' is not the path of an executable file", name, cmd));
    out.push_back(*it);
  }
  for (const auto& d : target_duts) apply_target_dut(d, out);
  // The kernel runs first so that every other target is diffed against it.
  std::stable_partition(out.begin(), out.end(), [](const TargetSpec& t) { return t.name == "kernel"; });
  return out;
}

}  // namespace ipc::runner
