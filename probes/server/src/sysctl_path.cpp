#include "sysctl_path.hpp"

#include <algorithm>

namespace ipconform::probe {

namespace {
bool allowed_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '/' || c == '-';
}
}  // namespace

bool valid_sysctl_path(std::string_view path) {
  if (!path.starts_with("net/") || path.size() == 4) return false;
  if (!std::ranges::all_of(path, allowed_char)) return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view component = path.substr(start, slash - start);
    if (component.empty() || component == "." || component == "..") return false;
    start = slash + 1;
  }
  return true;
}

}  // namespace ipconform::probe
