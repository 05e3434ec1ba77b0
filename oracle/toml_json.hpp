// TOML nodes to JSON values, keeping where each came from: the case model is
// JSON inside, but a diagnostic must still point at the TOML line.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <toml++/toml.h>

namespace ipc::oracle {

struct TomlValueError : std::runtime_error {
  int line;
  TomlValueError(int l, const std::string& m) : std::runtime_error(m), line(l) {}
};

// Dates and times have no meaning in a case and are rejected.
nlohmann::json to_json(const toml::node& node);

inline int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

}  // namespace ipc::oracle
