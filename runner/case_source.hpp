// Loading the cases and the claims catalogue a command works on.
#pragma once

#include <vector>

#include "oracle/case_loader.hpp"
#include "oracle/claims.hpp"
#include "runner/commands.hpp"

namespace ipc::runner {

struct Loaded {
  std::vector<oracle::Claim> claims;
  oracle::LoadResult cases;
};

// Prints each diagnostic to stderr as file:line: message.
Loaded load_cases(const CaseSource& src);

}  // namespace ipc::runner
