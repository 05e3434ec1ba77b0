// One target process serving one worker: started on first use, asked
// `hello` once, restarted after it breaks. Runs a case instance and returns
// what the target answered, judged against `expect` and `doc`.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "oracle/case.hpp"
#include "oracle/match.hpp"
#include "probes/client/probe_process.hpp"
#include "runner/target.hpp"
#include "runner/wire_agent.hpp"

namespace ipc::runner {

struct TargetRun {
  std::vector<nlohmann::json> steps;         // {op, text, expect, doc} as run
  std::vector<nlohmann::json> observations;  // one per step that ran
  std::vector<oracle::Mismatch> failures, doc_failures;
  std::vector<nlohmann::json> packets;       // dissected frames, for cases with wire steps
  std::string pcap;                          // relative to the output directory, or empty
  std::string skip_reason;  // set: the case did not run
  std::string error;        // set: the harness or the target broke
  double duration_ms = 0;
};

class Session {
 public:
  // `spec.argv` is started in the namespace `netns_fd`. `after_start`, if
  // set, runs after each start's `hello` (a TAP-mode DUT waits there until
  // the target has attached to its TAP); if it throws, the start failed.
  Session(TargetSpec spec, int netns_fd, std::function<void()> after_start = {});
  Session(Session&&) = default;

  // Starts the target if needed and returns what it said in `hello`.
  // Throws std::runtime_error when the target cannot be started.
  const TargetInfo& info(std::chrono::milliseconds timeout);

  // `wire` may be null when no case of the run has wire steps; `out_dir` is
  // where pcaps go (out_dir/pcap/...).
  TargetRun run(const oracle::Case& c, const nlohmann::json& topology_vars, std::chrono::milliseconds timeout,
                WireAgent* wire, const std::filesystem::path& out_dir);

  const std::string& name() const { return spec_.name; }
  int restarts() const { return restarts_; }

 private:
  std::optional<std::string> unmet_requirement(const oracle::Case& c) const;
  void drop();  // kill the target; the next use starts a new one

  TargetSpec spec_;
  int netns_fd_;
  std::function<void()> after_start_;
  std::optional<probe::ProbeProcess> proc_;
  std::optional<TargetInfo> info_;
  int restarts_ = 0;
};

}  // namespace ipc::runner
