#include "runner/worker.hpp"

namespace ipc::runner {

using json = nlohmann::json;

Worker::Worker(const std::vector<TargetSpec>& targets, std::chrono::milliseconds timeout, std::filesystem::path out_dir)
    : topology_(netns::Topology::create()),
      timeout_(timeout),
      wire_(topology_.tester_netns(), topology_.facts()),
      out_dir_(std::move(out_dir)) {
  vars_ = json::object();
  for (const auto& [k, v] : topology_.facts().variables()) {
    // Numeric facts stay numbers so `ifindex = "${dut_ifindex}"` is an int.
    bool numeric = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
    vars_[k] = numeric ? json(std::stoll(v)) : json(v);
  }
  for (const auto& t : targets) {
    sessions_.emplace_back(t, topology_.dut_netns());
    sessions_.back().info(timeout_);
  }
}

std::vector<TargetInfo> Worker::infos() {
  std::vector<TargetInfo> out;
  for (auto& s : sessions_) out.push_back(s.info(timeout_));
  return out;
}

std::vector<Judged> Worker::run(const oracle::Case& c, const oracle::Baseline& baseline, int repeat) {
  std::vector<Judged> out;
  std::optional<TargetRun> kernel;
  for (auto& s : sessions_) {
    auto r = s.run(c, vars_, timeout_, &wire_, out_dir_);
    const bool clean_kernel = kernel && kernel->error.empty() && kernel->skip_reason.empty();
    out.push_back(judge(c, s.name(), r, (s.name() != "kernel" && clean_kernel) ? &*kernel : nullptr, baseline, repeat));
    if (s.name() == "kernel") kernel = std::move(r);
  }
  return out;
}

}  // namespace ipc::runner
