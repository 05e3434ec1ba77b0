// `${name}` substitution in case data. Not evaluation: a reference is replaced
// by a value, nothing else. A string that is exactly one reference takes the
// value with its type (so `value = "${v}"` can become an int or a table);
// references inside a longer string are interpolated as text.
#pragma once

#include <nlohmann/json.hpp>

#include "oracle/case.hpp"
#include <set>
#include <string>

namespace ipc::oracle {

using Vars = nlohmann::json;  // an object: name -> value ("a.b" reaches into tables)

// Replaces every reference whose name `vars` defines; others stay as written.
nlohmann::json substitute(const nlohmann::json& data, const Vars& vars);

// The names referenced anywhere in `data`.
std::set<std::string> references(const nlohmann::json& data);

// Looks `name` up in vars, following dots into tables and, by a decimal
// index, into arrays ("packet.TCP.options.2.value.0"). Null json if absent.
const nlohmann::json* lookup_var(const Vars& vars, const std::string& name);

// The value a step's `save` entry binds: the observation's field at `s.from`
// and, for `{ from, add }`, that field plus `add` modulo 2^32 (TCP sequence
// arithmetic: "the SYN-ACK's seq + 1"). Throws std::invalid_argument when the
// field is absent, or when an offset meets anything but an integer in
// 0..2^32-1.
nlohmann::json saved_value(const nlohmann::json& observation, const Save& s);

}  // namespace ipc::oracle
