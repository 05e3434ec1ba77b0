// The page skeleton and header of report/index.html. The page must open from
// disk with no network: everything is inline, and a Content-Security-Policy
// forbids any fetch so a stray URL would show up as an error, not a request.
#include <algorithm>

#include <fmt/format.h>

#include "reports/escape.hpp"
#include "reports/html.hpp"
#include "reports/output.hpp"
#include "reports/record.hpp"

namespace ipc::reports::detail {

Anchors::Anchors(const Tally& t, const std::vector<std::string>& claim_ids) {
  for (std::string_view reserved : {kMatrixId, kCasesId, std::string_view("ipc-top")}) used_.insert(std::string(reserved));
  std::vector<std::string> sorted = claim_ids;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (const auto& c : sorted) claims_[c] = unique("claim-" + sanitise_id(c));
  for (const auto& [id, per_target] : t.cases) cases_[id] = unique(sanitise_id(id));
}

std::string Anchors::unique(std::string wanted) {
  std::string id = wanted;
  for (int n = 2; used_.count(id); ++n) id = fmt::format("{}-{}", wanted, n);
  used_.insert(id);
  return id;
}

const std::string& Anchors::case_anchor(const std::string& case_id) const { return cases_.at(case_id); }

std::string Anchors::claim_anchor(const std::string& claim_id) const {
  auto it = claims_.find(claim_id);
  return it == claims_.end() ? std::string() : it->second;
}

std::string badge(Verdict v, std::string_view prefix) {
  return fmt::format("<span class=\"b v-{0}\">{1}{2}{0}</span>", name(v), html_escape(prefix),
                     prefix.empty() ? "" : " ");
}

std::string long_text(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return html_escape(text);
  std::size_t cut = limit / 2;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  return fmt::format("<details class=\"lv\"><summary>{}…</summary>{}</details>", html_escape(text.substr(0, cut)),
                     html_escape(text));
}

namespace {

std::string totals_table(const Tally& t) {
  std::string out = "<table class=\"tot\"><thead><tr><th>target</th><th>cases</th>";
  for (Verdict v : kAllVerdicts) out += fmt::format("<th>{}</th>", name(v));
  out += "<th>flaky</th><th>doc-divergent</th></tr></thead><tbody>";
  for (const auto& target : t.targets) {
    const TargetCounts& c = t.counts.at(target);
    out += fmt::format("<tr><th>{}</th><td>{}</td>", html_escape(target_label(t, target)), c.total());
    for (Verdict v : kAllVerdicts) {
      int n = c.instances[severity(v)];
      out += n ? fmt::format("<td class=\"v-{}\">{}</td>", name(v), n) : "<td class=\"z\">0</td>";
    }
    out += fmt::format("<td{}>{}</td><td{}>{}</td></tr>", c.flaky ? " class=\"v-diverge\"" : " class=\"z\"", c.flaky,
                       c.doc_divergent ? " class=\"docd\"" : " class=\"z\"", c.doc_divergent);
  }
  return out + "</tbody></table>";
}

}  // namespace

std::string html_header(const ReportInput& in, const Tally& t) {
  std::string out = "<header id=\"ipc-top\"><h1>ipconform report</h1><dl class=\"facts\">";
  auto fact = [&](std::string_view label, const std::string& value) {
    if (!value.empty()) out += fmt::format("<dt>{}</dt><dd>{}</dd>", label, value);
  };
  fact("tool", html_escape(str(in.run, "tool")));
  std::string when = str(in.run, "started");
  if (auto finished = str(in.run, "finished"); !finished.empty()) when += (when.empty() ? "" : " → ") + finished;
  fact("date", html_escape(when));
  if (double wall = num(in.run, "wall_ms", -1); wall >= 0) fact("wall time", fmt::format("{:.1f} s", wall / 1000));
  fact("kernel", html_escape(t.kernel_release.empty() ? std::string("release unknown") : t.kernel_release));
  std::string targets;
  for (const auto& name : t.targets) {
    std::string extra;
    for (const json& d : arr(in.run, "targets"))
      if (str(d, "name") == name) {
        for (const char* key : {"implementation", "release"})
          if (auto v = str(d, key); !v.empty()) extra += (extra.empty() ? "" : " ") + v;
        break;
      }
    targets += (targets.empty() ? "" : ", ") + fmt::format("<b>{}</b>", html_escape(name)) +
               (extra.empty() ? "" : " (" + html_escape(extra) + ")");
  }
  fact("targets", targets);
  if (double jobs = num(in.run, "jobs", -1); jobs >= 0) fact("jobs", fmt::format("{}", static_cast<long>(jobs)));
  std::string args;
  for (const json& a : arr(in.run, "args")) args += (args.empty() ? "" : " ") + (a.is_string() ? a.get<std::string>() : compact(a));
  fact("command", args.empty() ? "" : "<code>" + html_escape(args) + "</code>");
  out += "</dl>";
  if (flag(in.run, "interrupted")) out += "<p class=\"warn\">The run was interrupted: results are partial.</p>";
  out += totals_table(t);
  out += fmt::format("<nav><a href=\"#{}\">Claims matrix</a> · <a href=\"#{}\">Cases</a></nav></header>", kMatrixId,
                     kCasesId);
  return out;
}

}  // namespace ipc::reports::detail

namespace ipc::reports {

void write_html(const ReportInput& in, const std::filesystem::path& dir) {
  using namespace detail;
  Tally t = tally(in);
  Anchors anchors(t, matrix_claim_ids(in, t));
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<link rel=\"icon\" href=\"data:,\">\n<title>ipconform report</title>\n<style>";
  page += kCss;
  page += "</style>\n</head>\n<body>\n";
  page += html_header(in, t);
  page += "\n<main>\n";
  page += html_matrix(in, t, anchors);
  page += "\n";
  page += html_cases(in, t, anchors);
  page += "\n</main>\n<script>";
  page += kJs;
  page += "</script>\n</body>\n</html>\n";
  write_file(dir / "index.html", page);
}

}  // namespace ipc::reports
