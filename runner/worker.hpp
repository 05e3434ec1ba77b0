// A worker: for each target, its own namespaces (tester and DUT, joined by a
// veth) with the target started inside, and the cases it is handed.
// Start-up (namespaces, target processes) is paid once per worker.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "oracle/baseline.hpp"
#include "oracle/case.hpp"
#include "runner/netns/topology.hpp"
#include "runner/record.hpp"
#include "runner/session.hpp"

namespace ipc::runner {

class Worker {
 public:
  // Creates every target's default topology and starts the target (throws
  // std::runtime_error).
  Worker(const std::vector<TargetSpec>& targets, std::chrono::milliseconds timeout, std::filesystem::path out_dir);

  // Runs one instance on every target, the kernel first, and judges each.
  std::vector<Judged> run(const oracle::Case& c, const oracle::Baseline& baseline, int repeat);

  std::vector<TargetInfo> infos();

 private:
  // One target in one topology kind ("" or a case's `requires.topology`):
  // namespaces whose DUT side is the target's kind (kernel or TAP), the
  // case variables, the target's session and the wire agent on the tester
  // side. Targets never share one: a stack and the kernel cannot both own
  // dut_addr, and what one target leaves behind cannot reach another.
  struct Env {
    Env(const TargetSpec& target, const std::string& kind);  // the target starts on first use
    netns::Topology topology;
    nlohmann::json vars;
    WireAgent wire;
    Session session;
  };
  // The default kind is made when the worker starts; others the first time
  // a case asks for them.
  Env& env(std::size_t target, const std::string& kind);

  std::vector<TargetSpec> targets_;
  std::chrono::milliseconds timeout_;
  std::filesystem::path out_dir_;
  std::map<std::pair<std::size_t, std::string>, std::unique_ptr<Env>> envs_;
};

}  // namespace ipc::runner
