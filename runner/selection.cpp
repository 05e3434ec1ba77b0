#include "runner/selection.hpp"

#include <fnmatch.h>

#include <stdexcept>

namespace ipc::runner {

void parse_shard(const std::string& text, Selection& sel) {
  auto slash = text.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("");
    std::size_t a = 0, b = 0;
    int k = std::stoi(text.substr(0, slash), &a), n = std::stoi(text.substr(slash + 1), &b);
    if (a != slash || b != text.size() - slash - 1 || k < 1 || n < 1 || k > n) throw std::invalid_argument("");
    sel.shard_index = k;
    sel.shard_count = n;
  } catch (const std::exception&) {
    throw std::invalid_argument("--shard takes K/N with 1 <= K <= N, e.g. 2/4");
  }
}

std::vector<const oracle::Case*> select(const std::vector<oracle::Case>& cases, const Selection& sel) {
  std::vector<const oracle::Case*> matched;
  for (const auto& c : cases) {
    bool ok = sel.filters.empty();
    // An exact id matches itself, though its "[k=v]" reads as a glob class.
    for (const auto& f : sel.filters) ok = ok || f == c.id || fnmatch(f.c_str(), c.id.c_str(), 0) == 0;
    if (ok) matched.push_back(&c);
  }
  std::vector<const oracle::Case*> out;
  for (std::size_t i = 0; i < matched.size(); ++i)
    if (static_cast<int>(i % sel.shard_count) == sel.shard_index - 1) out.push_back(matched[i]);
  return out;
}

}  // namespace ipc::runner
