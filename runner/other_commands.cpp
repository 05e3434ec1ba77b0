// `ipconform list`, `lint` and `report`.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>

#include "reports/report.hpp"
#include "runner/case_source.hpp"
#include "runner/commands.hpp"
#include "runner/paths.hpp"

namespace ipc::runner {

namespace fs = std::filesystem;

int cmd_list(const CaseSource& src) {
  auto loaded = load_cases(src);
  for (const auto* c : select(loaded.cases.cases, src.selection)) std::printf("%s\n", c->id.c_str());
  return loaded.cases.diagnostics.empty() ? kOk : kUnexpected;
}

int cmd_lint(const CaseSource& src) {
  auto loaded = load_cases(src);
  std::size_t bases = 0;
  std::string last;
  for (const auto& c : loaded.cases.cases) {
    if (c.base != last) ++bases;
    last = c.base;
  }
  std::printf("%zu file(s), %zu case(s), %zu instance(s), %zu problem(s)\n", loaded.cases.files, bases,
              loaded.cases.cases.size(), loaded.cases.diagnostics.size());
  return loaded.cases.diagnostics.empty() ? kOk : kUnexpected;
}

int cmd_report(const std::vector<fs::path>& inputs, const fs::path& out, const fs::path& claims_file) {
  reports::ReportInput input;
  input.run = nlohmann::json::object();
  try {
    for (const auto& dir : inputs) {
      auto recs = reports::read_jsonl(dir / "results.jsonl");
      input.results.insert(input.results.end(), recs.begin(), recs.end());
      std::ifstream rf(dir / "run.json");
      if (!rf) continue;
      auto run = nlohmann::json::parse(rf);
      if (input.run.empty()) {
        input.run = run;
        input.run["merged_from"] = nlohmann::json::array();
      } else {
        for (const auto& t : run.value("targets", nlohmann::json::array())) {
          bool have = false;
          for (const auto& u : input.run["targets"]) have = have || u.value("name", "") == t.value("name", "");
          if (!have) input.run["targets"].push_back(t);
        }
      }
      input.run["merged_from"].push_back(dir.string());
    }
    for (const auto& c : oracle::load_claims(claims_file.empty() ? default_claims_file() : claims_file))
      input.claims.push_back({c.id, c.kind, c.title, c.text});
    reports::write_all(input, out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ipconform: %s\n", e.what());
    return kHarness;
  }
  std::printf("%zu records from %zu run(s)\nreport: %s\n", input.results.size(), inputs.size(),
              fs::absolute(out / "report" / "index.html").lexically_normal().c_str());
  return kOk;
}

}  // namespace ipc::runner
