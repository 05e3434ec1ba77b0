// The ipconform command line.
#include <CLI/CLI.hpp>

#include "runner/commands.hpp"

using namespace ipc::runner;

namespace {

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0    every result was expected (pass, xfail, skip)\n"
    "  1    unexpected results (fail, diverge, xpass, error) or case files with problems\n"
    "  2    usage or harness error (bad arguments, not root, namespaces or targets cannot start)\n"
    "  130  interrupted (SIGINT/SIGTERM); results so far are kept in OUT/results.jsonl\n";

void add_source(CLI::App* cmd, CaseSource& src, std::string& shard) {
  cmd->add_option("paths", src.paths, "case files or directories (default: the installed cases)");
  // One value per occurrence, so a filter never swallows the paths after it.
  cmd->add_option("--filter", src.selection.filters, "only cases whose id matches this glob (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--shard", shard, "run part K of N (deterministic), e.g. 2/4");
  cmd->add_option("--claims", src.claims, "the ip(7) claims catalogue (default: the installed one)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ipconform: a conformance suite and reference oracle for Linux IPv4 socket semantics (ip(7))"};
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("ipconform ") + IPCONFORM_VERSION);

  RunOptions run;
  std::string run_shard, list_shard, lint_shard;
  std::string targets = "kernel";
  auto* run_cmd = app.add_subcommand("run", "run cases on targets and write results and reports");
  add_source(run_cmd, run.source, run_shard);
  run_cmd->add_option("--targets", targets,
                      "comma-separated targets (kernel, stack, or names given with --target-cmd)")
      ->capture_default_str();
  run_cmd->add_option("--target-cmd", run.target_cmds,
                      "NAME=COMMAND: a third-party target speaking the probe protocol (docs/adding-a-target.md)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run_cmd->add_option("--target-dut", run.target_duts,
                      "NAME=tap|kernel: the DUT a --target-cmd target drives: a TAP of its own (default) or the "
                      "kernel's configured dut0")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run_cmd->add_option("--jobs,-j", run.jobs, "parallel workers, each with its own namespaces (default: CPUs)");
  run_cmd->add_option("--out,-o", run.out, "output directory")->capture_default_str();
  run_cmd->add_option("--timeout", run.timeout_s, "seconds a case may take on one target")
      ->capture_default_str()->check(CLI::PositiveNumber);
  run_cmd->add_option("--repeat", run.repeat, "run every case N times (flake hunting)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  run_cmd->add_option("--baseline", run.baseline, "known divergences of targets (docs/baselines.md)");
  run_cmd->add_option("--update-baseline", run.update_baseline,
                      "read FILE as the baseline (if it exists), then rewrite it from this run's results "
                      "(docs/baselines.md)");
  run_cmd->add_flag("--resume", run.resume,
                    "keep the instances OUT/results.jsonl already has for every target; run only the rest");
  bool no_progress = false;
  run_cmd->add_flag("--no-progress", no_progress, "no live progress line");
  run_cmd->footer(kExitCodes);

  CaseSource list_src, lint_src;
  auto* list_cmd = app.add_subcommand("list", "print the expanded case ids, one per line");
  add_source(list_cmd, list_src, list_shard);
  auto* lint_cmd = app.add_subcommand("lint", "check case files; exit 1 on any problem");
  add_source(lint_cmd, lint_src, lint_shard);

  std::vector<std::filesystem::path> report_in;
  std::filesystem::path report_out = "out", report_claims;
  auto* report_cmd = app.add_subcommand("report", "merge result directories (shards, kernels, targets) into one report");
  report_cmd->add_option("dirs", report_in, "result directories (each with results.jsonl)")->required();
  report_cmd->add_option("--out,-o", report_out, "output directory")->capture_default_str();
  report_cmd->add_option("--claims", report_claims, "the ip(7) claims catalogue");

  try {
    app.parse(argc, argv);
    auto shard = [](const std::string& s, Selection& sel) {
      if (!s.empty()) parse_shard(s, sel);
    };
    if (*run_cmd) {
      shard(run_shard, run.source.selection);
      run.targets.clear();
      for (std::size_t p = 0, q; p <= targets.size(); p = q + 1) {
        q = targets.find(',', p);
        if (q == std::string::npos) q = targets.size();
        if (q > p) run.targets.push_back(targets.substr(p, q - p));
      }
      run.progress = !no_progress;
      run.argv.assign(argv + 1, argv + argc);
      return cmd_run(run);
    }
    if (*list_cmd) {
      shard(list_shard, list_src.selection);
      return cmd_list(list_src);
    }
    if (*lint_cmd) {
      shard(lint_shard, lint_src.selection);
      return cmd_lint(lint_src);
    }
    if (*report_cmd) return cmd_report(report_in, report_out, report_claims);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kHarness;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "ipconform: %s\n", e.what());
    return kHarness;
  }
  return kHarness;
}
