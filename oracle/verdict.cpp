#include "oracle/verdict.hpp"

namespace ipc::oracle {

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Pass: return "pass";
    case Verdict::Fail: return "fail";
    case Verdict::Diverge: return "diverge";
    case Verdict::XFail: return "xfail";
    case Verdict::XPass: return "xpass";
    case Verdict::Skip: return "skip";
    case Verdict::Error: return "error";
  }
  return "error";
}

bool is_unexpected(Verdict v) {
  return v == Verdict::Fail || v == Verdict::Diverge || v == Verdict::XPass || v == Verdict::Error;
}

bool is_unexpected_name(std::string_view v) { return v == "fail" || v == "diverge" || v == "xpass" || v == "error"; }

Verdict decide(const VerdictInputs& in) {
  if (in.skipped) return Verdict::Skip;
  if (in.harness_error) return Verdict::Error;
  const bool bad = in.expect_failed || in.kernel_differs;
  if (in.baseline) return bad ? Verdict::XFail : Verdict::XPass;
  if (in.expect_failed) return Verdict::Fail;
  if (in.kernel_differs) return Verdict::Diverge;
  return Verdict::Pass;
}

}  // namespace ipc::oracle
