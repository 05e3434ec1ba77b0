#include "runner/baseline_update.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

// Found by argument-dependent lookup, so in the entry's namespace.
namespace ipc::oracle {
bool operator==(const BaselineEntry& a, const BaselineEntry& b) {
  return a.target == b.target && a.pattern == b.pattern && a.reason == b.reason;
}
void PrintTo(const BaselineEntry& e, std::ostream* os) { *os << e.target << " " << e.pattern << ": " << e.reason; }
}  // namespace ipc::oracle

namespace ipc::runner {
namespace {

using json = nlohmann::json;
using oracle::BaselineEntry;

json record(const std::string& target, const std::string& id, const std::string& verdict, json failures = json::array(),
            json diffs = json::array(), int repeat = 0) {
  return {{"target", target},
          {"case", id},
          {"verdict", verdict},
          {"repeat", repeat},
          {"steps", json::array({{{"op", "socket"}}, {{"op", "setsockopt"}}, {{"op", "getsockopt"}}})},
          {"failures", std::move(failures)},
          {"diffs", std::move(diffs)}};
}

json diff(int step, const std::string& field, json kernel, json target) {
  return json::array({{{"step", step}, {"field", field}, {"kernel", kernel}, {"target", target}}});
}

TEST(GeneratedReason, FirstFailureElseFirstDifference) {
  auto div = record("stack", "t.a", "diverge", json::array(), diff(1, "errno", nullptr, "ENOPROTOOPT"));
  EXPECT_EQ(generated_reason(div), "diverges from kernel at step 2 setsockopt: errno ENOPROTOOPT vs null");

  auto two = diff(2, "value", 64, 1);
  two.push_back({{"step", 2}, {"field", "optlen"}, {"kernel", 4}, {"target", 1}});
  EXPECT_EQ(generated_reason(record("stack", "t.b", "diverge", json::array(), two)),
            "diverges from kernel at step 3 getsockopt: value 1 vs 64 (and 1 more)");

  auto fail = record("stack", "t.c", "fail",
                     json::array({{{"step", 0}, {"field", "ret"}, {"expected", 0}, {"got", -1}}}),
                     diff(0, "ret", 0, -1));
  EXPECT_EQ(generated_reason(fail), "fails at step 1 socket: ret -1, expected 0");

  auto matcher = record("stack", "t.d", "fail",
                        json::array({{{"step", 2}, {"field", "value"}, {"expected", {{"min", 1}}}, {"got", 0}}}));
  EXPECT_EQ(generated_reason(matcher), "fails at step 3 getsockopt: value 0, expected {\"min\":1}");

  auto long_value = record("stack", "t.e", "diverge", json::array(), diff(2, "value", std::string(100, 'a'), "b"));
  EXPECT_EQ(generated_reason(long_value), "diverges from kernel at step 3 getsockopt: value b vs " +
                                              std::string(45, 'a') + "...");
}

TEST(UpdateBaseline, NewEntriesForWhatFailedOrDivergedOnOtherTargets) {
  std::vector<json> records = {
      record("kernel", "t.a", "pass"),
      record("stack", "t.a", "diverge", json::array(), diff(1, "errno", nullptr, "ENOPROTOOPT")),
      record("kernel", "t.b", "fail", json::array({{{"step", 0}, {"field", "ret"}, {"expected", 0}, {"got", -1}}})),
      record("stack", "t.b", "fail", json::array({{{"step", 0}, {"field", "ret"}, {"expected", 0}, {"got", -1}}})),
      record("stack", "t.c", "pass"),
      record("stack", "t.d", "error"),
      record("stack", "t.e", "skip"),
  };
  auto up = update_baseline({}, records, {"t.a", "t.b", "t.c", "t.d", "t.e"});
  EXPECT_EQ(up.entries, (std::vector<BaselineEntry>{
                            {"stack", "t.a", "diverges from kernel at step 2 setsockopt: errno ENOPROTOOPT vs null"},
                            {"stack", "t.b", "fails at step 1 socket: ret -1, expected 0"},
                        }));
  EXPECT_EQ(up.added, 2u);
  EXPECT_EQ(up.dropped, 0u);
}

TEST(UpdateBaseline, KeepsReasonsAndGlobsThatStillApplyDropsTheRest) {
  const std::vector<BaselineEntry> old = {
      {"stack", "t.h*", "only skipped so far"},
      {"stack", "t.c", "fixed since"},
      {"stack", "t.g*", "a known family"},
      {"other", "t.x", "another target's"},
      {"stack", "t.a", "a hand-written reason"},
      {"stack", "t.gone", "its case was removed"},
      {"kernel", "t.k", "the kernel's own"},
      {"stack", "t.u*", "not selected this time"},
  };
  std::vector<json> records = {
      record("stack", "t.a", "xfail", json::array(), diff(0, "ret", 0, -1)),
      record("stack", "t.g1", "xfail", json::array(), diff(0, "ret", 0, -1)),
      record("stack", "t.g2", "xpass"),
      record("stack", "t.c", "xpass"),
      record("stack", "t.h1", "skip"),
      record("stack", "t.new", "diverge", json::array(), diff(2, "value", 64, 1)),
      record("kernel", "t.k", "xfail"),
  };
  auto up = update_baseline(old, records, {"t.a", "t.c", "t.g1", "t.g2", "t.h1", "t.k", "t.new", "t.u1", "t.x"});
  EXPECT_EQ(up.entries, (std::vector<BaselineEntry>{
                            {"kernel", "t.k", "the kernel's own"},
                            {"other", "t.x", "another target's"},
                            {"stack", "t.a", "a hand-written reason"},
                            {"stack", "t.new", "diverges from kernel at step 3 getsockopt: value 1 vs 64"},
                            {"stack", "t.h*", "only skipped so far"},
                            {"stack", "t.g*", "a known family"},
                            {"stack", "t.u*", "not selected this time"},
                        }));
  EXPECT_EQ(up.added, 1u);
  EXPECT_EQ(up.dropped, 2u);  // t.c passes now; t.gone matches no case
}

TEST(UpdateBaseline, TheEntryThatAppliesIsTheFirstMatch) {
  std::vector<json> records = {record("stack", "t.a", "xfail", json::array(), diff(0, "ret", 0, -1)),
                               record("stack", "t.b", "xfail", json::array(), diff(0, "ret", 0, -1))};
  // A glob before an exact entry shadows it: the exact one applies to nothing.
  auto shadowed = update_baseline({{"stack", "t.*", "glob"}, {"stack", "t.a", "exact"}}, records, {"t.a", "t.b"});
  EXPECT_EQ(shadowed.entries, (std::vector<BaselineEntry>{{"stack", "t.*", "glob"}}));
  EXPECT_EQ(shadowed.dropped, 1u);
  // An exact entry first stays first, so t.a keeps its own reason.
  auto both = update_baseline({{"stack", "t.a", "exact"}, {"stack", "t.*", "glob"}}, records, {"t.a", "t.b"});
  EXPECT_EQ(both.entries, (std::vector<BaselineEntry>{{"stack", "t.a", "exact"}, {"stack", "t.*", "glob"}}));
}

TEST(UpdateBaseline, TheLowestRepeatGivesTheReason) {
  std::vector<json> records = {
      record("stack", "t.a", "diverge", json::array(), diff(2, "value", 64, 2), 1),
      record("stack", "t.a", "pass", json::array(), json::array(), 2),
      record("stack", "t.a", "diverge", json::array(), diff(2, "value", 64, 1), 0),
  };
  auto up = update_baseline({}, records, {"t.a"});
  ASSERT_EQ(up.entries.size(), 1u);
  EXPECT_EQ(up.entries[0].reason, "diverges from kernel at step 3 getsockopt: value 1 vs 64");
}

TEST(UpdateBaseline, RewritingTheRewrittenChangesNothing) {
  const std::vector<BaselineEntry> old = {{"stack", "t.g*", "family"}, {"stack", "t.z", "z"}, {"stack", "t.b", "b"}};
  std::vector<json> records = {
      record("stack", "t.b", "xfail", json::array(), diff(0, "ret", 0, -1)),
      record("stack", "t.g1", "xfail", json::array(), diff(0, "ret", 0, -1)),
      record("stack", "t.z", "xfail", json::array(), diff(0, "ret", 0, -1)),
      record("stack", "t.n", "diverge", json::array(), diff(0, "ret", 0, -1)),
  };
  const std::vector<std::string> ids = {"t.b", "t.g1", "t.n", "t.z"};
  auto once = update_baseline(old, records, ids);
  auto twice = update_baseline(once.entries, records, ids);
  EXPECT_EQ(once.entries, twice.entries);
  EXPECT_EQ(baseline_toml(once.entries), baseline_toml(twice.entries));
  EXPECT_EQ(twice.added, 0u);
  EXPECT_EQ(twice.dropped, 0u);
}

TEST(BaselineToml, LoadsBackAsWritten) {
  const std::vector<BaselineEntry> entries = {
      {"stack", "sockopt.ip_ttl.range[v=0]", "quotes \" and a backslash \\ and\na newline\tand a tab"},
      {"stack", "sockopt.*", "plain"},
  };
  const auto text = baseline_toml(entries);
  EXPECT_NE(text.find("[[known]]\ntarget = \"stack\"\ncase = \"sockopt.ip_ttl.range[v=0]\"\n"), std::string::npos)
      << text;
  auto file = std::filesystem::temp_directory_path() / "baseline_update_test.toml";
  std::ofstream(file) << text;
  auto loaded = oracle::Baseline::load(file);
  std::filesystem::remove(file);
  EXPECT_EQ(loaded.entries(), entries);
}

TEST(UnexpectedAgainst, ARewrittenBaselineCoversWhatItLists) {
  auto file = std::filesystem::temp_directory_path() / "baseline_update_test2.toml";
  std::ofstream(file) << baseline_toml({{"stack", "t.listed*", "known"}});
  auto b = oracle::Baseline::load(file);
  std::filesystem::remove(file);
  EXPECT_FALSE(unexpected_against(record("stack", "t.listed1", "diverge"), b));
  EXPECT_FALSE(unexpected_against(record("stack", "t.listed2", "xfail"), b));
  EXPECT_TRUE(unexpected_against(record("stack", "t.listed3", "pass"), b));  // would be xpass
  EXPECT_FALSE(unexpected_against(record("stack", "t.other", "pass"), b));
  EXPECT_FALSE(unexpected_against(record("stack", "t.other", "xpass"), b));  // its entry is gone
  EXPECT_TRUE(unexpected_against(record("stack", "t.other", "fail"), b));
  EXPECT_TRUE(unexpected_against(record("stack", "t.listed4", "error"), b));
  EXPECT_FALSE(unexpected_against(record("stack", "t.other", "skip"), b));
  EXPECT_TRUE(unexpected_against(record("kernel", "t.listed1", "fail"), b));
  EXPECT_FALSE(unexpected_against(record("kernel", "t.x", "pass"), b));
}

}  // namespace
}  // namespace ipc::runner
