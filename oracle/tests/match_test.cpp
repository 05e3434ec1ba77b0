#include "oracle/match.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

const json kOk = {{"ret", 0}, {"errno", nullptr}};
const json kEinval = {{"ret", -1}, {"errno", "EINVAL"}};

std::vector<Mismatch> m(const json& expect, const json& obs) { return match_step(3, expect, obs); }

// ---- literals --------------------------------------------------------------------

TEST(Match, LiteralsEqualAndDiffer) {
  EXPECT_TRUE(m({{"errno", "EINVAL"}}, kEinval).empty());
  EXPECT_TRUE(m({{"ret", -1}, {"errno", "EINVAL"}}, kEinval).empty());

  auto r = m({{"errno", "EPERM"}}, kEinval);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].step, 3);
  EXPECT_EQ(r[0].field, "errno");
  EXPECT_EQ(r[0].expected, "EPERM");
  EXPECT_EQ(r[0].got, "EINVAL");
  EXPECT_EQ(r[0].to_json(), (json{{"step", 3}, {"field", "errno"}, {"expected", "EPERM"}, {"got", "EINVAL"}}));
}

TEST(Match, EveryDifferingFieldIsReported) {
  auto r = m({{"ret", 0}, {"errno", "EPERM"}}, kEinval);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].field, "errno");
  EXPECT_EQ(r[1].field, "ret");
}

TEST(Match, TypesMustAgree) {
  EXPECT_EQ(m({{"value", "64"}}, {{"value", 64}}).size(), 1u);
  EXPECT_EQ(m({{"value", 1}}, {{"value", true}}).size(), 1u);
  EXPECT_EQ(m({{"value", true}}, {{"value", true}}).size(), 0u);
}

TEST(Match, IntAndUnsignedCompareByValue) {
  json obs = {{"value", 64u}, {"optlen", 4u}};
  ASSERT_TRUE(obs["value"].is_number_unsigned());
  EXPECT_TRUE(m({{"value", 64}, {"optlen", 4}}, obs).empty());
  EXPECT_EQ(m({{"value", 65}}, obs).size(), 1u);
  // A negative expectation does not equal a large unsigned value.
  EXPECT_EQ(m({{"value", -1}}, {{"value", 4294967295u}}).size(), 1u);
  EXPECT_TRUE(m({{"value", 4294967295u}}, {{"value", 4294967295}}).empty());
}

TEST(Match, MissingFieldIsAMismatchWithNullGot) {
  auto r = m({{"value", 64}}, kOk);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].field, "value");
  EXPECT_TRUE(r[0].got.is_null());
}

// ---- tables and arrays -------------------------------------------------------------

TEST(Match, TablesMatchAsSubsetsRecursively) {
  json obs = {{"ret", 0}, {"errno", nullptr},
              {"addr", {{"family", 2}, {"addr", "192.0.2.1"}, {"port", 5000}}}};
  EXPECT_TRUE(m({{"addr", {{"port", 5000}}}}, obs).empty());
  EXPECT_TRUE(m({{"addr", {{"addr", "192.0.2.1"}, {"family", 2}}}}, obs).empty());

  auto r = m({{"addr", {{"addr", "192.0.2.2"}, {"port", 5000}}}}, obs);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].field, "addr.addr");
  EXPECT_EQ(r[0].expected, "192.0.2.2");
  EXPECT_EQ(r[0].got, "192.0.2.1");

  json nested = {{"value", {{"group", {{"family", 2}, {"addr", "232.1.1.1"}}}, {"numsrc", 0}}}};
  auto d = m({{"value", {{"group", {{"addr", "232.1.1.2"}}}}}}, nested);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].field, "value.group.addr");

  auto missing = m({{"addr", {{"scope", 1}}}}, obs);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].field, "addr.scope");
  EXPECT_TRUE(missing[0].got.is_null());
}

TEST(Match, TableAgainstNonTableIsOneMismatch) {
  auto r = m({{"addr", {{"port", 1}}}}, {{"addr", nullptr}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].field, "addr");
}

TEST(Match, ArraysMatchElementByElement) {
  json obs = {{"value", {{"slist", {"192.0.2.1", "192.0.2.2"}}}}};
  EXPECT_TRUE(m({{"value", {{"slist", {"192.0.2.1", "192.0.2.2"}}}}}, obs).empty());

  auto order = m({{"value", {{"slist", {"192.0.2.2", "192.0.2.1"}}}}}, obs);
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0].field, "value.slist[0]");
  EXPECT_EQ(order[1].field, "value.slist[1]");

  auto shorter = m({{"value", {{"slist", {"192.0.2.1"}}}}}, obs);
  ASSERT_EQ(shorter.size(), 1u);
  EXPECT_EQ(shorter[0].field, "value.slist");
}

// ---- matchers ------------------------------------------------------------------------

TEST(Matchers, IsMatcher) {
  EXPECT_TRUE(is_matcher({{"any", true}}));
  EXPECT_TRUE(is_matcher({{"min", 1}, {"max", 2}}));
  EXPECT_TRUE(is_matcher({{"one_of", {1, 2}}}));
  EXPECT_TRUE(is_matcher({{"not", 0}}));
  EXPECT_FALSE(is_matcher({{"min", 1}, {"port", 2}}));
  EXPECT_FALSE(is_matcher(json::object()));
  EXPECT_FALSE(is_matcher(5));
}

TEST(Matchers, Any) {
  EXPECT_TRUE(m({{"value", {{"any", true}}}}, {{"value", 7}}).empty());
  EXPECT_TRUE(m({{"value", {{"any", true}}}}, kOk).empty());  // even absent
  EXPECT_TRUE(m({{"any", true}}, kEinval).empty());           // top-level: anything goes
}

TEST(Matchers, MinMax) {
  json range = {{"min", 32768}, {"max", 60999}};
  EXPECT_TRUE(m({{"ret", range}}, {{"ret", 32768}}).empty());
  EXPECT_TRUE(m({{"ret", range}}, {{"ret", 60999}}).empty());
  EXPECT_EQ(m({{"ret", range}}, {{"ret", 32767}}).size(), 1u);
  EXPECT_EQ(m({{"ret", range}}, {{"ret", 61000}}).size(), 1u);
  EXPECT_TRUE(m({{"value", {{"min", 1}}}}, {{"value", 1000000}}).empty());
  EXPECT_EQ(m({{"value", {{"max", 0}}}}, {{"value", 1}}).size(), 1u);
  // Bounds apply to numbers only.
  EXPECT_EQ(m({{"value", {{"min", 0}}}}, {{"value", "5"}}).size(), 1u);
  EXPECT_EQ(m({{"value", {{"min", 0}}}}, kOk).size(), 1u);

  auto r = m({{"addr", {{"port", range}}}}, {{"addr", {{"port", 80}}}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].field, "addr.port");
  EXPECT_EQ(r[0].expected, range);  // the matcher as written
  EXPECT_EQ(r[0].got, 80);
}

TEST(Matchers, OneOf) {
  json alt = {{"one_of", {"EINVAL", "ENOPROTOOPT"}}};
  EXPECT_TRUE(m({{"errno", alt}}, kEinval).empty());
  EXPECT_TRUE(m({{"errno", alt}}, {{"errno", "ENOPROTOOPT"}}).empty());
  EXPECT_EQ(m({{"errno", alt}}, {{"errno", "EPERM"}}).size(), 1u);
  // Alternatives may be tables, matched as subsets.
  json tables = {{"one_of", {json{{"port", 1}}, json{{"port", 2}}}}};
  EXPECT_TRUE(m({{"addr", tables}}, {{"addr", {{"port", 2}, {"family", 2}}}}).empty());
  EXPECT_EQ(m({{"addr", tables}}, {{"addr", {{"port", 3}}}}).size(), 1u);
}

TEST(Matchers, Not) {
  EXPECT_TRUE(m({{"value", {{"not", 0}}}}, {{"value", 1}}).empty());
  EXPECT_EQ(m({{"value", {{"not", 0}}}}, {{"value", 0}}).size(), 1u);
  EXPECT_EQ(m({{"value", {{"not", 0}}}}, {{"value", 0u}}).size(), 1u);
  EXPECT_TRUE(m({{"errno", {{"not", "EINVAL"}}}}, {{"errno", "EPERM"}}).empty());
}

TEST(Matchers, Combined) {
  json both = {{"min", 1}, {"max", 10}, {"not", 5}};
  EXPECT_TRUE(m({{"value", both}}, {{"value", 4}}).empty());
  EXPECT_EQ(m({{"value", both}}, {{"value", 5}}).size(), 1u);
  EXPECT_EQ(m({{"value", both}}, {{"value", 11}}).size(), 1u);
}

// ---- ok ------------------------------------------------------------------------------

TEST(Ok, TrueMeansNoErrno) {
  EXPECT_TRUE(m({{"ok", true}}, kOk).empty());
  auto r = m({{"ok", true}}, kEinval);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].field, "ok");
  EXPECT_EQ(r[0].expected, true);
  EXPECT_EQ(r[0].got, "EINVAL");  // what happened instead
}

TEST(Ok, FalseMeansAnErrno) {
  EXPECT_TRUE(m({{"ok", false}}, kEinval).empty());
  auto r = m({{"ok", false}}, kOk);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].field, "ok");
  EXPECT_EQ(r[0].got, true);
}

TEST(Ok, ImplicitExpectationIsSuccess) {
  EXPECT_EQ(implicit_expectation(), (json{{"ok", true}}));
  EXPECT_TRUE(m(implicit_expectation(), {{"ret", 5}, {"errno", nullptr}}).empty());
  EXPECT_EQ(m(implicit_expectation(), kEinval).size(), 1u);
}

TEST(Ok, CombinedWithOtherFields) {
  EXPECT_TRUE(m({{"ok", true}, {"value", 64}}, {{"ret", 0}, {"errno", nullptr}, {"value", 64}}).empty());
  EXPECT_EQ(m({{"ok", true}, {"value", 64}}, {{"ret", 0}, {"errno", nullptr}, {"value", 1}}).size(), 1u);
}

// ---- check_expectation ------------------------------------------------------------------

TEST(CheckExpectation, AcceptsKnownKeys) {
  EXPECT_NO_THROW(check_expectation({{"ok", false}, {"errno", "EINVAL"}, {"ret", -1}}));
  EXPECT_NO_THROW(check_expectation({{"value", {{"min", 1}}}, {"optlen", 4}, {"addr", {{"port", 1}}},
                                     {"addrlen", 16}, {"data", "00"}, {"any", true}}));
  EXPECT_NO_THROW(check_expectation({{"errno", {{"one_of", {"EINVAL", "EPERM"}}}}}));
}

TEST(CheckExpectation, RejectsUnknownKeysAndBadTypes) {
  try {
    check_expectation({{"erno", "EINVAL"}});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'erno'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(check_expectation({{"ok", 1}}), std::invalid_argument);
  EXPECT_THROW(check_expectation({{"ok", "yes"}}), std::invalid_argument);
  EXPECT_THROW(check_expectation({{"errno", 22}}), std::invalid_argument);
  EXPECT_THROW(check_expectation("EINVAL"), std::invalid_argument);
  EXPECT_THROW(check_expectation(json::array()), std::invalid_argument);
}

TEST(CheckExpectation, RejectsMalformedMatchers) {
  // The header promises matcher tables are validated: a non-numeric bound would
  // otherwise only blow up (json::type_error) when the step is matched.
  EXPECT_THROW(check_expectation({{"value", {{"min", "one"}}}}), std::invalid_argument);
  EXPECT_THROW(check_expectation({{"ret", {{"max", "ten"}}}}), std::invalid_argument);
}

// ---- diff_observations -------------------------------------------------------------------

TEST(Diff, IdenticalObservationsHaveNoDiff) {
  std::vector<json> k = {kOk, {{"ret", 0}, {"errno", nullptr}, {"value", 64}}};
  EXPECT_TRUE(diff_observations(k, k, {}).empty());
}

TEST(Diff, FieldsThatDifferAreListedWithBothValues) {
  std::vector<json> k = {kOk, {{"ret", 0}, {"errno", nullptr}, {"value", 64}}};
  std::vector<json> t = {kOk, {{"ret", 0}, {"errno", nullptr}, {"value", 1}}};
  auto d = diff_observations(k, t, {});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].step, 1);
  EXPECT_EQ(d[0].field, "value");
  EXPECT_EQ(d[0].kernel, 64);
  EXPECT_EQ(d[0].target, 1);
  EXPECT_EQ(d[0].to_json(), (json{{"step", 1}, {"field", "value"}, {"kernel", 64}, {"target", 1}}));
}

TEST(Diff, NumbersCompareByValueAndFieldsOnOneSideOnly) {
  std::vector<json> k = {{{"ret", 0}, {"errno", nullptr}, {"optlen", 4}}};
  std::vector<json> t = {{{"ret", 0}, {"errno", nullptr}, {"optlen", 4u}, {"value", 2}}};
  auto d = diff_observations(k, t, {});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].field, "value");
  EXPECT_TRUE(d[0].kernel.is_null());
  EXPECT_EQ(d[0].target, 2);
}

TEST(Diff, NestedPathsAreDotted) {
  std::vector<json> k = {{{"addr", {{"addr", "192.0.2.1"}, {"port", 40000}}}}};
  std::vector<json> t = {{{"addr", {{"addr", "192.0.2.9"}, {"port", 50000}}}}};
  auto d = diff_observations(k, t, {});
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].field, "addr.addr");
  EXPECT_EQ(d[1].field, "addr.port");
}

TEST(Diff, VolatileFieldIsSkipped) {
  std::vector<json> k = {kOk, {{"addr", {{"addr", "192.0.2.1"}, {"port", 40000}}}}};
  std::vector<json> t = {kOk, {{"addr", {{"addr", "192.0.2.1"}, {"port", 50000}}}}};
  EXPECT_EQ(diff_observations(k, t, {}).size(), 1u);
  EXPECT_TRUE(diff_observations(k, t, {{}, {"addr.port"}}).empty());
  // Volatile lists are per step: "addr.port" on step 0 does not cover step 1.
  EXPECT_EQ(diff_observations(k, t, {{"addr.port"}, {}}).size(), 1u);
}

TEST(Diff, VolatilePrefixCoversSubfieldsOnly) {
  std::vector<json> k = {{{"addr", {{"addr", "192.0.2.1"}, {"port", 1}}}, {"addrlen", 16}}};
  std::vector<json> t = {{{"addr", {{"addr", "192.0.2.2"}, {"port", 2}}}, {"addrlen", 8}}};
  auto d = diff_observations(k, t, {{"addr"}});
  ASSERT_EQ(d.size(), 1u);  // "addr" covers addr.addr and addr.port, not "addrlen"
  EXPECT_EQ(d[0].field, "addrlen");
  auto p = diff_observations(k, t, {{"addr.port"}});
  ASSERT_EQ(p.size(), 2u);  // "addr.port" does not cover addr.addr
  EXPECT_EQ(p[0].field, "addr.addr");
  EXPECT_EQ(p[1].field, "addrlen");
}

TEST(Diff, DifferentStepCountsDiffTheMissingSteps) {
  std::vector<json> k = {kOk, kOk, kEinval};
  std::vector<json> t = {kOk};
  auto d = diff_observations(k, t, {});
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].step, 1);
  EXPECT_EQ(d[0].kernel, kOk);
  EXPECT_TRUE(d[0].target.is_null());
  EXPECT_EQ(d[1].step, 2);
  EXPECT_EQ(d[1].kernel, kEinval);
  // And the other way round.
  auto r = diff_observations(t, k, {});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(r[0].kernel.is_null());
  EXPECT_EQ(r[0].target, kOk);
}

}  // namespace
}  // namespace ipc::oracle
