// A target's baseline: the divergences it is known to have, each with a
// reason. A listed case that fails is `xfail`; one that passes is `xpass`.
//
//   [[known]]
//   target = "stack"
//   case = "sockopt.ip_options.*"   # glob over expanded case ids
//   reason = "IP options on send are not implemented yet"
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ipc::oracle {

struct BaselineEntry {
  std::string target, pattern, reason;
};

class Baseline {
 public:
  Baseline() = default;
  static Baseline load(const std::filesystem::path& file);  // throws std::runtime_error (file:line)
  // The reason of the first entry matching this target and case id.
  std::optional<std::string> find(const std::string& target, const std::string& case_id) const;
  const std::vector<BaselineEntry>& entries() const { return entries_; }

 private:
  std::vector<BaselineEntry> entries_;
};

}  // namespace ipc::oracle
