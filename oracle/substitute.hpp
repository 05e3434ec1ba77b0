// `${name}` substitution in case data. Not evaluation: a reference is replaced
// by a value, nothing else. A string that is exactly one reference takes the
// value with its type (so `value = "${v}"` can become an int or a table);
// references inside a longer string are interpolated as text.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace ipc::oracle {

using Vars = nlohmann::json;  // an object: name -> value ("a.b" reaches into tables)

// Replaces every reference whose name `vars` defines; others stay as written.
nlohmann::json substitute(const nlohmann::json& data, const Vars& vars);

// The names referenced anywhere in `data`.
std::set<std::string> references(const nlohmann::json& data);

// Looks `name` up in vars, following dots into tables. Null json if absent.
const nlohmann::json* lookup_var(const Vars& vars, const std::string& name);

}  // namespace ipc::oracle
