#include "oracle/match.hpp"

#include "oracle/normalise.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

const std::set<std::string>& matcher_keys() {
  static const std::set<std::string> k = {"any", "min", "max", "one_of", "not", "mask", "eq"};
  return k;
}

bool numbers_equal(const json& a, const json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    // Compare as signed 64-bit: decoded values may be stored unsigned.
    return a.get<std::int64_t>() == b.get<std::int64_t>();
  }
  return a.get<double>() == b.get<double>();
}

bool literal_equal(const json& want, const json& got) {
  if (want.is_number() && got.is_number()) return numbers_equal(want, got);
  if (want.is_string() && got.is_string()) return want == got;
  if (want.is_boolean() && got.is_boolean()) return want == got;
  return false;
}

void match_value(const std::string& path, const json& want, const json& got, int step,
                 std::vector<Mismatch>& out);

bool matcher_holds(const json& m, const json& got) {
  if (m.contains("any")) return true;
  if (m.contains("one_of")) {
    bool hit = false;
    for (const auto& alt : m["one_of"]) {
      std::vector<Mismatch> tmp;
      match_value("", alt, got, 0, tmp);
      hit = hit || tmp.empty();
    }
    if (!hit) return false;
  }
  if (m.contains("not")) {
    std::vector<Mismatch> tmp;
    match_value("", m["not"], got, 0, tmp);
    if (tmp.empty()) return false;
  }
  if (m.contains("mask")) {
    // {mask = 0xfc, eq = 0x10}: the bits under the mask, e.g. TOS without ECN.
    if (!got.is_number_integer()) return false;
    auto bits = got.get<std::int64_t>() & m["mask"].get<std::int64_t>();
    if (bits != m.value("eq", json(0)).get<std::int64_t>()) return false;
  }
  if (m.contains("min") && !(got.is_number() && got.get<double>() >= m["min"].get<double>())) return false;
  if (m.contains("max") && !(got.is_number() && got.get<double>() <= m["max"].get<double>())) return false;
  return true;
}

void match_value(const std::string& path, const json& want, const json& got, int step,
                 std::vector<Mismatch>& out) {
  if (is_matcher(want)) {
    if (!matcher_holds(want, got)) out.push_back({step, path, want, got});
    return;
  }
  if (want.is_object()) {
    if (!got.is_object()) {
      out.push_back({step, path, want, got});
      return;
    }
    for (auto it = want.begin(); it != want.end(); ++it) {
      auto sub = path.empty() ? it.key() : path + "." + it.key();
      match_value(sub, it.value(), got.contains(it.key()) ? got[it.key()] : json(), step, out);
    }
    return;
  }
  if (want.is_array()) {
    if (!got.is_array() || got.size() != want.size()) {
      out.push_back({step, path, want, got});
      return;
    }
    for (std::size_t i = 0; i < want.size(); ++i)
      match_value(fmt::format("{}[{}]", path, i), want[i], got[i], step, out);
    return;
  }
  if (!literal_equal(want, got)) out.push_back({step, path, want, got});
}

bool path_is_volatile(const std::string& path, const std::vector<std::string>& vol) {
  for (const auto& v : vol)
    if (path == v || path.rfind(v + ".", 0) == 0) return true;
  return false;
}

void diff_value(const std::string& path, const json& k, const json& t, int step,
                const std::vector<std::string>& vol, std::vector<Diff>& out) {
  if (path_is_volatile(path, vol)) return;
  if (k.is_object() && t.is_object()) {
    std::set<std::string> keys;
    for (auto it = k.begin(); it != k.end(); ++it) keys.insert(it.key());
    for (auto it = t.begin(); it != t.end(); ++it) keys.insert(it.key());
    for (const auto& key : keys)
      diff_value(path.empty() ? key : path + "." + key, k.contains(key) ? k[key] : json(),
                 t.contains(key) ? t[key] : json(), step, vol, out);
    return;
  }
  bool same = (k.is_number() && t.is_number()) ? numbers_equal(k, t) : k == t;
  if (!same) out.push_back({step, path, k, t});
}

}  // namespace

json Mismatch::to_json() const {
  return {{"step", step}, {"field", field}, {"expected", expected}, {"got", got}};
}

json Diff::to_json() const {
  return {{"step", step}, {"field", field}, {"kernel", kernel}, {"target", target}};
}

const json& implicit_expectation() {
  static const json e = {{"ok", true}};
  return e;
}

bool is_matcher(const json& e) {
  if (!e.is_object() || e.empty()) return false;
  for (auto it = e.begin(); it != e.end(); ++it)
    if (!matcher_keys().count(it.key())) return false;
  return true;
}

bool matches(const json& want, const json& got) {
  std::vector<Mismatch> out;
  match_value("", want, got, 0, out);
  return out.empty();
}

std::vector<Mismatch> match_step(int step, const json& expect, const json& obs) {
  std::vector<Mismatch> out;
  for (auto it = expect.begin(); it != expect.end(); ++it) {
    const auto& key = it.key();
    if (key == "ok") {
      bool succeeded = obs.value("errno", json()).is_null();
      if (it.value().get<bool>() != succeeded)
        out.push_back({step, "ok", it.value(), succeeded ? json(true) : obs.value("errno", json())});
      continue;
    }
    if (key == "any") continue;
    match_value(key, it.value(), obs.contains(key) ? obs[key] : json(), step, out);
  }
  return out;
}

std::vector<Diff> diff_observations(const std::vector<json>& kernel_raw, const std::vector<json>& target_raw,
                                    const std::vector<std::vector<std::string>>& vol) {
  const std::vector<json> kernel = normalise_for_diff(kernel_raw);
  const std::vector<json> target = normalise_for_diff(target_raw);
  std::vector<Diff> out;
  auto n = std::max(kernel.size(), target.size());
  static const std::vector<std::string> none;
  for (std::size_t i = 0; i < n; ++i) {
    if (i >= kernel.size() || i >= target.size()) {
      // One side stopped early: the whole step differs.
      out.push_back({static_cast<int>(i), "(step)", i < kernel.size() ? kernel[i] : json(),
                     i < target.size() ? target[i] : json()});
      continue;
    }
    const json& k = kernel[i];
    const json& t = target[i];
    diff_value("", k, t, static_cast<int>(i), i < vol.size() ? vol[i] : none, out);
  }
  return out;
}

namespace {
// Matcher tables anywhere inside an expectation must be well formed, or the
// run would find out only when comparing.
void check_matchers(const json& v) {
  if (is_matcher(v)) {
    if (v.contains("mask") != v.contains("eq"))
      throw std::invalid_argument("matcher 'mask' goes with 'eq': { mask = 0xfc, eq = 0x10 }");
    for (const char* k : {"mask", "eq"})
      if (v.contains(k) && !v[k].is_number_integer())
        throw std::invalid_argument(fmt::format("matcher '{}' needs an integer", k));
    for (const char* k : {"min", "max"})
      if (v.contains(k) && !v[k].is_number())
        throw std::invalid_argument(fmt::format("matcher '{}' needs a number, got {}", k, v[k].dump()));
    if (v.contains("one_of") && !v["one_of"].is_array())
      throw std::invalid_argument("matcher 'one_of' needs an array");
    if (v.contains("any") && v["any"] != true) throw std::invalid_argument("matcher 'any' must be true");
    if (v.contains("one_of"))
      for (const auto& alt : v["one_of"]) check_matchers(alt);
    if (v.contains("not")) check_matchers(v["not"]);
    return;
  }
  if (v.is_structured())
    for (const auto& e : v) check_matchers(e);
}
}  // namespace

void check_expectation(const json& expect) {
  if (!expect.is_object()) throw std::invalid_argument("an expectation must be a table");
  static const std::set<std::string> known = {"ok",      "any",       "ret",   "errno",  "value",
                                              "optlen",  "addr",      "addrlen", "data", "msg_flags",
                                              "controllen", "cmsgs", "cmsg",    "revents", "packet"};
  for (auto it = expect.begin(); it != expect.end(); ++it) {
    if (!known.count(it.key()))
      throw std::invalid_argument(fmt::format("unknown expectation key '{}'", it.key()));
    if (it.key() == "ok" && !it.value().is_boolean())
      throw std::invalid_argument("'ok' must be true or false");
    if (it.key() == "errno" && !it.value().is_string() && !it.value().is_object())
      throw std::invalid_argument("'errno' must be a symbolic errno such as \"EINVAL\"");
    check_matchers(it.value());
  }
}

}  // namespace ipc::oracle
