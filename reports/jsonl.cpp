// results.jsonl reader. The runner appends one record per line as each case
// finishes, so an interrupted run can leave a partial last line; that line is
// dropped (the case simply has no result yet). Anything corrupt before the
// last line means the file was damaged, which must not pass silently.
#include <fstream>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "reports/report.hpp"

namespace ipc::reports {

std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open", file.string()));

  struct Line {
    std::size_t number;
    std::string text;
  };
  std::vector<Line> lines;
  std::string text;
  for (std::size_t number = 1; std::getline(in, text); ++number) {
    if (number == 1 && text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // BOM
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    lines.push_back({number, std::move(text)});
  }
  if (in.bad()) throw std::runtime_error(fmt::format("{}: read error", file.string()));

  std::vector<nlohmann::json> records;
  records.reserve(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    bool last = i + 1 == lines.size();
    std::string problem;
    try {
      auto j = nlohmann::json::parse(lines[i].text);
      if (j.is_object()) {
        records.push_back(std::move(j));
        continue;
      }
      problem = "not a JSON object";
    } catch (const nlohmann::json::parse_error& e) {
      problem = e.what();
    }
    if (last) break;  // truncated by an interrupted run
    throw std::runtime_error(fmt::format("{}:{}: corrupt record: {}", file.string(), lines[i].number, problem));
  }
  return records;
}

}  // namespace ipc::reports
