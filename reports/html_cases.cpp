// The per-case sections of the HTML report, grouped by base id. Each case is
// rendered here (not by script) but inside a closed <details>, so a report
// with thousands of cases stays quick to open: the browser lays out only the
// one-line summaries until a case is expanded.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "reports/escape.hpp"
#include "reports/html.hpp"
#include "reports/record.hpp"

namespace ipc::reports::detail {
namespace {

// One target's view of a case: its shown record and its mismatches by step
// (-1 for those that name no step, or a step the record does not have).
struct Column {
  const Instance* inst;
  std::map<long, std::vector<Mismatch>> failures, diffs, docs;
};

void bucket(std::map<long, std::vector<Mismatch>>& into, const json& r, const char* key, MismatchKind kind,
            long steps) {
  for (const json& e : arr(r, key)) {
    Mismatch m = describe(r, e, kind);
    into[m.step >= 0 && m.step < steps ? m.step : -1].push_back(std::move(m));
  }
}

std::string note(const Mismatch& m, bool with_step) {
  std::string out;
  if (with_step && m.step >= 0) out += fmt::format("step {} ", m.step + 1);
  out += html_escape(m.field);
  if (!m.left_label.empty())
    out += fmt::format(": {} <code>{}</code>, {} <code>{}</code>", html_escape(m.left_label), html_escape(m.left),
                       html_escape(m.right_label), html_escape(m.right));
  return out;
}

std::string target_notes(const std::vector<Column>& cols, const std::string& case_id) {
  std::string out = "<ul class=\"tn\">";
  for (const Column& c : cols) {
    const Instance& i = *c.inst;
    const json& r = *i.shown;
    out += "<li>" + badge(i.worst, i.target);
    if (double ms = num(r, "duration_ms", -1); ms >= 0) out += fmt::format(" <span class=\"ms\">{:.2f} ms</span>", ms);
    if (auto reason = str(r, "reason"); !reason.empty()) out += " " + html_escape(reason);
    if (auto doc = str(r, "doc"); doc == "divergent") out += " <span class=\"b docd\">doc-divergent</span>";
    if (i.flaky()) out += " <span class=\"fk\">flaky: " + html_escape(i.flake_note()) + "</span>";
    if (r.is_object() && r.contains("pcap"))
      out += fmt::format(" <a href=\"{}\">{}</a>", html_escape(pcap_href(r, case_id, i.target)), pcap_label(r));
    out += "</li>";
  }
  return out + "</ul>";
}

std::string step_row(const std::string& num_cell, const std::string& step, const std::string& expect,
                     const std::string& doc, long index, const std::vector<Column>& cols) {
  std::string out = "<tr><td class=\"n\">" + num_cell + "</td><td>" + step + "</td><td>" + expect + "</td><td>" + doc;
  for (const Column& c : cols)
    if (auto it = c.docs.find(index); it != c.docs.end())
      for (const Mismatch& m : it->second)
        out += fmt::format("<div class=\"dn\">{}: {}</div>", html_escape(c.inst->target), note(m, index < 0));
  out += "</td>";
  for (const Column& c : cols) {
    auto f = c.failures.find(index);
    auto d = c.diffs.find(index);
    bool failed = f != c.failures.end(), differs = d != c.diffs.end();
    std::string cls = failed ? "fl" : "";
    if (differs) cls += cls.empty() ? "df" : " df";
    out += cls.empty() ? "<td>" : "<td class=\"" + cls + "\">";
    if (index >= 0) {
      const json& obs = arr(*c.inst->shown, "observations");
      if (index < static_cast<long>(obs.size()))
        out += observation_html(obs[index]);
      else
        out += "<span class=\"nr\" title=\"no observation: not run, or stopped before this step\">—</span>";
    }
    if (failed)
      for (const Mismatch& m : f->second) out += "<div class=\"fn\">✗ " + note(m, index < 0) + "</div>";
    if (differs)
      for (const Mismatch& m : d->second) out += "<div class=\"dfn\">≠ " + note(m, index < 0) + "</div>";
    out += "</td>";
  }
  return out + "</tr>";
}

std::string steps_table(const std::vector<Column>& cols, const json& primary) {
  const json& steps = arr(primary, "steps");
  bool orphans = std::any_of(cols.begin(), cols.end(), [](const Column& c) {
    return c.failures.count(-1) || c.diffs.count(-1) || c.docs.count(-1);
  });
  if (steps.empty() && !orphans) return "<p class=\"nr\">No steps recorded.</p>";
  std::string out = "<table class=\"steps\"><thead><tr><th>#</th><th>step</th><th>expect</th><th>ip(7)</th>";
  for (const Column& c : cols) out += "<th>" + html_escape(c.inst->target) + " " + badge(c.inst->worst) + "</th>";
  out += "</tr></thead><tbody>";
  for (long i = 0; i < static_cast<long>(steps.size()); ++i) {
    const json& s = steps[i];
    std::string text = str(s, "text");
    if (text.empty()) text = str(s, "op");
    out += step_row(fmt::format("{}", i + 1), "<code>" + long_text(text) + "</code>",
                    "<code>" + long_text(compact_table(s.is_object() ? s.value("expect", json()) : json())) + "</code>",
                    "<code>" + long_text(compact_table(s.is_object() ? s.value("doc", json()) : json())) + "</code>", i,
                    cols);
  }
  if (orphans) out += step_row("", "<i>not tied to a step</i>", "", "", -1, cols);
  return out + "</tbody></table>";
}

std::string case_section(const std::string& case_id, const std::map<std::string, Instance>& per_target,
                         const Tally& t, const Anchors& anchors) {
  std::vector<Column> cols;
  for (const auto& target : t.targets)
    if (auto it = per_target.find(target); it != per_target.end()) cols.push_back(Column{&it->second, {}, {}, {}});
  // The steps come from the record that got furthest, the kernel's on a tie.
  const json* primary = cols.front().inst->shown;
  for (const Column& c : cols)
    if (arr(*c.inst->shown, "steps").size() > arr(*primary, "steps").size()) primary = c.inst->shown;
  const long n = static_cast<long>(arr(*primary, "steps").size());
  bool unexpected = false, doc_divergent = false;
  for (Column& c : cols) {
    const json& r = *c.inst->shown;
    bucket(c.failures, r, "failures", MismatchKind::failure, n);
    bucket(c.diffs, r, "diffs", MismatchKind::diff, n);
    bucket(c.docs, r, "doc_failures", MismatchKind::doc_failure, n);
    unexpected = unexpected || is_unexpected(c.inst->worst);
  }
  // Documentation status is the kernel's; without a kernel result, any target's.
  auto kernel = per_target.find("kernel");
  if (kernel != per_target.end()) doc_divergent = kernel->second.doc_divergent();
  else for (const Column& c : cols) doc_divergent = doc_divergent || c.inst->doc_divergent();

  std::vector<std::string> claims = claims_of(*primary);
  std::string claim_list;
  for (const auto& c : claims) claim_list += (claim_list.empty() ? "" : " ") + c;

  std::string out = fmt::format("<details class=\"case\" id=\"{}\" data-c=\"{}\"{}{}><summary><code>{}</code>",
                                anchors.case_anchor(case_id), html_escape(claim_list), unexpected ? " data-u" : "",
                                doc_divergent ? " data-d" : "", html_escape(case_id));
  for (const Column& c : cols) out += " " + badge(c.inst->worst, c.inst->target) + (c.inst->flaky() ? "<sup class=\"fk\" title=\"flaky\">~</sup>" : "");
  if (doc_divergent) out += " <span class=\"b docd\">doc-divergent</span>";
  out += "</summary><div class=\"cb\"><p class=\"meta\">";
  if (!claims.empty()) {
    out += "claims:";
    for (const auto& c : claims) {
      std::string anchor = anchors.claim_anchor(c);
      out += anchor.empty() ? " <code>" + html_escape(c) + "</code>"
                            : fmt::format(" <a href=\"#{}\"><code>{}</code></a>", anchor, html_escape(c));
    }
  }
  if (auto params = compact_table(obj_field(*primary, "params")); !params.empty())
    out += fmt::format("{}params: <code>{}</code>", claims.empty() ? "" : " · ", long_text(params));
  std::vector<const Instance*> instances;
  for (const Column& c : cols) instances.push_back(c.inst);
  out += "</p>" + target_notes(cols, case_id) + steps_table(cols, *primary) + packets_section(instances, case_id) +
         "</div></details>\n";
  return out;
}

}  // namespace

std::string html_cases(const ReportInput&, const Tally& t, const Anchors& anchors) {
  // base id -> case ids (sorted, as t.cases is)
  std::map<std::string, std::vector<const std::string*>> bases;
  for (const auto& [id, per_target] : t.cases) {
    const Instance& any = per_target.count("kernel") ? per_target.at("kernel") : per_target.begin()->second;
    bases[base_of(*any.shown)].push_back(&id);
  }
  std::string out = fmt::format(
      "<section id=\"{}\"><h2>Cases</h2><div class=\"filters\">"
      "<input id=\"q\" type=\"search\" placeholder=\"filter by case id, or claim:ID\" aria-label=\"filter cases\">"
      "<label><input id=\"fu\" type=\"checkbox\"> only unexpected</label>"
      "<label><input id=\"fd\" type=\"checkbox\"> only doc-divergent</label>"
      "<button id=\"ex\" type=\"button\">expand shown</button><button id=\"co\" type=\"button\">collapse all</button>"
      "<span id=\"cnt\"></span></div>\n",
      kCasesId);
  if (bases.empty()) out += "<p>No results.</p>";
  for (const auto& [base, ids] : bases) {
    const auto& per_target = t.cases.at(*ids.front());
    const json& r = *(per_target.count("kernel") ? per_target.at("kernel") : per_target.begin()->second).shown;
    std::string where = str(r, "file");
    if (double line = num(r, "line"); line > 0 && !where.empty()) where += fmt::format(":{}", static_cast<long>(line));
    out += fmt::format("<div class=\"base\"><h3><code>{}</code> {}{}</h3>\n", html_escape(base.empty() ? "(no id)" : base),
                       html_escape(str(r, "title")),
                       where.empty() ? "" : " <span class=\"loc\">" + html_escape(where) + "</span>");
    for (const std::string* id : ids) out += case_section(*id, t.cases.at(*id), t, anchors);
    out += "</div>\n";
  }
  return out + "</section>";
}

}  // namespace ipc::reports::detail
