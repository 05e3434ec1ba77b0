#include "reports/record.hpp"

#include <cctype>

#include <fmt/format.h>

namespace ipc::reports::detail {
namespace {

const json kNull;
const json kEmptyArray = json::array();
const json kEmptyObject = json::object();

const json* find(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string dump(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

bool simple_string(const std::string& s) {
  if (s.empty() || s.size() > 80) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || std::string_view("_.:/+-@").find(static_cast<char>(c)) != std::string_view::npos))
      return false;
  return s != "null" && s != "true" && s != "false";
}

}  // namespace

std::string str(const json& obj, std::string_view key) {
  const json* v = find(obj, key);
  if (!v || v->is_null()) return {};
  if (v->is_string()) return v->get<std::string>();
  return dump(*v);
}

const json& arr(const json& obj, std::string_view key) {
  const json* v = find(obj, key);
  return v && v->is_array() ? *v : kEmptyArray;
}

const json& obj_field(const json& obj, std::string_view key) {
  const json* v = find(obj, key);
  return v && v->is_object() ? *v : kEmptyObject;
}

double num(const json& obj, std::string_view key, double fallback) {
  const json* v = find(obj, key);
  return v && v->is_number() ? v->get<double>() : fallback;
}

bool flag(const json& obj, std::string_view key) {
  const json* v = find(obj, key);
  return v && v->is_boolean() && v->get<bool>();
}

std::string base_of(const json& record) {
  std::string base = str(record, "base");
  if (!base.empty()) return base;
  std::string id = str(record, "case");
  return id.substr(0, id.find('['));
}

std::string top_level(std::string_view id) {
  auto first = id.find('.');
  if (first == std::string_view::npos) return std::string(id);
  auto second = id.find('.', first + 1);
  return std::string(id.substr(0, second));
}

std::vector<std::string> claims_of(const json& record) {
  std::vector<std::string> out;
  for (const json& c : arr(record, "claims"))
    if (c.is_string()) out.push_back(c.get<std::string>());
  return out;
}

bool is_frame(const json& v) {
  if (!v.is_object()) return false;
  auto s = v.find("summary"), l = v.find("layers");
  return s != v.end() && s->is_string() && l != v.end() && l->is_array();
}

std::string frame_summary(const json& v) { return is_frame(v) ? v.at("summary").get<std::string>() : std::string(); }

std::string braced(const json& v) {
  if (v.is_object()) {
    std::string out = "{";
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (out.size() > 1) out += ',';
      out += it.key() + "=" + braced(it.value());
    }
    return out + "}";
  }
  if (v.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + braced(v[i]);
    return out + "]";
  }
  return compact(v);
}

namespace {

// One cmsg: NAME=scalar, or NAME{k=v,...} for a structure.
std::string cmsg_entry(const std::string& name, const json& value) {
  return value.is_object() ? name + braced(value) : name + "=" + braced(value);
}

}  // namespace

std::string cmsg_text(const json& v) {
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) add(cmsg_entry(it.key(), it.value()));
  } else if (v.is_array()) {
    for (const json& e : v) {
      std::string name = str(e, "type");
      if (name.empty()) name = str(e, "name");
      if (!name.empty() && e.is_object() && (e.contains("value") || e.contains("data")))
        add(cmsg_entry(name, e.contains("value") ? e.at("value") : e.at("data")));
      else if (e.is_object())
        add(cmsg_text(e));
      else
        add(braced(e));
    }
  } else {
    return braced(v);
  }
  return out;
}

std::string compact(const json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return simple_string(s) ? s : dump(v);
  }
  if (is_frame(v)) return "frame(" + frame_summary(v) + ")";
  return dump(v);
}

std::string compact_table(const json& table, bool observation, std::initializer_list<std::string_view> skip) {
  if (table.is_null()) return {};
  if (!table.is_object()) return compact(table);
  std::string out;
  auto add = [&](const std::string& k, const json& v) {
    for (std::string_view s : skip)
      if (k == s) return;
    if (!out.empty()) out += ' ';
    out += k;
    out += '=';
    if ((k == "cmsg" || k == "cmsgs") && (v.is_object() || v.is_array()))
      out += "[" + cmsg_text(v) + "]";
    else
      out += compact(v);
  };
  for (const char* first : {"ret", "errno"}) {
    auto it = table.find(first);
    if (it == table.end() || (observation && std::string_view(first) == "errno" && it->is_null())) continue;
    add(first, *it);
  }
  for (auto it = table.begin(); it != table.end(); ++it)
    if (it.key() != "ret" && it.key() != "errno") add(it.key(), it.value());
  return out;
}

Mismatch describe(const json& record, const json& e, MismatchKind kind) {
  Mismatch m;
  if (const json* s = find(e, "step"); s && s->is_number_integer()) m.step = s->get<long>();
  const json& steps = arr(record, "steps");
  if (m.step >= 0 && m.step < static_cast<long>(steps.size())) m.step_text = str(steps[m.step], "text");
  m.field = str(e, "field");
  auto val = [&](const char* key) {
    const json* v = find(e, key);
    return v ? compact(*v) : std::string("(absent)");
  };
  switch (kind) {
    case MismatchKind::failure:
      m.left_label = "expected", m.left = val("expected"), m.right_label = "got", m.right = val("got");
      break;
    case MismatchKind::doc_failure:
      m.left_label = "ip(7) says", m.left = val("expected"), m.right_label = "got", m.right = val("got");
      break;
    case MismatchKind::diff:
      m.left_label = "kernel", m.left = val("kernel");
      m.right_label = str(record, "target"), m.right = val("target");
      if (m.right_label.empty()) m.right_label = "target";
      break;
  }
  if (!e.is_object()) m.field = compact(e), m.left_label.clear(), m.right_label.clear();
  return m;
}

std::string plain(const Mismatch& m) {
  std::string out;
  if (m.step >= 0) out += fmt::format("step {}", m.step + 1);
  if (!m.step_text.empty()) out += fmt::format(" ({})", m.step_text);
  if (!m.field.empty()) out += (out.empty() ? "" : " ") + m.field;
  if (!m.left_label.empty()) out += fmt::format(": {} {}, {} {}", m.left_label, m.left, m.right_label, m.right);
  return out;
}

}  // namespace ipc::reports::detail
