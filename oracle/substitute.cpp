#include "oracle/substitute.hpp"

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// Calls f(begin, end, name) for each `${name}` in s.
template <typename F>
void scan_refs(const std::string& s, F&& f) {
  std::size_t pos = 0;
  while ((pos = s.find("${", pos)) != std::string::npos) {
    auto close = s.find('}', pos + 2);
    if (close == std::string::npos) return;
    f(pos, close + 1, s.substr(pos + 2, close - pos - 2));
    pos = close + 1;
  }
}

json substitute_string(const std::string& s, const Vars& vars) {
  if (s.size() > 3 && s.rfind("${", 0) == 0 && s.back() == '}' &&
      s.find("${", 2) == std::string::npos) {
    if (auto* v = lookup_var(vars, s.substr(2, s.size() - 3))) return *v;
    return s;
  }
  std::string out;
  std::size_t last = 0;
  scan_refs(s, [&](std::size_t b, std::size_t e, const std::string& name) {
    out.append(s, last, b - last);
    if (auto* v = lookup_var(vars, name))
      out += scalar_text(*v);
    else
      out.append(s, b, e - b);
    last = e;
  });
  out.append(s, last, std::string::npos);
  return out;
}

}  // namespace

const json* lookup_var(const Vars& vars, const std::string& name) {
  if (!vars.is_object()) return nullptr;
  if (auto it = vars.find(name); it != vars.end()) return &*it;
  auto dot = name.find('.');
  if (dot == std::string::npos) return nullptr;
  auto it = vars.find(name.substr(0, dot));
  if (it == vars.end() || !it->is_object()) return nullptr;
  return lookup_var(*it, name.substr(dot + 1));
}

json substitute(const json& data, const Vars& vars) {
  if (data.is_string()) return substitute_string(data.get<std::string>(), vars);
  if (data.is_array()) {
    json out = json::array();
    for (const auto& e : data) out.push_back(substitute(e, vars));
    return out;
  }
  if (data.is_object()) {
    json out = json::object();
    for (auto it = data.begin(); it != data.end(); ++it) out[it.key()] = substitute(it.value(), vars);
    return out;
  }
  return data;
}

std::set<std::string> references(const json& data) {
  std::set<std::string> out;
  if (data.is_string()) {
    scan_refs(data.get<std::string>(),
              [&](std::size_t, std::size_t, const std::string& n) { out.insert(n); });
  } else if (data.is_structured()) {
    for (const auto& e : data) {
      auto sub = references(e);
      out.insert(sub.begin(), sub.end());
    }
  }
  return out;
}

}  // namespace ipc::oracle
