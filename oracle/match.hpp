// Comparing what a target did with what was expected, and with the kernel.
//
// An expectation is a table whose keys name observation fields (`ret`,
// `errno`, `value`, `optlen`, `addr`, ...). Each value is either a literal,
// compared exactly (tables: every listed key must match; arrays: element by
// element), or a matcher table with only matcher keys:
//   {any = true}  {min = 1, max = 255}  {one_of = [...]}  {not = x}
// `ok = true` means the call succeeded (errno null); `ok = false` that it failed.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ipc::oracle {

struct Mismatch {
  int step = 0;
  std::string field;       // "errno", "value", "addr.port"
  nlohmann::json expected; // as written (literal or matcher)
  nlohmann::json got;      // null when absent
  nlohmann::json to_json() const;
};

// The expectation used when a step states none: the call succeeds.
const nlohmann::json& implicit_expectation();

// True if `expect` is a matcher table ({min, max}, {any}, ...).
bool is_matcher(const nlohmann::json& expect);

// Whether `got` matches `want` with the rules above (tables as subsets,
// matcher tables). Used for captured frames: `want` names layers and fields.
bool matches(const nlohmann::json& want, const nlohmann::json& got);

// Checks one step's observation against an expectation.
std::vector<Mismatch> match_step(int step, const nlohmann::json& expect, const nlohmann::json& observation);

// Where a target's observations differ from the kernel's, after both are
// normalised (oracle/normalise.hpp: ephemeral ports, IP ids, checksum values,
// capture times). Fields named in `volatile_fields[i]` (dotted paths, e.g.
// "addr.port") are not compared.
struct Diff {
  int step = 0;
  std::string field;
  nlohmann::json kernel, target;
  nlohmann::json to_json() const;
};
std::vector<Diff> diff_observations(const std::vector<nlohmann::json>& kernel,
                                    const std::vector<nlohmann::json>& target,
                                    const std::vector<std::vector<std::string>>& volatile_fields);

// Validates matcher tables and expectation keys; throws std::invalid_argument.
void check_expectation(const nlohmann::json& expect);

}  // namespace ipc::oracle
