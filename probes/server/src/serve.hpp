// The probe's main loop: one request line in, one response line out.
#pragma once

#include <iosfwd>

#include "probe.hpp"

namespace ipconform::probe {

// Answers each non-blank line of `in` on `out` (flushed per response) until
// `bye` or end of input, then resets the probe (closes sockets, restores
// capabilities and sysctls). Returns the process exit status: 0, or 1 if
// `out` failed.
int serve(std::istream& in, std::ostream& out, Probe& probe);

}  // namespace ipconform::probe
