// The claims matrix: one row per ip(7) claim, grouped by kind and then by
// top-level id (the first two dot components), with the documentation status
// and each target's results. A record counts for every row whose id is one of
// its claims or a dot-prefix of one, so "opt.IP_TTL.default" also counts for
// the "opt.IP_TTL" group row. Uncovered claims stay visible: coverage is part
// of what the report tells.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "reports/escape.hpp"
#include "reports/html.hpp"
#include "reports/record.hpp"

namespace ipc::reports::detail {
namespace {

constexpr std::string_view kUncatalogued = "(not in catalogue)";

struct Row {
  std::string id, title, text;
  bool catalogued = false, head = false;
  bool extra = false;  // named by cases, absent from the catalogue
};
struct Group {
  std::string top;
  std::vector<Row> rows;  // the head row (id == top) first
};
struct Kind {
  std::string name;
  std::vector<Group> groups;
};

// Adds rows to kinds, keeping first-appearance order of kinds and groups and
// giving every group a head row (synthesised when no claim has the top id).
void place(std::vector<Kind>& kinds, const std::string& kind, Row row) {
  auto k = std::find_if(kinds.begin(), kinds.end(), [&](const Kind& x) { return x.name == kind; });
  if (k == kinds.end()) k = kinds.insert(kinds.end(), Kind{kind, {}});
  std::string top = top_level(row.id);
  auto g = std::find_if(k->groups.begin(), k->groups.end(), [&](const Group& x) { return x.top == top; });
  if (g == k->groups.end()) {
    g = k->groups.insert(k->groups.end(), Group{top, {}});
    g->rows.push_back(Row{top, "", "", false, true, false});
  }
  if (row.id == top) {
    row.head = true;
    g->rows.front() = std::move(row);
  } else {
    g->rows.push_back(std::move(row));
  }
}

std::vector<Kind> layout(const ReportInput& in, const Tally& t) {
  std::vector<Kind> kinds;
  std::unordered_set<std::string> ids;
  for (const Claim& c : in.claims) {
    if (!ids.insert(c.id).second) continue;
    place(kinds, c.kind.empty() ? "(no kind)" : c.kind, Row{c.id, c.title, c.text, true, false, false});
  }
  for (const Kind& k : kinds)
    for (const Group& g : k.groups) ids.insert(g.top);
  // Claims the cases name that the catalogue lacks, sorted.
  std::set<std::string> extra;
  for (const auto& [id, per_target] : t.cases)
    for (const auto& [target, inst] : per_target)
      for (auto& c : claims_of(*inst.shown))
        if (!ids.count(c)) extra.insert(c);
  for (const auto& c : extra) place(kinds, std::string(kUncatalogued), Row{c, "", "", false, false, true});
  return kinds;
}

// Row id -> the instances whose claims are that id or extend it.
using RowIndex = std::unordered_map<std::string, std::vector<const Instance*>>;

RowIndex index_rows(const Tally& t) {
  RowIndex index;
  for (const auto& [id, per_target] : t.cases)
    for (const auto& [target, inst] : per_target) {
      std::set<std::string> keys;
      for (std::string c : claims_of(*inst.shown))
        for (;;) {
          keys.insert(c);
          auto dot = c.rfind('.');
          if (dot == std::string::npos) break;
          c.resize(dot);
        }
      for (const auto& k : keys) index[k].push_back(&inst);
    }
  return index;
}

std::string doc_cell(const std::vector<const Instance*>& insts) {
  int conformant = 0, divergent = 0;
  bool kernel = false;
  for (const Instance* i : insts) {
    if (i->target != "kernel") continue;
    kernel = true;
    if (i->doc_divergent()) ++divergent;
    else if (str(*i->shown, "doc") == "conformant") ++conformant;
  }
  if (!kernel) return "<td class=\"c-none\" title=\"no kernel result\">—</td>";
  if (!conformant && !divergent)
    return "<td class=\"c-none\" title=\"no case states what ip(7) says\">n/a</td>";
  std::string text;
  if (conformant) text += fmt::format("<span class=\"v-pass\">{} conformant</span>", conformant);
  if (divergent) text += fmt::format("{}<span class=\"docd\">{} divergent</span>", text.empty() ? "" : " ", divergent);
  return fmt::format("<td class=\"{}\">{}</td>", divergent ? "c-doc" : "c-ok", text);
}

std::string target_cell(const std::vector<const Instance*>& insts, const std::string& target) {
  std::array<int, 7> n{};
  int flaky = 0, total = 0;
  for (const Instance* i : insts) {
    if (i->target != target) continue;
    ++n[severity(i->worst)];
    flaky += i->flaky();
    ++total;
  }
  if (!total) return "<td class=\"c-none\">—</td>";
  bool bad = false;
  std::string text;
  for (int s = static_cast<int>(n.size()) - 1; s >= 0; --s) {
    if (!n[s]) continue;
    Verdict v = static_cast<Verdict>(s);
    bad = bad || is_unexpected(v);
    text += fmt::format("{}<span class=\"v-{}\">{} {}</span>", text.empty() ? "" : " ", name(v), n[s], name(v));
  }
  if (flaky) text += fmt::format(" <span class=\"fk\" title=\"verdicts differ between runs\">{} flaky</span>", flaky);
  const char* cls = bad ? "c-bad" : (n[severity(Verdict::skip)] == total ? "c-skip" : "c-ok");
  return fmt::format("<td class=\"{}\">{}</td>", cls, text);
}

}  // namespace

std::vector<std::string> matrix_claim_ids(const ReportInput& in, const Tally& t) {
  std::vector<std::string> out;
  for (const Kind& k : layout(in, t))
    for (const Group& g : k.groups)
      for (const Row& r : g.rows) out.push_back(r.id);
  return out;
}

std::string html_matrix(const ReportInput& in, const Tally& t, const Anchors& anchors) {
  std::vector<Kind> kinds = layout(in, t);
  RowIndex index = index_rows(t);
  static const std::vector<const Instance*> kNone;
  auto insts = [&](const std::string& id) -> const std::vector<const Instance*>& {
    auto it = index.find(id);
    return it == index.end() ? kNone : it->second;
  };

  int total = 0, covered = 0, uncatalogued = 0;
  for (const Kind& k : kinds)
    for (const Group& g : k.groups)
      for (const Row& r : g.rows) {
        if (r.catalogued) total += 1, covered += !insts(r.id).empty();
        uncatalogued += r.extra;
      }

  std::string out = fmt::format("<section id=\"{}\"><h2>Claims matrix</h2>", kMatrixId);
  if (in.claims.empty())
    out += "<p>No claims catalogue was given: the rows are the claims the cases name.</p>";
  else
    out += fmt::format("<p class=\"cov\">Coverage: <b>{} of {}</b> catalogued claims are checked by at least one case "
                       "({:.0f}%).{}</p>",
                       covered, total, total ? 100.0 * covered / total : 0.0,
                       uncatalogued ? fmt::format(" {} claim{} named by cases {} not in the catalogue.", uncatalogued,
                                                  uncatalogued == 1 ? "" : "s", uncatalogued == 1 ? "is" : "are")
                                    : "");
  out += "<p class=\"legend\"><span class=\"c-ok\">all as expected</span> <span class=\"c-bad\">unexpected "
         "result</span> <span class=\"c-doc\">differs from ip(7)</span> <span class=\"c-skip\">only "
         "skipped</span> <span class=\"c-none\">not covered</span></p>";
  const std::size_t columns = 2 + t.targets.size();
  out += "<table class=\"matrix\"><thead><tr><th>claim</th><th>ip(7)</th>";
  for (const auto& target : t.targets) {
    if (target == "kernel" && !t.kernel_release.empty())
      out += fmt::format("<th>kernel<br><small>{}</small></th>", html_escape(t.kernel_release));
    else
      out += fmt::format("<th>{}</th>", html_escape(target));
  }
  out += "</tr></thead>\n";

  for (const Kind& k : kinds) {
    int k_total = 0, k_covered = 0;
    for (const Group& g : k.groups)
      for (const Row& r : g.rows)
        if (r.catalogued) k_total += 1, k_covered += !insts(r.id).empty();
    out += fmt::format("<tbody><tr class=\"kind\"><th colspan=\"{}\">{}{}</th></tr>\n", columns, html_escape(k.name),
                       k_total ? fmt::format(" <small>{} / {} covered</small>", k_covered, k_total) : "");
    for (const Group& g : k.groups)
      for (const Row& r : g.rows) {
        const auto& list = insts(r.id);
        std::set<std::string> case_ids;
        for (const Instance* i : list) case_ids.insert(i->case_id);
        std::string cls = r.head ? "grp" : "sub";
        if (r.extra) cls += " unc";
        out += fmt::format("<tr id=\"{}\" class=\"{}\"><td class=\"cl\"><code>{}</code>", anchors.claim_anchor(r.id),
                           cls, html_escape(r.id));
        if (!r.title.empty()) out += " <span class=\"ct\">" + html_escape(r.title) + "</span>";
        if (!case_ids.empty())
          out += fmt::format(" <a class=\"fl\" href=\"#{}\" data-claim=\"{}\">{} case{}</a>", kCasesId,
                             html_escape(r.id), case_ids.size(), case_ids.size() == 1 ? "" : "s");
        if (!r.text.empty()) out += "<div class=\"cx\">" + html_escape(r.text) + "</div>";
        out += "</td>";
        if (list.empty()) {
          out += fmt::format("<td class=\"c-none\" colspan=\"{}\">not covered</td>", columns - 1);
        } else {
          out += doc_cell(list);
          for (const auto& target : t.targets) out += target_cell(list, target);
        }
        out += "</tr>\n";
      }
    out += "</tbody>\n";
  }
  return out + "</table></section>";
}

}  // namespace ipc::reports::detail
