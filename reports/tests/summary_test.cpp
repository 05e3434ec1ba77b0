#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace ipc::reports::testing {
namespace {

std::string summary_of(const ReportInput& in) {
  auto file = temp_dir() / "summary.md";
  write_summary(in, file);
  return slurp(file);
}

ReportInput mixed() {
  ReportInput in{run_json(), {}, {}};
  in.results.push_back(record("t.a.xpass", "kernel", "xpass"));
  in.results.push_back(record("t.a.diverge", "stack", "diverge"));
  in.results.back()["diffs"] = json::array({diff(1, "errno", "EINVAL", "ENOPROTOOPT")});
  in.results.push_back(record("t.a.fail", "stack", "fail"));
  in.results.back()["failures"] = json::array({failure(1, "errno", "EINVAL", nullptr)});
  in.results.push_back(record("t.a.error", "stack", "error"));
  in.results.back()["reason"] = "stackd crashed";
  in.results.push_back(record("t.a.pass", "kernel", "pass"));
  in.results.push_back(record("t.a.pass", "stack", "pass"));
  for (const char* id : {"t.s.one", "t.s.two"}) {
    in.results.push_back(record(id, "kernel", "skip"));
    in.results.back()["reason"] = "needs CAP_NET_RAW";
  }
  in.results.push_back(record("t.s.three", "stack", "skip"));
  in.results.back()["reason"] = "kernel >= 6.2";
  return in;
}

TEST(Summary, HeaderHasTotalsReleaseAndWallTime) {
  std::string md = summary_of(mixed());
  EXPECT_EQ(md.rfind("# ipconform results\n", 0), 0u);
  EXPECT_NE(md.find("kernel `6.1.0-18-amd64`"), std::string::npos) << md;
  EXPECT_NE(md.find("wall time 62.0 s"), std::string::npos) << md;
  EXPECT_NE(md.find("| target | cases | pass | fail | diverge | xfail | xpass | skip | error | flaky | doc-divergent |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| kernel (6.1.0-18-amd64) | 4 | 1 | 0 | 0 | 0 | 1 | 2 | 0 | 0 | 0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| stack | 5 | 1 | 1 | 1 | 0 | 0 | 1 | 1 | 0 | 0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("**4 unexpected results**"), std::string::npos) << md;
}

TEST(Summary, UnexpectedResultsFailuresFirst) {
  std::string md = summary_of(mixed());
  auto error = md.find("- **error** `t.a.error` on `stack`: stackd crashed");
  auto fail = md.find("- **fail** `t.a.fail` on `stack`: step 2 (`setsockopt(s, IPPROTO_IP, IP_TTL, int 0, 4)`) "
                      "`errno`: expected `EINVAL`, got `null`");
  auto diverge = md.find("- **diverge** `t.a.diverge` on `stack`: step 2");
  auto xpass = md.find("- **xpass** `t.a.xpass` on `kernel`");
  ASSERT_NE(error, std::string::npos) << md;
  ASSERT_NE(fail, std::string::npos) << md;
  ASSERT_NE(diverge, std::string::npos) << md;
  ASSERT_NE(xpass, std::string::npos) << md;
  EXPECT_LT(error, fail);
  EXPECT_LT(fail, diverge);
  EXPECT_LT(diverge, xpass);
  EXPECT_NE(md.find("`errno`: kernel `EINVAL`, stack `ENOPROTOOPT`"), std::string::npos) << md;
  EXPECT_EQ(md.find("t.a.pass` on"), std::string::npos);
}

TEST(Summary, ListsAtMostFiftyUnexpected) {
  ReportInput in{run_json(), {}, {}};
  for (int i = 0; i < 60; ++i) in.results.push_back(record("f." + std::to_string(100 + i), "kernel", "fail"));
  in.results.push_back(record("zz.error", "kernel", "error"));
  std::string md = summary_of(in);
  EXPECT_NE(md.find("Showing the first 50 of 61."), std::string::npos) << md;
  EXPECT_EQ(count(md, "\n- **fail**"), 49u);
  EXPECT_EQ(count(md, "\n- **error** `zz.error`"), 1u);  // errors come first even when they sort last by id
}

TEST(Summary, FlakyInstanceShowsWorstAndSaysSo) {
  ReportInput in{run_json(), {record("f.x", "kernel", "pass"), record("f.x", "kernel", "fail"),
                              record("f.x", "kernel", "pass")},
                 {}};
  std::string md = summary_of(in);
  EXPECT_NE(md.find("- **fail** `f.x` on `kernel` (flaky: fail x1, pass x2)"), std::string::npos) << md;
  EXPECT_NE(md.find("| 1 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 1 | 0 |"), std::string::npos) << md;
}

TEST(Summary, DocumentationDivergencesOnKernelOnly) {
  ReportInput in{run_json(), {}, {}};
  for (const char* id : {"doc.ttl.get[type=SOCK_DGRAM]", "doc.ttl.get[type=SOCK_RAW]"}) {
    auto r = record(id, "kernel", "pass");
    r["doc"] = "divergent";
    r["claims"] = json::array({"opt.IP_TTL.default", "opt.IP_TTL"});
    r["doc_failures"] = json::array({failure(1, "value", 64, 1)});
    in.results.push_back(r);
  }
  auto stack_only = record("doc.other", "stack", "pass");
  stack_only["doc"] = "divergent";
  in.results.push_back(stack_only);
  std::string md = summary_of(in);
  auto section = md.substr(md.find("## Documentation divergences"));
  EXPECT_NE(section.find("1 base case where the kernel differs"), std::string::npos) << section;
  EXPECT_NE(section.find("- `doc.ttl.get` (claims `opt.IP_TTL`, `opt.IP_TTL.default`; 2 instances): step 2 "
                         "(`setsockopt(s, IPPROTO_IP, IP_TTL, int 0, 4)`) `value`: ip(7) says `64`, got `1`"),
            std::string::npos)
      << section;
  EXPECT_EQ(section.find("doc.other"), std::string::npos);
}

TEST(Summary, SkipsByReason) {
  std::string md = summary_of(mixed());
  auto section = md.substr(md.find("## Skips by reason"));
  EXPECT_NE(section.find("| reason | kernel | stack |"), std::string::npos) << section;
  auto cap = section.find("| needs CAP\\_NET\\_RAW | 2 | 0 |");
  auto ver = section.find("| kernel \\>= 6.2 | 0 | 1 |");
  ASSERT_NE(cap, std::string::npos) << section;
  ASSERT_NE(ver, std::string::npos) << section;
  EXPECT_LT(cap, ver);  // most frequent first
}

TEST(Summary, EscapesMarkdown) {
  auto r = record("x`y|z", "kernel", "error");
  r["reason"] = "<img src=x> *boom*";
  std::string md = summary_of(ReportInput{run_json(), {r}, {}});
  EXPECT_NE(md.find("``x`y|z``"), std::string::npos) << md;
  EXPECT_NE(md.find("\\<img src=x\\> \\*boom\\*"), std::string::npos) << md;
}

TEST(Summary, Deterministic) {
  auto in = mixed();
  std::string a = summary_of(in);
  std::reverse(in.results.begin(), in.results.end());
  EXPECT_EQ(a, summary_of(in));
}

}  // namespace
}  // namespace ipc::reports::testing
