#include "oracle/case_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>

#include "oracle/abi.hpp"
#include "oracle/call.hpp"
#include "oracle/match.hpp"
#include "oracle/matrix.hpp"
#include "oracle/substitute.hpp"
#include "oracle/toml_json.hpp"
#include "oracle/topology_vars.hpp"

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

// A problem with a line, thrown while reading one case.
struct CaseError : std::runtime_error {
  int line;
  CaseError(int l, const std::string& m) : std::runtime_error(m), line(l) {}
};

struct StepTemplate {
  int line;
  json table;  // as written, all keys
};

struct CaseTemplate {
  int line;
  std::string id, title;
  json claims = json::array();
  json needs = json::object();
  json matrix = json::object();
  json exclude = json::array();
  std::vector<StepTemplate> steps;
};

const std::regex& id_pattern() {
  static const std::regex re("^[A-Za-z0-9][A-Za-z0-9_.-]*$");
  return re;
}

void check_keys(const toml::table& t, std::initializer_list<const char*> allowed, const char* what) {
  for (auto&& [k, v] : t) {
    bool ok = false;
    for (auto* a : allowed) ok = ok || k.str() == a;
    if (!ok) {
      std::string list;
      for (auto* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      throw CaseError(line_of(v), fmt::format("unknown key '{}' in {} (expected one of: {})", k.str(), what, list));
    }
  }
}

json merge_requires(json base, const json& over) {
  for (auto it = over.begin(); it != over.end(); ++it) {
    if (it.key() == "sysctl" && base.contains("sysctl")) {
      for (auto s = it->begin(); s != it->end(); ++s) base["sysctl"][s.key()] = s.value();
    } else if ((it.key() == "features" || it.key() == "caps_drop") && base.contains(it.key())) {
      for (const auto& e : *it) base[it.key()].push_back(e);
    } else {
      base[it.key()] = it.value();
    }
  }
  return base;
}

CaseTemplate read_template(const toml::table& t, const json& defaults) {
  check_keys(t, {"id", "title", "claims", "requires", "matrix", "exclude", "steps", "notes"}, "a case");
  CaseTemplate c;
  c.line = line_of(t);
  auto id = t["id"].value<std::string>();
  if (!id) throw CaseError(c.line, "case has no string 'id'");
  c.id = *id;
  if (!std::regex_match(c.id, id_pattern()))
    throw CaseError(line_of(*t.get("id")), fmt::format("bad case id '{}': letters, digits, '_', '.', '-' only", c.id));
  c.title = t["title"].value_or(std::string());
  if (c.title.empty()) throw CaseError(c.line, fmt::format("case '{}' has no 'title'", c.id));
  if (defaults.contains("claims")) c.claims = defaults["claims"];
  if (auto* n = t.get("claims")) {
    auto j = to_json(*n);
    if (!j.is_array()) throw CaseError(line_of(*n), "'claims' must be an array of claim ids");
    for (auto& e : j)
      if (std::find(c.claims.begin(), c.claims.end(), e) == c.claims.end()) c.claims.push_back(e);
  }
  if (c.claims.empty()) throw CaseError(c.line, fmt::format("case '{}' cites no claims", c.id));
  c.needs = defaults.value("requires", json::object());
  if (auto* n = t.get("requires")) {
    if (!n->is_table()) throw CaseError(line_of(*n), "'requires' must be a table");
    check_keys(*n->as_table(), {"features", "caps_drop", "kernel", "sysctl", "topology"}, "requires");
    c.needs = merge_requires(c.needs, to_json(*n));
  }
  if (auto* n = t.get("matrix")) {
    if (!n->is_table()) throw CaseError(line_of(*n), "'matrix' must be a table of arrays");
    c.matrix = to_json(*n);
  }
  if (auto* n = t.get("exclude")) {
    c.exclude = to_json(*n);
    if (!c.exclude.is_array()) throw CaseError(line_of(*n), "'exclude' must be an array of tables");
  }
  auto* steps = t.get("steps");
  if (!steps || !steps->is_array() || steps->as_array()->empty())
    throw CaseError(c.line, fmt::format("case '{}' has no 'steps'", c.id));
  for (auto&& s : *steps->as_array()) {
    if (!s.is_table()) throw CaseError(line_of(s), "each step must be a table");
    c.steps.push_back({line_of(s), to_json(s)});
  }
  return c;
}

Requirements read_requirements(const json& r, int line) {
  Requirements out;
  auto strings = [&](const char* key) {
    std::vector<std::string> v;
    if (!r.contains(key)) return v;
    if (!r[key].is_array()) throw CaseError(line, fmt::format("requires.{} must be an array of strings", key));
    for (const auto& e : r[key]) v.push_back(e.get<std::string>());
    return v;
  };
  out.features = strings("features");
  out.caps_drop = strings("caps_drop");
  for (const auto& c : out.caps_drop)
    if (!abi::is_capability_name(c)) throw CaseError(line, fmt::format("unknown capability '{}'", c));
  if (r.contains("kernel")) {
    out.min_kernel = r["kernel"].get<std::string>();
    if (!std::regex_match(out.min_kernel, std::regex("^[0-9]+(\\.[0-9]+)*$")))
      throw CaseError(line, fmt::format("requires.kernel '{}' is not a version like \"5.10\"", out.min_kernel));
  }
  if (r.contains("topology")) {
    out.topology = r["topology"].is_string() ? r["topology"].get<std::string>() : "";
    if (out.topology == "default") out.topology.clear();
    if (!out.topology.empty() && out.topology != "dynamic-arp")
      throw CaseError(line, fmt::format("unknown topology {} (known: \"default\", \"dynamic-arp\")", r["topology"].dump()));
  }
  if (r.contains("sysctl")) {
    for (auto it = r["sysctl"].begin(); it != r["sysctl"].end(); ++it) {
      std::string path;
      try {
        path = sysctl_path(it.key());
      } catch (const StepError&) {
        throw CaseError(line, fmt::format("sysctl '{}' is not under net/", it.key()));
      }
      auto v = it.value();
      out.sysctls.emplace_back(path, v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  return out;
}

void check_errnos(const json& e, int line, const char* what) {
  if (!e.contains("errno")) return;
  std::vector<json> names;
  const auto& v = e["errno"];
  if (v.is_string()) names.push_back(v);
  else if (v.is_object() && v.contains("one_of")) names.assign(v["one_of"].begin(), v["one_of"].end());
  else if (v.is_object() && v.contains("not")) names.push_back(v["not"]);
  for (const auto& n : names)
    if (!n.is_string() || !abi::is_errno_name(n.get<std::string>()))
      throw CaseError(line, fmt::format("{}: unknown errno {}", what, n.dump()));
}

// One `save` entry: "observation.field", or { from = "observation.field",
// add = N } for the field plus N (modulo 2^32).
Save read_save(const std::string& var, const json& v, int line) {
  if (v.is_string()) return {v.get<std::string>(), 0, false};
  if (!v.is_object())
    throw CaseError(line, fmt::format("save.{}: a field path (\"packet.TCP.seq\") or {{ from = \"...\", add = N }}", var));
  for (auto it = v.begin(); it != v.end(); ++it)
    if (it.key() != "from" && it.key() != "add")
      throw CaseError(line, fmt::format("save.{}: unknown key '{}' (expected from, add)", var, it.key()));
  if (!v.contains("from") || !v["from"].is_string() || v["from"].get<std::string>().empty())
    throw CaseError(line, fmt::format("save.{}: 'from' must be an observation field path", var));
  if (!v.contains("add") || !v["add"].is_number_integer())
    throw CaseError(line, fmt::format("save.{}: 'add' must be an integer", var));
  return {v["from"].get<std::string>(), v["add"].get<std::int64_t>(), true};
}

// Builds the step of one instance and checks everything that can be checked
// before a target runs it. `known` holds the variables defined so far.
Step make_step(const StepTemplate& st, const json& table, json& known, std::set<std::string>& saved,
               std::set<std::string>& handles) {
  Step s;
  s.line = st.line;
  s.call = table;
  auto take = [&](const char* key) -> std::optional<json> {
    auto it = s.call.find(key);
    if (it == s.call.end()) return std::nullopt;
    json v = *it;
    s.call.erase(it);
    return v;
  };
  s.expect = take("expect");
  s.doc = take("doc");
  // An empty doc (typically from a matrix row) means the page promises
  // nothing checkable for this instance.
  if (s.doc && s.doc->is_object() && s.doc->empty()) s.doc.reset();
  if (auto save = take("save")) {
    if (!save->is_object()) throw CaseError(st.line, "'save' must be a table: variable = \"observation.field\"");
    for (auto it = save->begin(); it != save->end(); ++it) s.save[it.key()] = read_save(it.key(), it.value(), st.line);
  }
  if (auto vol = take("volatile")) {
    if (!vol->is_array()) throw CaseError(st.line, "'volatile' must be an array of field paths");
    for (const auto& v : *vol) s.volatile_fields.push_back(v.get<std::string>());
  }
  try {
    check_step_keys(s.call);
    for (const auto* part : {&s.call, s.expect ? &*s.expect : nullptr, s.doc ? &*s.doc : nullptr}) {
      if (!part) continue;
      for (const auto& ref : references(*part)) {
        if (lookup_var(known, ref)) continue;
        // A field of a saved value (a table or array: "${opts.3.value.0}"):
        // only the run can tell whether it exists; a placeholder stands in.
        const auto head = ref.substr(0, ref.find('.'));
        if (head != ref && saved.count(head)) {
          known[ref] = 0;
          continue;
        }
        throw StepError(fmt::format("undefined variable '${{{}}}'", ref));
      }
    }
    if (s.expect) check_expectation(*s.expect);
    if (s.doc) check_expectation(*s.doc);
    auto req = build_request(substitute(s.call, known));
    auto op = req["op"].get<std::string>();
    if (op == "socket") {
      handles.insert(req["handle"].get<std::string>());
    } else if (op == "accept") {
      if (!handles.count(req["handle"].get<std::string>()))
        throw StepError(fmt::format("handle '{}' is used before a socket step creates it", req["handle"].get<std::string>()));
      handles.insert(req["new_handle"].get<std::string>());
    } else if (req.contains("handle") && !handles.count(req["handle"].get<std::string>())) {
      throw StepError(fmt::format("handle '{}' is used before a socket step creates it", req["handle"].get<std::string>()));
    }
  } catch (const StepError& e) {
    throw CaseError(st.line, e.what());
  } catch (const std::invalid_argument& e) {
    throw CaseError(st.line, e.what());
  }
  if (s.expect) check_errnos(*s.expect, st.line, "expect");
  if (s.doc) check_errnos(*s.doc, st.line, "doc");
  for (const auto& [var, path] : s.save) {
    known[var] = 0;  // a placeholder: the real value comes at run time
    saved.insert(var);
  }
  return s;
}

Case make_instance(const CaseTemplate& t, const Instance& inst, const std::string& display,
                   const LoadOptions& opts) {
  Case c;
  c.base = t.id;
  c.id = inst.suffix.empty() ? t.id : t.id + "[" + inst.suffix + "]";
  c.file = display;
  c.line = t.line;
  c.params = inst.labels;
  // Topology variables are the same in every worker, so a title can show them.
  auto title = substitute(substitute(json(t.title), inst.vars), default_topology_vars());
  c.title = title.is_string() ? title.get<std::string>() : title.dump();
  if (auto refs = references(title); !refs.empty())
    throw CaseError(t.line, fmt::format("title uses undefined variable '${{{}}}'", *refs.begin()));
  for (const auto& cl : substitute(t.claims, inst.vars)) {
    if (!cl.is_string()) throw CaseError(t.line, "claim ids are strings");
    auto id = cl.get<std::string>();
    if (!opts.known_claims.empty() && !opts.known_claims.count(id))
      throw CaseError(t.line, fmt::format("unknown claim '{}' (not in the ip(7) claims catalogue)", id));
    c.claims.push_back(id);
  }
  c.needs = read_requirements(substitute(t.needs, inst.vars), t.line);
  json known = default_topology_vars();
  for (auto it = inst.vars.begin(); it != inst.vars.end(); ++it) known[it.key()] = it.value();
  std::set<std::string> handles, saved;
  for (const auto& st : t.steps)
    c.steps.push_back(make_step(st, substitute(st.table, inst.vars), known, saved, handles));
  return c;
}

}  // namespace

std::string Diagnostic::str() const { return fmt::format("{}:{}: {}", file, line, message); }

void load_file(const std::filesystem::path& file, const std::string& display, const LoadOptions& opts,
               LoadResult& into) {
  auto diag = [&](int line, std::string msg) { into.diagnostics.push_back({display, line, std::move(msg)}); };
  toml::table doc;
  try {
    doc = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    diag(static_cast<int>(e.source().begin.line), std::string(e.description()));
    return;
  }
  ++into.files;
  json defaults = json::object();
  try {
    check_keys(doc, {"case", "defaults"}, "a case file");
    if (auto* d = doc.get("defaults")) {
      if (!d->is_table()) throw CaseError(line_of(*d), "'defaults' must be a table");
      check_keys(*d->as_table(), {"claims", "requires"}, "defaults");
      defaults = to_json(*d);
    }
  } catch (const CaseError& e) {
    diag(e.line, e.what());
    return;
  }
  auto* cases = doc.get("case");
  if (!cases || !cases->is_array_of_tables()) {
    diag(1, "no [[case]] tables in file");
    return;
  }
  for (auto&& node : *cases->as_array()) {
    CaseTemplate t;
    try {
      t = read_template(*node.as_table(), defaults);
    } catch (const CaseError& e) {
      diag(e.line, e.what());
      continue;
    } catch (const TomlValueError& e) {
      diag(e.line, e.what());
      continue;
    }
    std::vector<Instance> instances;
    try {
      instances = expand_matrix(t.matrix, t.exclude);
    } catch (const std::invalid_argument& e) {
      diag(t.line, fmt::format("case '{}': {}", t.id, e.what()));
      continue;
    }
    std::set<std::pair<int, std::string>> seen;  // one report per distinct problem, not per instance
    for (const auto& inst : instances) {
      try {
        into.cases.push_back(make_instance(t, inst, display, opts));
      } catch (const CaseError& e) {
        auto msg = inst.suffix.empty() ? std::string(e.what()) : fmt::format("[{}] {}", inst.suffix, e.what());
        if (seen.insert({e.line, e.what()}).second) diag(e.line, msg);
      } catch (const std::exception& e) {
        if (seen.insert({t.line, e.what()}).second) diag(t.line, fmt::format("case '{}': {}", t.id, e.what()));
      }
    }
  }
}

LoadResult load_paths(const std::vector<std::filesystem::path>& paths, const LoadOptions& opts) {
  namespace fs = std::filesystem;
  LoadResult r;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file() && it->path().extension() == ".toml") files.push_back(it->path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) load_file(f, f.lexically_normal().string(), opts, r);
    } else if (fs::exists(p, ec)) {
      load_file(p, p.lexically_normal().string(), opts, r);
    } else {
      r.diagnostics.push_back({p.string(), 0, "no such file or directory"});
    }
  }
  std::stable_sort(r.cases.begin(), r.cases.end(), [](const Case& a, const Case& b) { return a.id < b.id; });
  std::vector<Case> unique;
  for (auto& c : r.cases) {
    if (!unique.empty() && unique.back().id == c.id) {
      r.diagnostics.push_back({c.file, c.line, fmt::format("duplicate case id '{}' (first in {}:{})", c.id,
                                                           unique.back().file, unique.back().line)});
      continue;
    }
    unique.push_back(std::move(c));
  }
  r.cases = std::move(unique);
  return r;
}

}  // namespace ipc::oracle
