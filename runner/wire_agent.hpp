// The worker's wire agent: the Scapy process in the tester namespace that
// injects and captures frames (docs/wire-agent.md). Started on the first case
// that has wire steps, then kept for the worker's life.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "probes/client/probe_process.hpp"
#include "runner/netns/topology.hpp"

namespace ipc::runner {

class WireAgent {
 public:
  // `echo_barrier`: the DUT can answer the tester's echo requests at any
  // time (its neighbours are static), so every case can start with a barrier.
  WireAgent(int tester_netns, const netns::TopologyFacts& facts, bool echo_barrier);
  bool echo_barrier() const { return echo_barrier_; }

  // Starts the agent if it is not running. Throws std::runtime_error.
  void ensure_started(std::chrono::milliseconds timeout);
  // One request; throws probe::ProbeError, after which the agent is restarted
  // on next use. A response with `error` is returned as is.
  nlohmann::json call(nlohmann::json req, std::chrono::milliseconds timeout);
  void drop();

 private:
  int netns_;
  netns::TopologyFacts facts_;
  bool echo_barrier_;
  std::optional<probe::ProbeProcess> proc_;
};

// What one case saw on the wire, gathered as the steps run.
struct Capture {
  std::vector<nlohmann::json> frames;  // dissected, in capture order
  int next = 0;                        // the agent's index to fetch from
  std::size_t cursor = 0;              // where the next expect_packet searches from
};

}  // namespace ipc::runner
