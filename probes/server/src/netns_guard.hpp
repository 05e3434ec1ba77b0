// The start-up safety check: the probe acts only inside a network namespace
// that is not the machine's (or container's) own.
#pragma once

#include <string>

namespace ipconform::probe {

struct NetnsCheck {
  enum class Verdict {
    isolated,  // a namespace of its own: safe to run
    shared,    // the same namespace as PID 1 or the kernel's threads: refuse
    unknown,   // could not be verified: refuse
  };
  Verdict verdict;
  std::string reason;  // for the stderr message
};

// Compares /proc/self/ns/net with the namespace of PID 1 and, because PID 1's
// may be unreadable (a protected init), with that of kthreadd (PID 2, a
// kernel thread and so always in the initial namespace, when this /proc shows
// it). Also treats the fixed inode of the initial namespace (0xEFFFFFF9 since
// Linux 6.18; never a dynamically allocated inode) as shared.
NetnsCheck check_netns();

}  // namespace ipconform::probe
