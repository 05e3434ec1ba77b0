#include "runner/worker.hpp"

namespace ipc::runner {

using json = nlohmann::json;

Worker::Env::Env(const std::string& k, const std::vector<TargetSpec>& targets, std::chrono::milliseconds timeout)
    : kind(k),
      topology(netns::Topology::create({.static_neighbours = k != "dynamic-arp"})),
      wire(topology.tester_netns(), topology.facts(), k != "dynamic-arp") {
  vars = json::object();
  for (const auto& [name, v] : topology.facts().variables()) {
    // Numeric facts stay numbers so `ifindex = "${dut_ifindex}"` is an int.
    bool numeric = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
    vars[name] = numeric ? json(std::stoll(v)) : json(v);
  }
  for (const auto& t : targets) {
    sessions.emplace_back(t, topology.dut_netns());
    sessions.back().info(timeout);
  }
}

Worker::Worker(const std::vector<TargetSpec>& targets, std::chrono::milliseconds timeout, std::filesystem::path out_dir)
    : targets_(targets), timeout_(timeout), out_dir_(std::move(out_dir)) {
  env("");
}

Worker::Env& Worker::env(const std::string& kind) {
  auto& e = envs_[kind];
  if (!e) e = std::make_unique<Env>(kind, targets_, timeout_);
  return *e;
}

std::vector<TargetInfo> Worker::infos() {
  std::vector<TargetInfo> out;
  for (auto& s : env("").sessions) out.push_back(s.info(timeout_));
  return out;
}

std::vector<Judged> Worker::run(const oracle::Case& c, const oracle::Baseline& baseline, int repeat) {
  std::vector<Judged> out;
  std::optional<TargetRun> kernel;
  Env& e = env(c.needs.topology);
  for (auto& s : e.sessions) {
    // Each target starts from an empty neighbour cache where it resolves
    // neighbours itself; in the default topology the entries are static.
    if (!c.needs.topology.empty()) e.topology.flush_neighbours();
    auto r = s.run(c, e.vars, timeout_, &e.wire, out_dir_);
    const bool clean_kernel = kernel && kernel->error.empty() && kernel->skip_reason.empty();
    out.push_back(judge(c, s.name(), r, (s.name() != "kernel" && clean_kernel) ? &*kernel : nullptr, baseline, repeat));
    if (s.name() == "kernel") kernel = std::move(r);
  }
  return out;
}

}  // namespace ipc::runner
