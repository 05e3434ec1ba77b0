#include "reports/tally.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "reports/record.hpp"

namespace ipc::reports::detail {

bool Instance::flaky() const {
  return std::count_if(per_verdict.begin(), per_verdict.end(), [](int n) { return n > 0; }) > 1;
}

std::string Instance::flake_note() const {
  std::string out;
  for (int s = static_cast<int>(per_verdict.size()) - 1; s >= 0; --s) {
    if (per_verdict[s] == 0) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} x{}", name(static_cast<Verdict>(s)), per_verdict[s]);
  }
  return out;
}

bool Instance::doc_divergent() const {
  return std::any_of(records.begin(), records.end(), [](const json* r) { return str(*r, "doc") == "divergent"; });
}

int TargetCounts::total() const {
  int n = 0;
  for (int c : instances) n += c;
  return n;
}

int TargetCounts::unexpected() const {
  int n = 0;
  for (Verdict v : kUnexpectedOrder) n += instances[severity(v)];
  return n;
}

Tally tally(const ReportInput& in) {
  Tally t;
  std::vector<std::string> from_run;
  for (const json& target : arr(in.run, "targets")) {
    std::string n = str(target, "name");
    if (n.empty() || std::find(from_run.begin(), from_run.end(), n) != from_run.end()) continue;
    from_run.push_back(n);
    if (n == "kernel" && t.kernel_release.empty()) t.kernel_release = str(target, "release");
  }

  for (const json& r : in.results) {
    if (!r.is_object()) continue;
    std::string id = str(r, "case"), target = str(r, "target");
    Instance& inst = t.cases[id][target];
    if (inst.records.empty()) inst.case_id = id, inst.target = target;
    Verdict v = parse_verdict(str(r, "verdict"));
    ++inst.per_verdict[severity(v)];
    if (!inst.shown || severity(v) > severity(inst.worst)) inst.shown = &r, inst.worst = v;
    inst.records.push_back(&r);
  }

  // Target order: kernel, then as run.json lists them, then the rest by name.
  std::vector<std::string> seen;
  for (auto& [id, per_target] : t.cases)
    for (auto& [target, inst] : per_target) {
      TargetCounts& c = t.counts[target];
      ++c.instances[severity(inst.worst)];
      c.records += static_cast<int>(inst.records.size());
      c.flaky += inst.flaky();
      c.doc_divergent += inst.doc_divergent();
      seen.push_back(target);
    }
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  if (std::find(from_run.begin(), from_run.end(), "kernel") != from_run.end() ||
      std::binary_search(seen.begin(), seen.end(), "kernel"))
    t.targets.push_back("kernel");
  for (const auto& n : from_run)
    if (n != "kernel") t.targets.push_back(n);
  for (const auto& n : seen)
    if (std::find(t.targets.begin(), t.targets.end(), n) == t.targets.end()) t.targets.push_back(n);
  for (const auto& n : t.targets) t.counts[n];  // targets with no record still get a (zero) row
  return t;
}

std::string target_label(const Tally& t, const std::string& target) {
  if (target == "kernel" && !t.kernel_release.empty()) return fmt::format("kernel ({})", t.kernel_release);
  return target.empty() ? "(unnamed)" : target;
}

}  // namespace ipc::reports::detail
