// Where the runner finds its data and helpers: next to an installed binary
// (PREFIX/share/ipconform, PREFIX/libexec/ipconform), else in the source and
// build trees it was built from.
#pragma once

#include <filesystem>

namespace ipc::runner {

std::filesystem::path self_exe_dir();
std::filesystem::path default_cases_dir();
std::filesystem::path default_claims_file();
std::filesystem::path kernel_probe_path();
// ipconform-stackd, the reference stack's target: $IPCONFORM_STACKD if set
// (a sanitizer build, say), else found like the kernel probe.
std::filesystem::path stackd_path();
std::filesystem::path wire_agent_path();

}  // namespace ipc::runner
