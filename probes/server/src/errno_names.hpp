// Symbolic names of Linux errno values ("EINVAL").
#pragma once

#include <string>

namespace ipconform::probe {

// The symbolic name of a Linux errno value. Aliases resolve to one canonical
// name (EAGAIN, not EWOULDBLOCK; EDEADLK; EOPNOTSUPP). Kernel-internal values
// that can leak to user space (ENOTSUPP = 524, ...) are named too; anything
// else becomes "E<number>".
std::string errno_name(int err);

}  // namespace ipconform::probe
