// Loading case files: TOML parsed into typed cases, each case's matrix
// expanded into named instances, everything validated. A problem becomes a
// `file:line: message` diagnostic and the file's other cases still load.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "oracle/case.hpp"

namespace ipc::oracle {

struct LoadOptions {
  // Claim ids a case may cite; empty: not checked.
  std::set<std::string> known_claims;
};

struct LoadResult {
  std::vector<Case> cases;              // sorted by id
  std::vector<Diagnostic> diagnostics;  // every problem found
  std::size_t files = 0;
};

// Loads one file. `display` is the name used in diagnostics and results.
void load_file(const std::filesystem::path& file, const std::string& display, const LoadOptions& opts,
               LoadResult& into);

// Loads files and directories (recursively, every *.toml, in sorted order),
// then checks that ids are unique across all of them.
LoadResult load_paths(const std::vector<std::filesystem::path>& paths, const LoadOptions& opts);

}  // namespace ipc::oracle
