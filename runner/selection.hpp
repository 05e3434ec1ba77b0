// Which expanded cases a command works on: --filter globs, then --shard K/N.
#pragma once

#include <string>
#include <vector>

#include "oracle/case.hpp"

namespace ipc::runner {

struct Selection {
  std::vector<std::string> filters;  // globs over case ids; any may match; empty: all
  int shard_index = 1, shard_count = 1;  // 1-based K of N
};

// "K/N" with 1 <= K <= N; throws std::invalid_argument.
void parse_shard(const std::string& text, Selection& sel);

// Cases are already sorted by id; sharding takes every N-th from K, so a
// shard's content depends only on the case list, not on timing.
std::vector<const oracle::Case*> select(const std::vector<oracle::Case>& cases, const Selection& sel);

}  // namespace ipc::runner
