#include "runner/record.hpp"

namespace ipc::runner {

using json = nlohmann::json;

Judged judge(const oracle::Case& c, const std::string& target, const TargetRun& run, const TargetRun* kernel,
             const oracle::Baseline& baseline, int repeat) {
  std::vector<oracle::Diff> diffs;
  if (kernel && run.error.empty() && run.skip_reason.empty()) {
    std::vector<std::vector<std::string>> vol;
    for (const auto& s : c.steps) vol.push_back(s.volatile_fields);
    diffs = oracle::diff_observations(kernel->observations, run.observations, vol);
  }
  oracle::VerdictInputs in;
  in.skipped = !run.skip_reason.empty();
  in.harness_error = !run.error.empty();
  in.expect_failed = !run.failures.empty();
  in.kernel_differs = !diffs.empty();
  in.baseline = baseline.find(target, c.id);
  auto verdict = oracle::decide(in);

  std::string reason = run.skip_reason.empty() ? run.error : run.skip_reason;
  if ((verdict == oracle::Verdict::XFail || verdict == oracle::Verdict::XPass) && in.baseline) reason = *in.baseline;

  bool has_doc = false;
  for (const auto& s : c.steps) has_doc = has_doc || s.doc.has_value();
  std::string doc = "none";
  if (has_doc && !in.skipped && !in.harness_error) doc = run.doc_failures.empty() ? "conformant" : "divergent";

  auto to_array = [](const auto& v) {
    json a = json::array();
    for (const auto& e : v) a.push_back(e.to_json());
    return a;
  };
  json rec = {
      {"case", c.id},
      {"base", c.base},
      {"file", c.file},
      {"line", c.line},
      {"title", c.title},
      {"claims", c.claims},
      {"params", c.params},
      {"target", target},
      {"verdict", oracle::verdict_name(verdict)},
      {"reason", reason},
      {"doc", doc},
      {"duration_ms", std::round(run.duration_ms * 1000) / 1000},
      {"repeat", repeat},
      {"steps", run.steps},
      {"observations", run.observations},
      {"failures", to_array(run.failures)},
      {"doc_failures", to_array(run.doc_failures)},
      {"diffs", to_array(diffs)},
  };
  if (!run.pcap.empty()) {
    rec["pcap"] = run.pcap;
    rec["packets"] = run.packets;
  }
  return {verdict, std::move(rec)};
}

}  // namespace ipc::runner
