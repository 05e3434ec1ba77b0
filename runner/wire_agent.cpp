#include "runner/wire_agent.hpp"

#include <fmt/format.h>

#include "runner/paths.hpp"

namespace ipc::runner {

WireAgent::WireAgent(int tester_netns, const netns::TopologyFacts& facts, bool echo_barrier)
    : netns_(tester_netns), facts_(facts), echo_barrier_(echo_barrier) {}

void WireAgent::ensure_started(std::chrono::milliseconds timeout) {
  if (proc_ && proc_->alive()) return;
  proc_.reset();
  // Scapy is Debian's python3-scapy, so the agent runs under Debian's python.
  proc_.emplace(probe::ProbeProcess::spawn({"/usr/bin/python3", wire_agent_path().string()}, netns_));
  nlohmann::json r;
  try {
    r = proc_->call({{"op", "hello"},
                     {"version", 1},
                     {"iface", facts_.tester_if},
                     {"tester_mac", facts_.tester_mac},
                     {"dut_mac", facts_.dut_mac},
                     {"tester_addr", facts_.peer_addr},
                     {"dut_addr", facts_.dut_addr}},
                    timeout);
  } catch (const probe::ProbeError& e) {
    proc_.reset();
    throw std::runtime_error(fmt::format("wire agent did not start: {}", e.what()));
  }
  if (r.contains("error") || r.value("ret", -1) != 0) {
    proc_.reset();
    throw std::runtime_error(fmt::format("wire agent refused hello: {}", r.dump()));
  }
}

nlohmann::json WireAgent::call(nlohmann::json req, std::chrono::milliseconds timeout) {
  try {
    return proc_->call(std::move(req), timeout);
  } catch (const probe::ProbeError&) {
    drop();
    throw;
  }
}

void WireAgent::drop() {
  if (proc_) proc_->kill();
  proc_.reset();
}

}  // namespace ipc::runner
