// Groups records into instances (one per case and target) and counts them.
// Several records can share a (case, target): a `repeat` run, or merged
// result files. All of them count for flakiness; matrices and summaries show
// the worst one.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/report.hpp"
#include "reports/verdict.hpp"

namespace ipc::reports::detail {

struct Instance {
  std::string case_id, target;
  std::vector<const nlohmann::json*> records;  // in input order
  const nlohmann::json* shown = nullptr;       // the first record with the worst verdict
  Verdict worst = Verdict::skip;
  std::array<int, 7> per_verdict{};            // records per verdict, indexed by severity
  bool flaky() const;                          // records disagree on the verdict
  std::string flake_note() const;              // "pass x3, fail x1" (verdicts in severity order, worst first)
  bool doc_divergent() const;                  // any record says doc == "divergent"
};

struct TargetCounts {
  std::array<int, 7> instances{};  // instances per worst verdict, indexed by severity
  int records = 0, flaky = 0, doc_divergent = 0;
  int total() const;
  int unexpected() const;
};

struct Tally {
  // kernel first, then run.json's order, then any other target seen in records, by name.
  std::vector<std::string> targets;
  // case id -> target -> instance (ordered, so iteration is deterministic).
  std::map<std::string, std::map<std::string, Instance>> cases;
  std::map<std::string, TargetCounts> counts;
  std::string kernel_release;  // "" if run.json does not name one
};

Tally tally(const ReportInput&);

// "kernel (6.1.0-18-amd64)" for the kernel with a known release, else the name.
std::string target_label(const Tally&, const std::string& target);

}  // namespace ipc::reports::detail
