#include "runner/selection.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ipc::runner {
namespace {

std::vector<oracle::Case> cases_with_ids(const std::vector<std::string>& ids) {
  std::vector<oracle::Case> out;
  for (const auto& id : ids) {
    oracle::Case c;
    c.id = id;
    out.push_back(c);
  }
  return out;
}

std::vector<std::string> ids(const std::vector<const oracle::Case*>& v) {
  std::vector<std::string> out;
  for (const auto* c : v) out.push_back(c->id);
  return out;
}

// ---- parse_shard -----------------------------------------------------------------

TEST(ParseShard, Valid) {
  Selection s;
  parse_shard("2/4", s);
  EXPECT_EQ(s.shard_index, 2);
  EXPECT_EQ(s.shard_count, 4);
  parse_shard("1/1", s);
  EXPECT_EQ(s.shard_index, 1);
  EXPECT_EQ(s.shard_count, 1);
  parse_shard("12/12", s);
  EXPECT_EQ(s.shard_index, 12);
  EXPECT_EQ(s.shard_count, 12);
}

TEST(ParseShard, Invalid) {
  for (const char* bad : {"0/2", "3/2", "a/b", "1/0", "1", "", "/", "1/", "/2", "1/2/3", "1/2x", "1x/2", "-1/2",
                          "1.5/2"}) {
    Selection s;
    EXPECT_THROW(parse_shard(bad, s), std::invalid_argument) << bad;
    EXPECT_EQ(s.shard_index, 1) << bad << ": an invalid shard leaves the selection alone";
    EXPECT_EQ(s.shard_count, 1) << bad;
  }
}

TEST(ParseShard, MessageShowsTheForm) {
  Selection s;
  try {
    parse_shard("3/2", s);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("K/N"), std::string::npos) << e.what();
  }
}

// ---- filters ---------------------------------------------------------------------

const std::vector<std::string> kIds = {
    "bind.any",
    "bind.port_zero",
    "sockopt.ip_options.set[len=4]",
    "sockopt.ip_ttl.default[sock=raw]",
    "sockopt.ip_ttl.default[sock=udp]",
    "sockopt.ip_ttl.range[v=0]",
    "sockopt.ip_ttl.range[v=1]",
};

TEST(Filter, NoFilterSelectsEverythingInOrder) {
  auto cs = cases_with_ids(kIds);
  EXPECT_EQ(ids(select(cs, Selection{})), kIds);
}

TEST(Filter, OneGlob) {
  auto cs = cases_with_ids(kIds);
  Selection s;
  s.filters = {"sockopt.ip_ttl.*"};
  EXPECT_EQ(ids(select(cs, s)),
            (std::vector<std::string>{"sockopt.ip_ttl.default[sock=raw]", "sockopt.ip_ttl.default[sock=udp]",
                                      "sockopt.ip_ttl.range[v=0]", "sockopt.ip_ttl.range[v=1]"}));
  s.filters = {"*sock=udp*"};
  EXPECT_EQ(ids(select(cs, s)), (std::vector<std::string>{"sockopt.ip_ttl.default[sock=udp]"}));
  s.filters = {"nothing.*"};
  EXPECT_TRUE(select(cs, s).empty());
}

TEST(Filter, SeveralGlobsAreOred) {
  auto cs = cases_with_ids(kIds);
  Selection s;
  s.filters = {"bind.*", "*.range*", "no.such.*"};
  EXPECT_EQ(ids(select(cs, s)), (std::vector<std::string>{"bind.any", "bind.port_zero", "sockopt.ip_ttl.range[v=0]",
                                                           "sockopt.ip_ttl.range[v=1]"}));
  // A case matched by two globs is selected once.
  s.filters = {"bind.*", "bind.any"};
  EXPECT_EQ(ids(select(cs, s)), (std::vector<std::string>{"bind.any", "bind.port_zero"}));
}

TEST(Filter, ExactInstanceIdSelectsThatInstance) {
  // `list` prints ids like "sockopt.ip_ttl.range[v=0]"; giving one back as a
  // filter must select it, though fnmatch reads "[v=0]" as a character class.
  auto cs = cases_with_ids(kIds);
  Selection s;
  s.filters = {"sockopt.ip_ttl.range[v=0]"};
  EXPECT_EQ(ids(select(cs, s)), (std::vector<std::string>{"sockopt.ip_ttl.range[v=0]"}));
}

// ---- sharding ------------------------------------------------------------------------

std::vector<std::string> many_ids(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("case." + std::to_string(1000 + i));
  return out;
}

TEST(Shard, TakesEveryNthFromK) {
  auto cs = cases_with_ids({"a", "b", "c", "d", "e"});
  Selection s;
  s.shard_count = 2;
  s.shard_index = 1;
  EXPECT_EQ(ids(select(cs, s)), (std::vector<std::string>{"a", "c", "e"}));
  s.shard_index = 2;
  EXPECT_EQ(ids(select(cs, s)), (std::vector<std::string>{"b", "d"}));
}

TEST(Shard, IsDeterministic) {
  auto cs = cases_with_ids(many_ids(50));
  Selection s;
  parse_shard("3/7", s);
  auto first = ids(select(cs, s));
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(ids(select(cs, s)), first);
  auto copy = cases_with_ids(many_ids(50));
  EXPECT_EQ(ids(select(copy, s)), first);
}

TEST(Shard, ShardsPartitionTheCases) {
  for (int total : {0, 1, 5, 37}) {
    auto cs = cases_with_ids(many_ids(total));
    for (int n : {1, 2, 3, 4, 10}) {
      std::map<std::string, int> seen;
      std::size_t largest = 0, smallest = cs.size();
      for (int k = 1; k <= n; ++k) {
        Selection s;
        parse_shard(std::to_string(k) + "/" + std::to_string(n), s);
        auto part = select(cs, s);
        largest = std::max(largest, part.size());
        smallest = std::min(smallest, part.size());
        for (const auto* c : part) ++seen[c->id];
      }
      ASSERT_EQ(seen.size(), cs.size()) << total << " cases, " << n << " shards";
      for (const auto& [id, count] : seen) EXPECT_EQ(count, 1) << id << " in " << n << " shards";
      EXPECT_LE(largest - smallest, 1u) << "shards are balanced";
    }
  }
}

TEST(Shard, AppliesAfterTheFilter) {
  auto cs = cases_with_ids(kIds);
  std::vector<std::string> all;
  for (int k = 1; k <= 2; ++k) {
    Selection s;
    s.filters = {"sockopt.*"};
    s.shard_index = k;
    s.shard_count = 2;
    auto part = ids(select(cs, s));
    EXPECT_EQ(part.size(), k == 1 ? 3u : 2u);  // 5 filtered cases split 3 + 2
    all.insert(all.end(), part.begin(), part.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>(kIds.begin() + 2, kIds.end())));
}

}  // namespace
}  // namespace ipc::runner
