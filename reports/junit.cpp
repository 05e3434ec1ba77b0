// junit.xml for CI test views: one <testsuite> per target, one <testcase> per
// record (so repeats show up as repeated test cases, as CI tools expect).
// Counts here are per record, unlike the human reports, which count
// instances by their worst verdict.
#include <fmt/format.h>

#include "reports/escape.hpp"
#include "reports/output.hpp"
#include "reports/record.hpp"
#include "reports/report.hpp"
#include "reports/tally.hpp"

namespace ipc::reports {
namespace {

using namespace detail;

std::string attr(std::string_view s) { return xml_escape(s, true); }

std::string classname(const json& r) {
  return str(r, "target") + "." + top_level(base_of(r));
}

constexpr std::size_t kMaxFrames = 8;

// For a mismatch about a captured frame (an expect_packet step, a "packet..."
// field, or a frame in the entry itself), the frame involved, indented under
// the mismatch: the frame the entry reports, else the one the step matched,
// else (nothing matched) the frames the DUT sent.
std::string packet_context(const json& r, const json& e) {
  const json kNone;
  long step = -1;
  if (e.is_object() && e.contains("step") && e.at("step").is_number_integer()) step = e.at("step").get<long>();
  const json& steps = arr(r, "steps");
  const json& observations = arr(r, "observations");
  const json& s = step >= 0 && step < static_cast<long>(steps.size()) ? steps[step] : kNone;
  const json& obs = step >= 0 && step < static_cast<long>(observations.size()) ? observations[step] : kNone;
  const json& matched = obs.is_object() && obs.contains("packet") ? obs.at("packet") : kNone;
  std::string field = str(e, "field");
  bool about = field.rfind("packet", 0) == 0 || str(s, "op") == "expect_packet" || is_frame(matched);
  std::string out;
  for (const char* key : {"got", "target", "expected", "kernel"})
    if (e.is_object() && e.contains(key) && is_frame(e.at(key)))
      out += fmt::format("    {} frame: {}\n", key, frame_summary(e.at(key)));
  if (!out.empty()) return out;
  if (!about) return {};
  if (is_frame(matched)) return "    matched frame: " + frame_summary(matched) + "\n";
  std::vector<std::string> sent;
  const json& packets = arr(r, "packets");
  for (const json& f : packets)
    if (!flag(f, "barrier") && str(f, "dir") == "in") {
      long index = f.is_object() && f.contains("index") && f.at("index").is_number() ? f.at("index").get<long>() : -1;
      sent.push_back(index >= 0 ? fmt::format("#{} {}", index, str(f, "summary")) : str(f, "summary"));
    }
  if (sent.empty())
    return r.is_object() && r.contains("packets") ? "    no frame matched; the DUT sent none\n" : "    no frame matched\n";
  out = "    no frame matched; frames the DUT sent:\n";
  for (std::size_t i = 0; i < sent.size() && i < kMaxFrames; ++i) out += "      " + sent[i] + "\n";
  if (sent.size() > kMaxFrames) out += fmt::format("      … and {} more\n", sent.size() - kMaxFrames);
  return out;
}

// The mismatch lists, one per line, for a failure/error body or system-out.
std::string details(const json& r) {
  std::string out;
  std::string title = str(r, "title"), file = str(r, "file");
  if (!title.empty()) out += title + "\n";
  if (!file.empty()) {
    out += file;
    if (double line = num(r, "line"); line > 0) out += fmt::format(":{}", static_cast<long>(line));
    out += "\n";
  }
  // Repeats share the test case name; say which run this one was.
  if (double repeat = num(r, "repeat"); repeat > 0) out += fmt::format("repeat {}\n", static_cast<long>(repeat));
  auto list = [&](const char* key, MismatchKind kind, const char* heading) {
    const json& entries = arr(r, key);
    if (entries.empty()) return;
    out += heading;
    out += ":\n";
    for (const json& e : entries) out += "  " + plain(describe(r, e, kind)) + "\n" + packet_context(r, e);
  };
  list("failures", MismatchKind::failure, "failures (observed vs expect)");
  list("diffs", MismatchKind::diff, "differences from the kernel");
  list("doc_failures", MismatchKind::doc_failure, "differences from ip(7)");
  return out;
}

std::string first_mismatch(const json& r, const char* key, MismatchKind kind) {
  const json& entries = arr(r, key);
  return entries.empty() ? std::string() : plain(describe(r, entries.front(), kind));
}

std::string testcase(const json& r) {
  std::string verdict_name = str(r, "verdict"), reason = str(r, "reason");
  Verdict v = parse_verdict(verdict_name);
  std::string out = fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"", attr(classname(r)),
                                attr(str(r, "case")), seconds(num(r, "duration_ms")));
  std::string body;
  switch (v) {
    case Verdict::pass: break;
    case Verdict::skip: body = fmt::format("      <skipped message=\"{}\"/>\n", attr(reason)); break;
    case Verdict::xfail:
      body = fmt::format("      <system-out>{}</system-out>\n",
                         xml_escape("expected failure (listed in the baseline)" +
                                    (reason.empty() ? std::string() : ": " + reason) + "\n" + details(r)));
      break;
    case Verdict::fail:
    case Verdict::diverge:
    case Verdict::xpass: {
      std::string message;
      if (v == Verdict::fail) message = first_mismatch(r, "failures", MismatchKind::failure);
      if (v == Verdict::diverge) message = first_mismatch(r, "diffs", MismatchKind::diff);
      if (v == Verdict::xpass)
        message = "passed, but the baseline lists it as failing" + (reason.empty() ? "" : ": " + reason);
      if (message.empty()) message = std::string(name(v));
      body = fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", attr(message), name(v),
                         xml_escape(details(r)));
      break;
    }
    case Verdict::error: {
      std::string message = reason;
      if (!is_known_verdict(verdict_name))
        message = fmt::format("unknown verdict \"{}\"{}", verdict_name, reason.empty() ? "" : ": " + reason);
      if (message.empty()) message = "error";
      body = fmt::format("      <error message=\"{}\" type=\"error\">{}</error>\n", attr(message),
                         xml_escape(details(r)));
      break;
    }
  }
  if (body.empty()) return out + "/>\n";
  return out + ">\n" + body + "    </testcase>\n";
}

struct Totals {
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double ms = 0;
  void add(const json& r) {
    ++tests;
    ms += std::max(0.0, num(r, "duration_ms"));
    switch (parse_verdict(str(r, "verdict"))) {
      case Verdict::fail:
      case Verdict::diverge:
      case Verdict::xpass: ++failures; break;
      case Verdict::error: ++errors; break;
      case Verdict::skip: ++skipped; break;
      default: break;
    }
  }
  std::string attrs(double time_ms) const {
    return fmt::format("tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\"", tests, failures,
                       errors, skipped, seconds(time_ms));
  }
};

}  // namespace

void write_junit(const ReportInput& in, const std::filesystem::path& file) {
  Tally t = tally(in);
  std::string suites;
  Totals all;
  for (const std::string& target : t.targets) {
    Totals totals;
    std::string cases;
    for (const auto& [id, per_target] : t.cases) {
      auto it = per_target.find(target);
      if (it == per_target.end()) continue;
      for (const json* r : it->second.records) {
        totals.add(*r);
        all.add(*r);
        cases += testcase(*r);
      }
    }
    std::string props;
    for (const json& d : arr(in.run, "targets")) {
      if (str(d, "name") != target) continue;
      for (const char* key : {"implementation", "release"})
        if (std::string v = str(d, key); !v.empty())
          props += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", key, attr(v));
      break;
    }
    if (std::string tool = str(in.run, "tool"); !tool.empty())
      props += fmt::format("      <property name=\"tool\" value=\"{}\"/>\n", attr(tool));
    suites += fmt::format("  <testsuite name=\"{}\" {}>\n", attr("ipconform." + target), totals.attrs(totals.ms));
    if (!props.empty()) suites += "    <properties>\n" + props + "    </properties>\n";
    suites += cases + "  </testsuite>\n";
  }
  double wall = num(in.run, "wall_ms", -1);
  std::string doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  doc += fmt::format("<testsuites name=\"ipconform\" {}>\n", all.attrs(wall >= 0 ? wall : all.ms));
  doc += suites + "</testsuites>\n";
  write_file(file, doc);
}

}  // namespace ipc::reports
