// The results.jsonl record of one case instance on one target
// (docs/results-format.md), judged from the target's run and the kernel's.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "oracle/baseline.hpp"
#include "oracle/case.hpp"
#include "oracle/verdict.hpp"
#include "runner/session.hpp"

namespace ipc::runner {

struct Judged {
  oracle::Verdict verdict;
  nlohmann::json record;
};

// `kernel` is the kernel's run of the same instance when this target is not
// the kernel and the kernel ran it cleanly; else null.
Judged judge(const oracle::Case& c, const std::string& target, const TargetRun& run, const TargetRun* kernel,
             const oracle::Baseline& baseline, int repeat);

}  // namespace ipc::runner
