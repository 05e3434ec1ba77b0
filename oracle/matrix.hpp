// Matrix expansion: `matrix = { a = [..], b = [..] }` is the product of its
// axes (in key order). An axis value is a scalar, or a table of fields that
// must include `name` (its label in the instance id). `exclude` lists tables of
// axis labels; an instance matching every entry of one of them is dropped.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ipc::oracle {

struct Instance {
  std::string suffix;      // "type=SOCK_DGRAM,value=1"; empty without a matrix
  nlohmann::json vars;     // axis -> value (scalar or table)
  nlohmann::json labels;   // axis -> label (scalar, or the table's name)
};

// Throws std::invalid_argument for a malformed matrix.
std::vector<Instance> expand_matrix(const nlohmann::json& matrix, const nlohmann::json& exclude);

}  // namespace ipc::oracle
