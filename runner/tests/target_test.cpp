#include "runner/target.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace ipc::runner {
namespace {

TEST(ParseTargetCmd, NameAndWords) {
  auto t = parse_target_cmd("stack=/usr/lib/ipconform/stackd --mtu 1500");
  EXPECT_EQ(t.name, "stack");
  EXPECT_EQ(t.argv, (std::vector<std::string>{"/usr/lib/ipconform/stackd", "--mtu", "1500"}));
}

TEST(ParseTargetCmd, CommandWithoutArgumentsAndExtraSpaces) {
  auto t = parse_target_cmd("x=adapter");
  EXPECT_EQ(t.name, "x");
  EXPECT_EQ(t.argv, (std::vector<std::string>{"adapter"}));
  auto s = parse_target_cmd("y=  adapter   -v  ");
  EXPECT_EQ(s.argv, (std::vector<std::string>{"adapter", "-v"}));
}

TEST(ParseTargetCmd, OnlyTheFirstEqualsSeparatesTheName) {
  auto t = parse_target_cmd("z=/bin/adapter --opt=1");
  EXPECT_EQ(t.name, "z");
  EXPECT_EQ(t.argv, (std::vector<std::string>{"/bin/adapter", "--opt=1"}));
}

TEST(ParseTargetCmd, MalformedSpecsAreRejected) {
  EXPECT_THROW(parse_target_cmd("stack"), std::invalid_argument);
  EXPECT_THROW(parse_target_cmd("=/bin/adapter"), std::invalid_argument);
  EXPECT_THROW(parse_target_cmd("stack="), std::invalid_argument);
  EXPECT_THROW(parse_target_cmd(""), std::invalid_argument);
}

TEST(ParseTargetCmd, BlankCommandIsRejected) {
  // Nothing to start: the spec is as empty as "stack=".
  EXPECT_THROW(parse_target_cmd("stack=   "), std::invalid_argument);
}

TEST(VersionAtLeast, ComparesNumericComponents) {
  EXPECT_TRUE(version_at_least("6.18.44-fc", "6.3"));
  EXPECT_FALSE(version_at_least("5.4", "5.10"));
  EXPECT_TRUE(version_at_least("5.10", "5.4"));
  EXPECT_TRUE(version_at_least("6.1.0-18-amd64", "5.10"));
  EXPECT_FALSE(version_at_least("4.19.0", "5"));
}

TEST(VersionAtLeast, EqualVersions) {
  EXPECT_TRUE(version_at_least("5.10", "5.10"));
  EXPECT_TRUE(version_at_least("5.10.0", "5.10"));  // missing components are 0
  EXPECT_TRUE(version_at_least("5.10", "5.10.0"));
  EXPECT_FALSE(version_at_least("5.10", "5.10.1"));
  EXPECT_TRUE(version_at_least("6.1.0-18-amd64", "6.1.0"));
}

TEST(VersionAtLeast, SuffixesStopTheComparison) {
  EXPECT_TRUE(version_at_least("6.8.0-rc3", "6.8"));
  EXPECT_FALSE(version_at_least("6.7-rc1", "6.8"));
  EXPECT_TRUE(version_at_least("6.8+", "6.8"));
}

TEST(TargetInfo, FeaturesAndJson) {
  TargetInfo i{"kernel", "Linux", "6.1.0", {"caps", "sysctl"}};
  EXPECT_TRUE(i.has("sysctl"));
  EXPECT_FALSE(i.has("sctp"));
  EXPECT_EQ(i.to_json(), (nlohmann::json{{"name", "kernel"},
                                          {"implementation", "Linux"},
                                          {"release", "6.1.0"},
                                          {"features", {"caps", "sysctl"}}}));
}

}  // namespace
}  // namespace ipc::runner
