#include "reports/verdict.hpp"

namespace ipc::reports::detail {

Verdict parse_verdict(std::string_view s) {
  for (Verdict v : kAllVerdicts)
    if (name(v) == s) return v;
  return Verdict::error;
}

bool is_known_verdict(std::string_view s) {
  for (Verdict v : kAllVerdicts)
    if (name(v) == s) return true;
  return false;
}

std::string_view name(Verdict v) {
  switch (v) {
    case Verdict::skip: return "skip";
    case Verdict::pass: return "pass";
    case Verdict::xfail: return "xfail";
    case Verdict::xpass: return "xpass";
    case Verdict::diverge: return "diverge";
    case Verdict::fail: return "fail";
    case Verdict::error: return "error";
  }
  return "error";
}

bool is_unexpected(Verdict v) {
  return v == Verdict::fail || v == Verdict::diverge || v == Verdict::xpass || v == Verdict::error;
}

int unexpected_rank(Verdict v) {
  for (int i = 0; i < static_cast<int>(kUnexpectedOrder.size()); ++i)
    if (kUnexpectedOrder[i] == v) return i;
  return static_cast<int>(kUnexpectedOrder.size());
}

}  // namespace ipc::reports::detail
