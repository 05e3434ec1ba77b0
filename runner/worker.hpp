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
  netns::Topology topology_;
  nlohmann::json vars_;
  std::vector<Session> sessions_;
  WireAgent wire_;
  std::filesystem::path out_dir_;
  std::chrono::milliseconds timeout_;
};

}  // namespace ipc::runner
