// `run --update-baseline FILE`: the baseline rewritten from a run's results
// (docs/baselines.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "oracle/baseline.hpp"

namespace ipc::runner {

struct BaselineUpdate {
  std::vector<oracle::BaselineEntry> entries;  // in the order to write them
  std::size_t added = 0, dropped = 0;
};

// `old`: the file's entries, in file order. `records`: the run's results
// (results.jsonl). `case_ids`: every case instance the run's case paths hold,
// selected or not. Only entries of the non-kernel targets that ran change:
//  * each (target, instance) that was fail, diverge or xfail is covered by
//    the entry that applies to it (the first match), else by a new exact
//    entry with a generated reason;
//  * an entry that applies to one of those is kept with its reason;
//  * an entry that applies to no instance at all is dropped, and so is one
//    whose instances all passed; one whose instances only skipped, broke or
//    were not selected is kept.
// Per target (by name): exact entries sorted by case id, then the glob
// entries in their old order, so the first match of every instance is the
// same entry as before. Other targets' entries keep their order.
BaselineUpdate update_baseline(const std::vector<oracle::BaselineEntry>& old, const std::vector<nlohmann::json>& records,
                               const std::vector<std::string>& case_ids);

// The file's text: a header comment, then one [[known]] table per entry.
std::string baseline_toml(const std::vector<oracle::BaselineEntry>& entries);

// What went wrong in a fail or diverge record, in one line: its first failed
// expectation, else its first difference from the kernel, e.g.
// "diverges from kernel at step 3 setsockopt: errno ENOPROTOOPT vs null".
std::string generated_reason(const nlohmann::json& record);

// Whether `record` is unexpected once `baseline` (the rewritten one) holds:
// a covered fail/diverge/xfail is expected, a pass it lists would be xpass.
bool unexpected_against(const nlohmann::json& record, const oracle::Baseline& baseline);

}  // namespace ipc::runner
