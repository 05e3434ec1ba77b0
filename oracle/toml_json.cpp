#include "oracle/toml_json.hpp"

namespace ipc::oracle {

nlohmann::json to_json(const toml::node& node) {
  using nlohmann::json;
  if (auto* t = node.as_table()) {
    json out = json::object();
    for (auto&& [k, v] : *t) out[std::string(k.str())] = to_json(v);
    return out;
  }
  if (auto* a = node.as_array()) {
    json out = json::array();
    for (auto&& v : *a) out.push_back(to_json(v));
    return out;
  }
  if (auto v = node.value_exact<std::string>()) return *v;
  if (auto v = node.value_exact<std::int64_t>()) return *v;
  if (auto v = node.value_exact<double>()) return *v;
  if (auto v = node.value_exact<bool>()) return *v;
  throw TomlValueError(line_of(node), "dates and times are not case values");
}

}  // namespace ipc::oracle
