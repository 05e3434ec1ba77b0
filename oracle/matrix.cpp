#include "oracle/matrix.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

json label_of(const std::string& axis, const json& v) {
  if (v.is_object()) {
    auto it = v.find("name");
    if (it == v.end() || !it->is_string())
      throw std::invalid_argument(fmt::format("matrix axis '{}': a table value needs a string 'name'", axis));
    return *it;
  }
  if (v.is_array()) throw std::invalid_argument(fmt::format("matrix axis '{}': values cannot be arrays", axis));
  return v;
}

std::string label_text(const json& l) { return l.is_string() ? l.get<std::string>() : l.dump(); }

bool excluded(const json& labels, const json& exclude) {
  for (const auto& rule : exclude) {
    bool all = true;
    for (auto it = rule.begin(); it != rule.end() && all; ++it)
      all = labels.contains(it.key()) && labels[it.key()] == it.value();
    if (all) return true;
  }
  return false;
}

}  // namespace

std::vector<Instance> expand_matrix(const json& matrix, const json& exclude) {
  std::vector<Instance> out{{"", json::object(), json::object()}};
  if (!matrix.is_object()) throw std::invalid_argument("'matrix' must be a table of arrays");
  for (auto axis = matrix.begin(); axis != matrix.end(); ++axis) {
    if (!axis->is_array() || axis->empty())
      throw std::invalid_argument(fmt::format("matrix axis '{}' must be a non-empty array", axis.key()));
    std::vector<Instance> next;
    for (const auto& inst : out) {
      for (const auto& v : *axis) {
        Instance i = inst;
        auto label = label_of(axis.key(), v);
        i.vars[axis.key()] = v;
        i.labels[axis.key()] = label;
        i.suffix += (i.suffix.empty() ? "" : ",") + axis.key() + "=" + label_text(label);
        next.push_back(std::move(i));
      }
    }
    out = std::move(next);
  }
  if (!exclude.is_array()) throw std::invalid_argument("'exclude' must be an array of tables");
  for (const auto& rule : exclude) {
    if (!rule.is_object()) throw std::invalid_argument("each 'exclude' entry must be a table");
    for (auto it = rule.begin(); it != rule.end(); ++it)
      if (!matrix.contains(it.key()))
        throw std::invalid_argument(fmt::format("'exclude' names '{}', which is not a matrix axis", it.key()));
  }
  std::vector<Instance> kept;
  for (auto& i : out)
    if (!excluded(i.labels, exclude)) kept.push_back(std::move(i));
  if (kept.empty()) throw std::invalid_argument("'exclude' removes every instance");
  return kept;
}

}  // namespace ipc::oracle
