// Verdicts, and the rules that assign them (docs/results-format.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ipc::oracle {

enum class Verdict { Pass, Fail, Diverge, XFail, XPass, Skip, Error };

std::string_view verdict_name(Verdict v);
// fail, diverge, xpass and error make a run's exit code 1.
bool is_unexpected(Verdict v);
bool is_unexpected_name(std::string_view verdict);  // for records read back from a file

struct VerdictInputs {
  bool skipped = false;          // a requirement was not met
  bool harness_error = false;    // timeout, crash, protocol error
  bool expect_failed = false;    // an observation differs from `expect`
  bool kernel_differs = false;   // an observation differs from the kernel's
  std::optional<std::string> baseline;  // the baseline's reason, when it lists this case
};

Verdict decide(const VerdictInputs& in);

}  // namespace ipc::oracle
