#include "oracle/baseline.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <stdexcept>
#include <toml++/toml.h>

namespace ipc::oracle {

Baseline Baseline::load(const std::filesystem::path& file) {
  toml::table doc;
  try {
    doc = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(fmt::format("{}:{}: {}", file.string(), e.source().begin.line, e.description()));
  }
  Baseline b;
  if (auto* arr = doc["known"].as_array()) {
    for (auto&& node : *arr) {
      auto* t = node.as_table();
      auto line = node.source().begin.line;
      if (!t) throw std::runtime_error(fmt::format("{}:{}: [[known]] must be a table", file.string(), line));
      BaselineEntry e{(*t)["target"].value_or(std::string()), (*t)["case"].value_or(std::string()),
                      (*t)["reason"].value_or(std::string())};
      if (e.target.empty() || e.pattern.empty() || e.reason.empty())
        throw std::runtime_error(
            fmt::format("{}:{}: a [[known]] entry needs target, case and reason", file.string(), line));
      b.entries_.push_back(std::move(e));
    }
  }
  return b;
}

std::optional<std::string> Baseline::find(const std::string& target, const std::string& case_id) const {
  for (const auto& e : entries_)
    if (e.target == target && (e.pattern == case_id || fnmatch(e.pattern.c_str(), case_id.c_str(), 0) == 0))
      return e.reason;
  return std::nullopt;
}

}  // namespace ipc::oracle
