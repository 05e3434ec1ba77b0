#include "runner/target.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace ipc::runner {

nlohmann::json TargetInfo::to_json() const {
  return {{"name", name}, {"implementation", implementation}, {"release", release}, {"features", features}};
}

bool TargetInfo::has(const std::string& f) const {
  return std::find(features.begin(), features.end(), f) != features.end();
}

TargetSpec parse_target_cmd(const std::string& spec) {
  auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    throw std::invalid_argument("--target-cmd takes NAME=COMMAND [ARGS...]");
  TargetSpec t{spec.substr(0, eq), {}, netns::DutMode::tap, FactsVia::environment};
  std::istringstream words(spec.substr(eq + 1));
  for (std::string w; words >> w;) t.argv.push_back(w);
  if (t.argv.empty()) throw std::invalid_argument("--target-cmd NAME=COMMAND: the command is empty");
  return t;
}

void apply_target_dut(const std::string& spec, std::vector<TargetSpec>& targets) {
  auto eq = spec.find('=');
  const std::string name = spec.substr(0, eq), mode = eq == std::string::npos ? "" : spec.substr(eq + 1);
  if (name.empty() || (mode != "kernel" && mode != "tap"))
    throw std::invalid_argument("--target-dut takes NAME=kernel or NAME=tap");
  if (name == "kernel" || name == "stack")
    throw std::invalid_argument(fmt::format("--target-dut: the DUT of the built-in target '{}' is fixed", name));
  auto it = std::find_if(targets.begin(), targets.end(), [&](const TargetSpec& t) { return t.name == name; });
  if (it == targets.end())
    throw std::invalid_argument(fmt::format("--target-dut {}: no target of that name in --targets", spec));
  it->dut = mode == "tap" ? netns::DutMode::tap : netns::DutMode::kernel;
}

namespace {
std::vector<long> numbers(const std::string& v) {
  std::vector<long> out;
  std::size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
    std::size_t j = i;
    while (j < v.size() && std::isdigit(static_cast<unsigned char>(v[j]))) ++j;
    out.push_back(std::stol(v.substr(i, j - i)));
    if (j >= v.size() || v[j] != '.') break;
    i = j + 1;
  }
  return out;
}
}  // namespace

bool version_at_least(const std::string& release, const std::string& minimum) {
  auto a = numbers(release), b = numbers(minimum);
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    long x = i < a.size() ? a[i] : 0, y = i < b.size() ? b[i] : 0;
    if (x != y) return x > y;
  }
  return true;
}

}  // namespace ipc::runner
