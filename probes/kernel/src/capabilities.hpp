// Per-case capability dropping: only the effective set is touched, so the
// permitted set keeps everything needed to restore it.
#pragma once

#include <sys/capability.h>

#include <optional>
#include <string_view>
#include <vector>

namespace ipconform::kprobe {

// The capability called `name` ("CAP_NET_BIND_SERVICE", any case), if this
// system knows it. Numeric spellings are not accepted.
std::optional<cap_value_t> capability_from_name(std::string_view name);

// Clears `caps` from the effective set. Returns 0 or an errno value.
int drop_effective(const std::vector<cap_value_t>& caps);

// Makes the effective set equal to the permitted set. Returns 0 or an errno.
int restore_effective();

}  // namespace ipconform::kprobe
