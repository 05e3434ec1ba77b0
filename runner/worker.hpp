// A worker: its own namespaces (tester and DUT, joined by a veth), one
// session per target inside the DUT namespace, and the cases it is handed.
// Start-up (namespaces, target processes) is paid once per worker.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "oracle/baseline.hpp"
#include "oracle/case.hpp"
#include "runner/netns/topology.hpp"
#include "runner/record.hpp"
#include "runner/session.hpp"

namespace ipc::runner {

class Worker {
 public:
  // Creates the namespaces and starts every target (throws std::runtime_error).
  Worker(const std::vector<TargetSpec>& targets, std::chrono::milliseconds timeout, std::filesystem::path out_dir);

  // Runs one instance on every target, the kernel first, and judges each.
  std::vector<Judged> run(const oracle::Case& c, const oracle::Baseline& baseline, int repeat);

  std::vector<TargetInfo> infos();

 private:
  // One topology with its targets and wire agent. The default one is made
  // when the worker starts; others the first time a case asks for them.
  struct Env {
    Env(const std::string& kind, const std::vector<TargetSpec>& targets, std::chrono::milliseconds timeout);
    std::string kind;
    netns::Topology topology;
    nlohmann::json vars;
    std::vector<Session> sessions;
    WireAgent wire;
  };
  Env& env(const std::string& kind);

  std::vector<TargetSpec> targets_;
  std::chrono::milliseconds timeout_;
  std::filesystem::path out_dir_;
  std::map<std::string, std::unique_ptr<Env>> envs_;
};

}  // namespace ipc::runner
