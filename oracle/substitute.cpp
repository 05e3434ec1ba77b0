#include "oracle/substitute.hpp"

#include <cstdint>
#include <stdexcept>

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
  // A key that contains dots itself wins over descending.
  if (vars.is_object())
    if (auto it = vars.find(name); it != vars.end()) return &*it;
  const auto dot = name.find('.');
  const std::string head = name.substr(0, dot);
  const json* child = nullptr;
  if (vars.is_object()) {
    if (dot == std::string::npos) return nullptr;
    auto it = vars.find(head);
    if (it != vars.end()) child = &*it;
  } else if (vars.is_array() && !head.empty() && head.size() < 10 &&
             head.find_first_not_of("0123456789") == std::string::npos) {
    // An array element by index: "packet.TCP.options.2.value.0".
    const auto i = std::stoul(head);
    if (i < vars.size()) child = &vars[i];
  }
  if (!child) return nullptr;
  if (dot == std::string::npos) return child;
  return lookup_var(*child, name.substr(dot + 1));
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

json saved_value(const json& observation, const Save& s) {
  const json* v = lookup_var(observation, s.from);
  if (!v) throw std::invalid_argument("the observation has no field '" + s.from + "'");
  if (!s.offset) return *v;
  constexpr std::int64_t kMod = std::int64_t{1} << 32;
  const bool fits = v->is_number_unsigned() ? v->get<std::uint64_t>() < static_cast<std::uint64_t>(kMod)
                    : v->is_number_integer() ? v->get<std::int64_t>() >= 0 && v->get<std::int64_t>() < kMod
                                             : false;
  if (!fits)
    throw std::invalid_argument("cannot add " + std::to_string(s.add) + " to '" + s.from + "' = " + v->dump() +
                                ": not an integer in 0..2^32-1");
  // add is any int64: reduce it first so that the sum cannot overflow.
  const std::int64_t sum = v->get<std::int64_t>() + ((s.add % kMod) + kMod) % kMod;
  return sum % kMod;
}

}  // namespace ipc::oracle
