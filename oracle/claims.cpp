#include "oracle/claims.hpp"

#include <fmt/format.h>

#include <set>
#include <stdexcept>
#include <toml++/toml.h>

namespace ipc::oracle {

std::vector<Claim> load_claims(const std::filesystem::path& file) {
  toml::table doc;
  try {
    doc = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(fmt::format("{}:{}: {}", file.string(), e.source().begin.line, e.description()));
  }
  std::vector<Claim> out;
  std::set<std::string> seen;
  auto* arr = doc["claim"].as_array();
  if (!arr) throw std::runtime_error(fmt::format("{}: no [[claim]] tables", file.string()));
  for (auto&& node : *arr) {
    auto* t = node.as_table();
    auto line = node.source().begin.line;
    if (!t) throw std::runtime_error(fmt::format("{}:{}: a claim must be a table", file.string(), line));
    Claim c{(*t)["id"].value_or(std::string()), (*t)["kind"].value_or(std::string()),
            (*t)["title"].value_or(std::string()), (*t)["text"].value_or(std::string())};
    if (c.id.empty()) throw std::runtime_error(fmt::format("{}:{}: claim without an id", file.string(), line));
    if (!seen.insert(c.id).second)
      throw std::runtime_error(fmt::format("{}:{}: duplicate claim id '{}'", file.string(), line, c.id));
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace ipc::oracle
