// Features a case needs without naming them in `requires.features`, found
// from its steps. A target whose `hello` lacks one skips the case.
#pragma once

#include <string>
#include <vector>

#include "oracle/case.hpp"

namespace ipc::runner {

// "tcp" when a step creates a TCP socket (type SOCK_STREAM, flag bits
// aside, with protocol 0 or IPPROTO_TCP) or injects a TCP segment (an
// `inject` whose frame has a TCP layer).
std::vector<std::string> implicit_features(const oracle::Case& c);

}  // namespace ipc::runner
