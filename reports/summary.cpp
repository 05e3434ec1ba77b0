// summary.md: what a pull-request comment needs. Counts are per instance
// (case x target) by worst verdict; flaky instances are counted and named.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "reports/escape.hpp"
#include "reports/output.hpp"
#include "reports/record.hpp"
#include "reports/report.hpp"
#include "reports/tally.hpp"

namespace ipc::reports {
namespace {

using namespace detail;

constexpr std::size_t kMaxUnexpected = 50;

std::string md(const Mismatch& m) {
  std::string out;
  if (m.step >= 0) out += fmt::format("step {}", m.step + 1);
  if (!m.step_text.empty()) out += fmt::format(" ({})", md_code(m.step_text));
  if (!m.field.empty()) out += (out.empty() ? "" : " ") + md_code(m.field);
  if (!m.left_label.empty())
    out += fmt::format(": {} {}, {} {}", md_text(m.left_label), md_code(m.left), md_text(m.right_label),
                       md_code(m.right));
  return out;
}

std::string first(const json& r, const char* key, MismatchKind kind) {
  const json& entries = arr(r, key);
  return entries.empty() ? std::string() : md(describe(r, entries.front(), kind));
}

std::string header(const ReportInput& in, const Tally& t) {
  std::string out = "# ipconform results\n\n";
  std::vector<std::string> facts;
  if (auto tool = str(in.run, "tool"); !tool.empty()) facts.push_back(md_text(tool));
  facts.push_back("kernel " + (t.kernel_release.empty() ? std::string("release unknown") : md_code(t.kernel_release)));
  if (double wall = num(in.run, "wall_ms", -1); wall >= 0) facts.push_back(fmt::format("wall time {:.1f} s", wall / 1000));
  if (auto started = str(in.run, "started"); !started.empty()) facts.push_back("started " + md_text(started));
  for (std::size_t i = 0; i < facts.size(); ++i) out += (i ? " · " : "") + facts[i];
  out += "\n\n";
  if (flag(in.run, "interrupted")) out += "**The run was interrupted: results are partial.**\n\n";

  out += "| target | cases |";
  for (Verdict v : kAllVerdicts) out += fmt::format(" {} |", name(v));
  out += " flaky | doc-divergent |\n| --- | ---: |";
  for (std::size_t i = 0; i < kAllVerdicts.size() + 2; ++i) out += " ---: |";
  out += "\n";
  int unexpected = 0;
  for (const auto& target : t.targets) {
    const TargetCounts& c = t.counts.at(target);
    unexpected += c.unexpected();
    out += fmt::format("| {} | {} |", md_text(target_label(t, target), true), c.total());
    for (Verdict v : kAllVerdicts) out += fmt::format(" {} |", c.instances[severity(v)]);
    out += fmt::format(" {} | {} |\n", c.flaky, c.doc_divergent);
  }
  out += unexpected ? fmt::format("\n**{} unexpected result{}** (fail, diverge, xpass, error).\n", unexpected,
                                  unexpected == 1 ? "" : "s")
                    : "\n**No unexpected results.**\n";
  return out;
}

std::string unexpected_section(const Tally& t) {
  std::vector<const Instance*> list;
  for (const auto& [id, per_target] : t.cases)
    for (const auto& target : t.targets)
      if (auto it = per_target.find(target); it != per_target.end() && is_unexpected(it->second.worst))
        list.push_back(&it->second);
  // Failures first (error, fail, diverge, xpass); within a verdict by case id then target order.
  std::stable_sort(list.begin(), list.end(), [](const Instance* a, const Instance* b) {
    return unexpected_rank(a->worst) < unexpected_rank(b->worst);
  });
  std::string out = "\n## Unexpected results\n\n";
  if (list.empty()) return out + "None.\n";
  if (list.size() > kMaxUnexpected)
    out += fmt::format("Showing the first {} of {}.\n\n", kMaxUnexpected, list.size());
  for (std::size_t i = 0; i < list.size() && i < kMaxUnexpected; ++i) {
    const Instance& inst = *list[i];
    const json& r = *inst.shown;
    std::string what, reason = str(r, "reason");
    switch (inst.worst) {
      case Verdict::fail: what = first(r, "failures", MismatchKind::failure); break;
      case Verdict::diverge: what = first(r, "diffs", MismatchKind::diff); break;
      case Verdict::xpass: what = "passes, but the baseline lists it as failing"; break;
      default: break;
    }
    if (!reason.empty()) what += (what.empty() ? "" : "; ") + md_text(reason);
    if (what.empty() && inst.worst == Verdict::error) what = first(r, "failures", MismatchKind::failure);
    out += fmt::format("- **{}** {} on {}{}{}\n", name(inst.worst), md_code(inst.case_id), md_code(inst.target),
                       what.empty() ? "" : ": " + what,
                       inst.flaky() ? " (flaky: " + md_text(inst.flake_note()) + ")" : "");
  }
  return out;
}

std::string doc_section(const Tally& t) {
  struct Base {
    std::set<std::string> claims;
    std::string first;
    int instances = 0;
  };
  std::map<std::string, Base> bases;
  for (const auto& [id, per_target] : t.cases) {
    auto it = per_target.find("kernel");
    if (it == per_target.end() || !it->second.doc_divergent()) continue;
    const Instance& inst = it->second;
    Base& b = bases[base_of(*inst.shown)];
    ++b.instances;
    for (const json* r : inst.records) {
      for (auto& c : claims_of(*r)) b.claims.insert(c);
      if (b.first.empty()) b.first = first(*r, "doc_failures", MismatchKind::doc_failure);
    }
  }
  std::string out = "\n## Documentation divergences\n\n";
  if (bases.empty()) return out + "None: where the cases state what ip(7) says, the kernel agrees.\n";
  out += fmt::format("{} base case{} where the kernel differs from what ip(7) says "
                     "(documentation divergences, not kernel failures).\n\n",
                     bases.size(), bases.size() == 1 ? "" : "s");
  for (const auto& [base, b] : bases) {
    std::string claims;
    for (const auto& c : b.claims) claims += (claims.empty() ? "" : ", ") + md_code(c);
    out += fmt::format("- {} ({}{} instance{}){}\n", md_code(base), claims.empty() ? "" : "claims " + claims + "; ",
                       b.instances, b.instances == 1 ? "" : "s", b.first.empty() ? "" : ": " + b.first);
  }
  return out;
}

std::string skip_section(const Tally& t) {
  std::map<std::string, std::map<std::string, int>> by_reason;  // reason -> target -> instances
  for (const auto& [id, per_target] : t.cases)
    for (const auto& [target, inst] : per_target)
      if (inst.worst == Verdict::skip) {
        std::string reason = str(*inst.shown, "reason");
        ++by_reason[reason.empty() ? "(no reason given)" : reason][target];
      }
  std::string out = "\n## Skips by reason\n\n";
  if (by_reason.empty()) return out + "None.\n";
  std::vector<std::pair<int, std::string>> order;
  for (const auto& [reason, per_target] : by_reason) {
    int n = 0;
    for (const auto& [target, c] : per_target) n += c;
    order.emplace_back(-n, reason);
  }
  std::sort(order.begin(), order.end());
  out += "| reason |";
  for (const auto& target : t.targets) out += fmt::format(" {} |", md_text(target, true));
  out += "\n| --- |";
  for (std::size_t i = 0; i < t.targets.size(); ++i) out += " ---: |";
  out += "\n";
  for (const auto& [neg, reason] : order) {
    out += fmt::format("| {} |", md_text(reason, true));
    const auto& per_target = by_reason[reason];
    for (const auto& target : t.targets) {
      auto it = per_target.find(target);
      out += fmt::format(" {} |", it == per_target.end() ? 0 : it->second);
    }
    out += "\n";
  }
  return out;
}

}  // namespace

void write_summary(const ReportInput& in, const std::filesystem::path& file) {
  Tally t = tally(in);
  write_file(file, header(in, t) + unexpected_section(t) + doc_section(t) + skip_section(t));
}

}  // namespace ipc::reports
