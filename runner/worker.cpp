#include "runner/worker.hpp"

#include <fmt/format.h>

namespace ipc::runner {

using json = nlohmann::json;

namespace {

// How long a TAP-mode target may take, after answering hello, until frames
// flow through its TAP (it attaches before answering; the bridge then
// enables the port from the kernel's link-watch work, well under 1 ms).
constexpr std::chrono::seconds kTapAttachLimit{2};

netns::TopologyOptions options_for(const TargetSpec& target, const std::string& kind) {
  return {.static_neighbours = kind != "dynamic-arp", .dut = target.dut};
}

json variables(const netns::TopologyFacts& facts) {
  json vars = json::object();
  for (const auto& [name, v] : facts.variables()) {
    // Numeric facts stay numbers so `ifindex = "${dut_ifindex}"` is an int.
    bool numeric = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
    vars[name] = numeric ? json(std::stoll(v)) : json(v);
  }
  return vars;
}

std::function<void()> after_start(const netns::Topology& topology) {
  if (topology.options().dut != netns::DutMode::tap) return {};
  return [&topology] { topology.wait_tap_forwarding(kTapAttachLimit); };
}

TargetSpec launched(const TargetSpec& target, const netns::Topology& topology) {
  TargetSpec t = target;
  t.argv = launch_argv(target, topology.facts(), topology.options());
  return t;
}

}  // namespace

Worker::Env::Env(const TargetSpec& target, const std::string& kind)
    : topology(netns::Topology::create(options_for(target, kind))),
      vars(variables(topology.facts())),
      wire(topology.tester_netns(), topology.facts(), kind != "dynamic-arp"),
      session(launched(target, topology), topology.dut_netns(), after_start(topology)) {}

Worker::Worker(const std::vector<TargetSpec>& targets, std::chrono::milliseconds timeout, std::filesystem::path out_dir)
    : targets_(targets), timeout_(timeout), out_dir_(std::move(out_dir)) {
  for (std::size_t i = 0; i < targets_.size(); ++i) env(i, "").session.info(timeout_);
}

Worker::Env& Worker::env(std::size_t target, const std::string& kind) {
  auto& e = envs_[{target, kind}];
  if (!e) e = std::make_unique<Env>(targets_[target], kind);
  return *e;
}

std::vector<TargetInfo> Worker::infos() {
  std::vector<TargetInfo> out;
  for (std::size_t i = 0; i < targets_.size(); ++i) out.push_back(env(i, "").session.info(timeout_));
  return out;
}

std::vector<Judged> Worker::run(const oracle::Case& c, const oracle::Baseline& baseline, int repeat) {
  std::vector<Judged> out;
  std::optional<TargetRun> kernel;
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    Env* env_or_null = nullptr;
    try {
      env_or_null = &env(i, c.needs.topology);
    } catch (const std::exception& ex) {
      TargetRun r;
      r.error = fmt::format("cannot make the '{}' topology: {}", c.needs.topology, ex.what());
      out.push_back(judge(c, targets_[i].name, r, nullptr, baseline, repeat));
      continue;
    }
    Env& e = *env_or_null;
    // Each target starts from an empty neighbour cache where it resolves
    // neighbours itself (in the default topology the entries are static). A
    // TAP-mode stack empties its own cache at `end`.
    if (!c.needs.topology.empty() && e.topology.options().dut == netns::DutMode::kernel)
      e.topology.flush_neighbours();
    auto r = e.session.run(c, e.vars, timeout_, &e.wire, out_dir_);
    const auto& name = e.session.name();
    const bool clean_kernel = kernel && kernel->error.empty() && kernel->skip_reason.empty();
    out.push_back(judge(c, name, r, (name != "kernel" && clean_kernel) ? &*kernel : nullptr, baseline, repeat));
    if (name == "kernel") kernel = std::move(r);
  }
  return out;
}

}  // namespace ipc::runner
