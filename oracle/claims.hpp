// The ip(7) claims catalogue (oracle/claims/ip7.toml): every statement of the
// page that cases cite, with a stable id.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ipc::oracle {

struct Claim {
  std::string id, kind, title, text;
};

// Throws std::runtime_error with file:line on a malformed catalogue.
std::vector<Claim> load_claims(const std::filesystem::path& file);

}  // namespace ipc::oracle
