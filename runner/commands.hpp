// The ipconform subcommands. Each returns the process exit code:
// 0 nothing unexpected, 1 unexpected results or broken cases, 2 usage or
// harness error, 130 interrupted.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "runner/selection.hpp"

namespace ipc::runner {

enum Exit { kOk = 0, kUnexpected = 1, kHarness = 2, kInterrupted = 130 };

struct CaseSource {
  std::vector<std::filesystem::path> paths;  // empty: the installed cases
  std::filesystem::path claims;              // empty: the installed catalogue
  Selection selection;
};

struct RunOptions {
  CaseSource source;
  std::vector<std::string> targets{"kernel"};
  std::vector<std::string> target_cmds;  // NAME=COMMAND for third-party adapters
  std::vector<std::string> target_duts;  // NAME=kernel|tap for --target-cmd adapters (default tap)
  std::filesystem::path out = "out";
  std::filesystem::path baseline;
  std::filesystem::path update_baseline;  // rewritten from the results (docs/baselines.md)
  int jobs = 0;  // 0: one per CPU
  double timeout_s = 10;
  int repeat = 1;
  bool progress = true;
  bool resume = false;  // keep OUT/results.jsonl's finished instances, run the rest
  std::vector<std::string> argv;  // for run.json
};

int cmd_run(const RunOptions& opts);
int cmd_list(const CaseSource& src);
int cmd_lint(const CaseSource& src);
int cmd_report(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& out,
               const std::filesystem::path& claims);

}  // namespace ipc::runner
