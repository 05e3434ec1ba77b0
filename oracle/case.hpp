// The case model: what a TOML case becomes once loaded and its matrix expanded.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ipc::oracle {

using json = nlohmann::json;

// A requirement the target (or the run) must meet, else the case is `skip`.
struct Requirements {
  std::vector<std::string> features;   // target features from `hello` (sctp, udplite, ...)
  std::vector<std::string> caps_drop;  // capabilities dropped for the case
  std::string min_kernel;              // "5.10": the kernel target must be at least this
  std::vector<std::pair<std::string, std::string>> sysctls;  // written before the steps, in order
  std::string topology;                // "" (the default) or "dynamic-arp"
};

// A `save` entry: the observation field a variable takes its value from and,
// for `{ from = "packet.TCP.seq", add = 1 }`, an integer added to it (the
// result modulo 2^32: sequence arithmetic, without evaluating anything).
struct Save {
  std::string from;      // dotted observation path, "addr.port", "packet.TCP.seq"
  std::int64_t add = 0;  // only with `offset`
  bool offset = false;   // written as a table with `add`
  bool operator==(const Save&) const = default;
};

// One step: a socket or system call, with what Linux does (`expect`) and what
// ip(7) says (`doc`). `call` holds the step table without those keys, after
// matrix substitution; `${name}` references to topology variables and to
// values saved by earlier steps are resolved when the step runs.
struct Step {
  int line = 0;
  json call;                     // op, handle, level, name, as, value, ...
  std::optional<json> expect;    // absent: the call must succeed
  std::optional<json> doc;       // absent: the page says nothing checkable here
  std::map<std::string, Save> save;  // variable -> observation field (plus an offset)
  std::vector<std::string> volatile_fields; // not diffed across targets (e.g. "addr.port")
};

// One expanded case instance: a distinct, named check.
struct Case {
  std::string id;    // base id + "[k=v,...]" when the case has a matrix
  std::string base;  // the id as written
  std::string title;
  std::string file;  // as given on the command line / relative to the cases root
  int line = 0;
  std::vector<std::string> claims;
  json params = json::object();  // this instance's matrix values (labels)
  Requirements needs;
  std::vector<Step> steps;
};

// A problem in a case file, reported as `file:line: message`.
struct Diagnostic {
  std::string file;
  int line = 0;
  std::string message;
  std::string str() const;
};

}  // namespace ipc::oracle
