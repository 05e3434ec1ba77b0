#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "reports/tally.hpp"

namespace ipc::reports::testing {
namespace {

using detail::Verdict;

TEST(Verdicts, SeverityOrder) {
  using detail::parse_verdict, detail::severity;
  const char* order[] = {"error", "fail", "diverge", "xpass", "xfail", "pass", "skip"};
  for (int i = 0; i + 1 < 7; ++i)
    EXPECT_GT(severity(parse_verdict(order[i])), severity(parse_verdict(order[i + 1]))) << order[i];
  EXPECT_EQ(parse_verdict("bogus"), Verdict::error);
  EXPECT_TRUE(detail::is_unexpected(Verdict::xpass));
  EXPECT_FALSE(detail::is_unexpected(Verdict::xfail));
}

TEST(Tally, WorstVerdictIsShownAndFlakeCounted) {
  ReportInput in{run_json(), {}, {}};
  in.results.push_back(record("a", "kernel", "pass"));
  auto failing = record("a", "kernel", "fail");
  failing["repeat"] = 1;
  in.results.push_back(failing);
  in.results.push_back(record("a", "kernel", "skip"));
  auto failing2 = record("a", "kernel", "fail");
  failing2["repeat"] = 3;
  in.results.push_back(failing2);
  in.results.push_back(record("b", "kernel", "xfail"));
  in.results.push_back(record("b", "kernel", "xpass"));

  auto t = detail::tally(in);
  const auto& a = t.cases.at("a").at("kernel");
  EXPECT_EQ(a.worst, Verdict::fail);
  EXPECT_EQ(a.shown, &in.results[1]);  // the first record with the worst verdict
  EXPECT_EQ(a.records.size(), 4u);
  EXPECT_TRUE(a.flaky());
  EXPECT_EQ(a.flake_note(), "fail x2, pass x1, skip x1");
  EXPECT_EQ(t.cases.at("b").at("kernel").worst, Verdict::xpass);

  const auto& c = t.counts.at("kernel");
  EXPECT_EQ(c.total(), 2);
  EXPECT_EQ(c.records, 6);
  EXPECT_EQ(c.flaky, 2);
  EXPECT_EQ(c.instances[detail::severity(Verdict::fail)], 1);
  EXPECT_EQ(c.unexpected(), 2);
}

TEST(Tally, WorstOfEveryPair) {
  const char* order[] = {"error", "fail", "diverge", "xpass", "xfail", "pass", "skip"};
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 7; ++j) {
      ReportInput in{run_json(), {record("x", "kernel", order[i]), record("x", "kernel", order[j])}, {}};
      auto t = detail::tally(in);
      EXPECT_EQ(detail::name(t.cases.at("x").at("kernel").worst), order[std::min(i, j)]) << order[i] << order[j];
    }
}

TEST(Tally, TargetOrderKernelFirstThenRunThenOthers) {
  ReportInput in{run_json(), {}, {}};
  in.run["targets"] = json::array({{{"name", "stack"}}, {{"name", "kernel"}, {"release", "6.1"}}});
  in.results = {record("a", "zeta", "pass"), record("a", "alpha", "pass"), record("a", "stack", "pass"),
                record("a", "kernel", "pass")};
  auto t = detail::tally(in);
  EXPECT_EQ(t.targets, (std::vector<std::string>{"kernel", "stack", "alpha", "zeta"}));
  EXPECT_EQ(t.kernel_release, "6.1");
  EXPECT_EQ(detail::target_label(t, "kernel"), "kernel (6.1)");
}

TEST(Tally, ToleratesMissingFields) {
  ReportInput in{json(), {json{{"case", "a"}}, json::object(), json::array()}, {}};
  auto t = detail::tally(in);
  EXPECT_EQ(t.cases.size(), 2u);  // "a" and ""; the non-object is ignored
  EXPECT_EQ(t.cases.at("a").at("").worst, Verdict::error);  // no verdict: cannot be judged
}

}  // namespace
}  // namespace ipc::reports::testing
