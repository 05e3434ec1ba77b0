#include "runner/baseline_update.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <set>

#include "oracle/verdict.hpp"

namespace ipc::runner {

using json = nlohmann::json;

namespace {

// The same rule as oracle::Baseline::find.
bool matches(const oracle::BaselineEntry& e, const std::string& target, const std::string& id) {
  return e.target == target && (e.pattern == id || fnmatch(e.pattern.c_str(), id.c_str(), 0) == 0);
}

long first_match(const std::vector<oracle::BaselineEntry>& entries, const std::string& target, const std::string& id) {
  for (std::size_t k = 0; k < entries.size(); ++k)
    if (matches(entries[k], target, id)) return static_cast<long>(k);
  return -1;
}

// Generated entries are exact ids; written globs use * or ?.
bool is_glob(const std::string& pattern) { return pattern.find_first_of("*?") != std::string::npos; }

bool is_bad(const std::string& v) { return v == "fail" || v == "diverge" || v == "xfail"; }

std::string show(const json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr std::size_t kMax = 48;
  if (s.size() > kMax) s = s.substr(0, kMax - 3) + "...";
  return s;
}

std::string step_name(const json& record, const json& finding) {
  const long step = finding.value("step", -1L);
  std::string out = fmt::format("step {}", step + 1);  // numbered from 1, as the reports do
  const auto& steps = record.contains("steps") ? record["steps"] : json::array();
  if (step >= 0 && static_cast<std::size_t>(step) < steps.size() && steps[step].is_object())
    out += " " + steps[step].value("op", std::string());
  return out;
}

std::string more(std::size_t n) { return n > 1 ? fmt::format(" (and {} more)", n - 1) : ""; }

// What the instance tells of an entry that applies to it.
struct Evidence {
  bool bad = false;       // fail, diverge or xfail
  bool settled = false;   // any verdict that compares (pass and xpass too); skip and error do not
  const json* reason_from = nullptr;  // the bad record of the lowest repeat
};

}  // namespace

std::string generated_reason(const json& record) {
  const auto& failures = record.contains("failures") ? record["failures"] : json::array();
  const auto& diffs = record.contains("diffs") ? record["diffs"] : json::array();
  if (!failures.empty()) {
    const auto& f = failures[0];
    return fmt::format("fails at {}: {} {}, expected {}{}", step_name(record, f), f.value("field", std::string()),
                       show(f.value("got", json())), show(f.value("expected", json())), more(failures.size()));
  }
  if (!diffs.empty()) {
    const auto& d = diffs[0];
    return fmt::format("diverges from kernel at {}: {} {} vs {}{}", step_name(record, d),
                       d.value("field", std::string()), show(d.value("target", json())),
                       show(d.value("kernel", json())), more(diffs.size()));
  }
  return fmt::format("{} with no recorded difference", record.value("verdict", std::string("fails")));
}

BaselineUpdate update_baseline(const std::vector<oracle::BaselineEntry>& old, const std::vector<json>& records,
                               const std::vector<std::string>& case_ids) {
  std::set<std::string> ran;  // the non-kernel targets of the run
  std::set<std::string> ids(case_ids.begin(), case_ids.end());
  std::map<std::pair<std::string, std::string>, Evidence> seen;
  for (const auto& r : records) {
    const auto target = r.value("target", std::string()), id = r.value("case", std::string());
    const auto verdict = r.value("verdict", std::string());
    ids.insert(id);
    if (target == "kernel") continue;
    ran.insert(target);
    auto& e = seen[{target, id}];
    if (is_bad(verdict)) {
      e.bad = true;
      if (!e.reason_from || r.value("repeat", 0) < e.reason_from->value("repeat", 0)) e.reason_from = &r;
    }
    e.settled = e.settled || is_bad(verdict) || verdict == "pass" || verdict == "xpass";
  }

  BaselineUpdate out;
  std::vector<Evidence> per_entry(old.size());
  std::vector<bool> applies(old.size(), false);
  std::vector<oracle::BaselineEntry> added;
  for (const auto& target : ran) {
    for (const auto& id : ids) {
      const long k = first_match(old, target, id);
      auto it = seen.find({target, id});
      if (k >= 0) {
        applies[k] = true;
        if (it != seen.end()) {
          per_entry[k].bad = per_entry[k].bad || it->second.bad;
          per_entry[k].settled = per_entry[k].settled || it->second.settled;
        }
      } else if (it != seen.end() && it->second.bad) {
        added.push_back({target, id, generated_reason(*it->second.reason_from)});
      }
    }
  }
  out.added = added.size();

  std::map<std::string, std::vector<oracle::BaselineEntry>> exact, globs;
  for (std::size_t k = 0; k < old.size(); ++k) {
    const auto& e = old[k];
    if (ran.count(e.target)) {
      const bool keep = applies[k] && (per_entry[k].bad || !per_entry[k].settled);
      if (!keep) {
        ++out.dropped;
        continue;
      }
      (is_glob(e.pattern) ? globs : exact)[e.target].push_back(e);
    } else {
      globs[e.target].push_back(e);  // not this run's to judge: kept, in its order
    }
  }
  for (auto& e : added) exact[e.target].push_back(std::move(e));

  std::set<std::string> targets;
  for (const auto& [t, _] : exact) targets.insert(t);
  for (const auto& [t, _] : globs) targets.insert(t);
  for (const auto& t : targets) {
    auto& ex = exact[t];
    std::sort(ex.begin(), ex.end(), [](const auto& a, const auto& b) { return a.pattern < b.pattern; });
    out.entries.insert(out.entries.end(), ex.begin(), ex.end());
    out.entries.insert(out.entries.end(), globs[t].begin(), globs[t].end());
  }
  return out;
}

namespace {

// A TOML basic string.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (ch < 0x20 || ch == 0x7f) out += fmt::format("\\u{:04X}", ch);
        else out += static_cast<char>(ch);
    }
  }
  return out + "\"";
}

}  // namespace

std::string baseline_toml(const std::vector<oracle::BaselineEntry>& entries) {
  std::string out =
      "# Known divergences of targets (docs/baselines.md).\n"
      "# Written by `ipconform run --update-baseline`: edit reasons freely, they are kept;\n"
      "# comments other than this header are not.\n";
  for (const auto& e : entries)
    out += fmt::format("\n[[known]]\ntarget = {}\ncase = {}\nreason = {}\n", quoted(e.target), quoted(e.pattern),
                       quoted(e.reason));
  return out;
}

bool unexpected_against(const json& record, const oracle::Baseline& baseline) {
  const auto verdict = record.value("verdict", std::string("error"));
  const auto target = record.value("target", std::string());
  if (target == "kernel" || verdict == "skip" || verdict == "error") return oracle::is_unexpected_name(verdict);
  const bool listed = baseline.find(target, record.value("case", std::string())).has_value();
  return is_bad(verdict) ? !listed : listed;
}

}  // namespace ipc::runner
