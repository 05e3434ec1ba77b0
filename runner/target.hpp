// A target as the runner sees it: a name, the command that starts it, and
// what it said of itself in `hello`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ipc::runner {

struct TargetSpec {
  std::string name;               // "kernel", or the name given with --target-cmd
  std::vector<std::string> argv;  // started inside the DUT namespace
};

struct TargetInfo {
  std::string name, implementation, release;
  std::vector<std::string> features;
  nlohmann::json to_json() const;
  bool has(const std::string& feature) const;
};

// Parses "name=/path/to/adapter arg ..." (--target-cmd).
TargetSpec parse_target_cmd(const std::string& spec);

// "6.1.0-18-amd64" >= "5.10"? Compares the leading numeric components.
bool version_at_least(const std::string& release, const std::string& minimum);

}  // namespace ipc::runner
