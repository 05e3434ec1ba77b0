// Public API of the report writers: turn result records (results.jsonl) and
// the run's metadata (run.json) into junit.xml, summary.md and the static
// HTML report. The input contract is docs/results-format.md.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ipc::reports {

// One entry of the ip(7) claims catalogue.
struct Claim {
  std::string id, kind, title, text;
};

struct ReportInput {
  nlohmann::json run;                   // run.json object
  std::vector<nlohmann::json> results;  // results.jsonl records, any order, possibly from several merged runs
  std::vector<Claim> claims;            // the catalogue (may be empty)
};

// Each writer creates missing parent directories and replaces the file
// atomically (write to a temporary, then rename). Output is deterministic:
// the same input gives byte-identical files.
void write_junit(const ReportInput&, const std::filesystem::path& file);
void write_summary(const ReportInput&, const std::filesystem::path& file);
void write_html(const ReportInput&, const std::filesystem::path& dir);      // writes dir/index.html
void write_all(const ReportInput&, const std::filesystem::path& out_dir);  // junit.xml, summary.md, report/index.html

// Reads results.jsonl. Blank lines are ignored; a corrupt last line (a run
// interrupted mid-write) is skipped; a corrupt line elsewhere throws
// std::runtime_error naming "file:line".
std::vector<nlohmann::json> read_jsonl(const std::filesystem::path&);

// The file-name- and URL-fragment-safe form of a case id, used for HTML
// anchors and for per-case pcap names (pcap/<sanitise_id(case)>.<target>.pcap).
// Keeps [A-Za-z0-9._-], maps '=' to '-', drops ']' and maps anything else to '_'.
std::string sanitise_id(std::string_view case_id);

}  // namespace ipc::reports
