// Which sysctl paths the probe protocol accepts (docs/probe-protocol.md).
#pragma once

#include <string_view>

namespace ipconform::probe {

// True for a canonical path under net/: ^net/[A-Za-z0-9_./-]+$ with no empty,
// "." or ".." component.
bool valid_sysctl_path(std::string_view path);

}  // namespace ipconform::probe
