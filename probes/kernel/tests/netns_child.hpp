// Test support: run test code inside a throwaway network namespace.
#pragma once

#include <functional>

namespace ipconform::kprobe::testing {

// Forks; the child unshares a new network namespace, brings `lo` up and runs
// `body`, whose gtest assertions are printed by the child as they fail. The
// parent records a failure if the child failed, crashed or timed out, and
// skips the test if namespaces cannot be created (not root). The namespace
// disappears with the child.
void run_in_new_netns(const std::function<void()>& body, unsigned timeout_seconds = 30);

// Enters a new network namespace and brings `lo` up (ioctl SIOCSIFFLAGS).
// Returns 0 or an errno value. For use in a child process only.
int enter_new_netns();

}  // namespace ipconform::kprobe::testing
