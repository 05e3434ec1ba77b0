#include "runner/paths.hpp"

#include <cstdlib>

#include <unistd.h>

namespace ipc::runner {
namespace fs = std::filesystem;

namespace {
fs::path first_existing(std::initializer_list<fs::path> candidates) {
  std::error_code ec;
  for (const auto& c : candidates)
    if (fs::exists(c, ec)) return c.lexically_normal();
  return *candidates.begin();
}
}  // namespace

fs::path self_exe_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : p.parent_path();
}

fs::path default_cases_dir() {
  return first_existing({self_exe_dir() / IPCONFORM_REL_DATADIR / "cases",
                         fs::path(IPCONFORM_SOURCE_DIR) / "cases"});
}

fs::path default_claims_file() {
  return first_existing({self_exe_dir() / IPCONFORM_REL_DATADIR / "claims" / "ip7.toml",
                         fs::path(IPCONFORM_SOURCE_DIR) / "oracle" / "claims" / "ip7.toml"});
}

fs::path kernel_probe_path() {
  return first_existing({self_exe_dir() / IPCONFORM_REL_LIBEXECDIR / "ipconform-probe-kernel",
                         fs::path(IPCONFORM_KERNEL_PROBE_BUILD_PATH)});
}

fs::path stackd_path() {
  if (const char* env = std::getenv("IPCONFORM_STACKD"); env && *env) return env;
  return first_existing({self_exe_dir() / IPCONFORM_REL_LIBEXECDIR / "ipconform-stackd",
                         fs::path(IPCONFORM_STACKD_BUILD_PATH)});
}

fs::path wire_agent_path() {
  return first_existing({self_exe_dir() / IPCONFORM_REL_LIBEXECDIR / "wire" / "agent.py",
                         fs::path(IPCONFORM_SOURCE_DIR) / "probes" / "wire" / "agent.py"});
}

}  // namespace ipc::runner
