#include "runner/case_source.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "runner/paths.hpp"

namespace ipc::runner {

Loaded load_cases(const CaseSource& src) {
  Loaded l;
  auto claims_file = src.claims.empty() ? default_claims_file() : src.claims;
  oracle::LoadOptions opts;
  try {
    l.claims = oracle::load_claims(claims_file);
    for (const auto& c : l.claims) opts.known_claims.insert(c.id);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ipconform: claims catalogue: %s (claim ids not checked)\n", e.what());
  }
  auto paths = src.paths;
  if (paths.empty()) paths.push_back(default_cases_dir());
  l.cases = oracle::load_paths(paths, opts);
  for (const auto& d : l.cases.diagnostics) std::fprintf(stderr, "%s\n", d.str().c_str());
  return l;
}

}  // namespace ipc::runner
