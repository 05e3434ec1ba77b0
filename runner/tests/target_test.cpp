#include "runner/target.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
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

TEST(ParseTargetCmd, AdaptersGetATapAndTheirFactsInTheEnvironment) {
  auto t = parse_target_cmd("x=/bin/adapter");
  EXPECT_EQ(t.dut, netns::DutMode::tap);
  EXPECT_EQ(t.facts, FactsVia::environment);
}

TEST(TargetDut, ChoosesKernelOrTapForAnAdapter) {
  std::vector<TargetSpec> ts{parse_target_cmd("x=/bin/adapter"), parse_target_cmd("y=/bin/other")};
  apply_target_dut("x=kernel", ts);
  EXPECT_EQ(ts[0].dut, netns::DutMode::kernel);
  EXPECT_EQ(ts[1].dut, netns::DutMode::tap);
  apply_target_dut("x=tap", ts);
  EXPECT_EQ(ts[0].dut, netns::DutMode::tap);
  EXPECT_THROW(apply_target_dut("x=bridge", ts), std::invalid_argument);
  EXPECT_THROW(apply_target_dut("x", ts), std::invalid_argument);
  EXPECT_THROW(apply_target_dut("z=kernel", ts), std::invalid_argument);  // not a target of the run
  ts.push_back({"stack", {"/x"}, netns::DutMode::tap, FactsVia::arguments});
  EXPECT_THROW(apply_target_dut("stack=kernel", ts), std::invalid_argument);  // built in: fixed
}

netns::TopologyFacts facts_with_ifindex(int ifindex) {
  netns::TopologyFacts f;
  f.dut_ifindex = ifindex;
  return f;
}

TEST(LaunchArgv, StackdIsToldTheFactsAsArguments) {
  TargetSpec stack{"stack", {"/libexec/ipconform-stackd"}, netns::DutMode::tap, FactsVia::arguments};
  const auto f = facts_with_ifindex(2);
  EXPECT_EQ(launch_argv(stack, f, {.static_neighbours = true, .dut = netns::DutMode::tap}),
            (std::vector<std::string>{"/libexec/ipconform-stackd", "--tap", "tap0", "--ifname", "dut0", "--ifindex",
                                      "2", "--mac", "02:00:00:00:01:01", "--mtu", "1500", "--address",
                                      "192.0.2.1/24", "--route", "198.51.100.0/24=192.0.2.254", "--route",
                                      "224.0.0.0/4", "--neighbour", "192.0.2.2=02:00:00:00:02:02", "--neighbour",
                                      "192.0.2.254=02:00:00:00:02:02"}));
  // dynamic-arp: no neighbours.
  EXPECT_EQ(launch_argv(stack, f, {.static_neighbours = false, .dut = netns::DutMode::tap}),
            (std::vector<std::string>{"/libexec/ipconform-stackd", "--tap", "tap0", "--ifname", "dut0", "--ifindex",
                                      "2", "--mac", "02:00:00:00:01:01", "--mtu", "1500", "--address",
                                      "192.0.2.1/24", "--route", "198.51.100.0/24=192.0.2.254", "--route",
                                      "224.0.0.0/4"}));
}

TEST(LaunchArgv, AdaptersAreToldTheFactsInTheirEnvironment) {
  auto t = parse_target_cmd("mystack=/opt/adapter --verbose");
  const auto f = facts_with_ifindex(7);
  EXPECT_EQ(launch_argv(t, f, {.static_neighbours = true, .dut = netns::DutMode::tap}),
            (std::vector<std::string>{"/usr/bin/env", "IPCONFORM_TARGET=mystack", "IPCONFORM_TAP=tap0",
                                      "IPCONFORM_IFNAME=dut0", "IPCONFORM_IFINDEX=7",
                                      "IPCONFORM_MAC=02:00:00:00:01:01", "IPCONFORM_MTU=1500",
                                      "IPCONFORM_ADDRESS=192.0.2.1/24",
                                      "IPCONFORM_ROUTES=198.51.100.0/24=192.0.2.254 224.0.0.0/4",
                                      "IPCONFORM_NEIGHBOURS=192.0.2.2=02:00:00:00:02:02 192.0.2.254=02:00:00:00:02:02",
                                      "/opt/adapter", "--verbose"}));
  // In the kernel's DUT, as the kernel probe: nothing to tell.
  EXPECT_EQ(launch_argv(t, f, {.static_neighbours = true, .dut = netns::DutMode::kernel}),
            (std::vector<std::string>{"/opt/adapter", "--verbose"}));
}

TEST(ResolveTargets, StackIsBuiltInAndFoundThroughIpconformStackd) {
  ::setenv("IPCONFORM_STACKD", FAKE_TARGET, 1);
  auto ts = resolve_targets({"stack"}, {}, {});
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].name, "stack");
  EXPECT_EQ(ts[0].argv, std::vector<std::string>{FAKE_TARGET});
  EXPECT_EQ(ts[0].dut, netns::DutMode::tap);
  EXPECT_EQ(ts[0].facts, FactsVia::arguments);
  ::setenv("IPCONFORM_STACKD", "/nonexistent/ipconform-stackd", 1);
  try {
    resolve_targets({"stack"}, {}, {});
    ADD_FAILURE() << "a missing stackd must be an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ipconform-stackd"), std::string::npos) << e.what();
  }
  ::unsetenv("IPCONFORM_STACKD");
}

TEST(ResolveTargets, AdaptersByName) {
  const std::string cmd = std::string("a=") + FAKE_TARGET + " --features tcp";
  auto ts = resolve_targets({"a"}, {cmd}, {});
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].argv, (std::vector<std::string>{FAKE_TARGET, "--features", "tcp"}));
  EXPECT_EQ(resolve_targets({"a"}, {cmd}, {"a=kernel"})[0].dut, netns::DutMode::kernel);
  EXPECT_THROW(resolve_targets({"b"}, {cmd}, {}), std::invalid_argument);          // unknown
  EXPECT_THROW(resolve_targets({"a", "a"}, {cmd}, {}), std::invalid_argument);     // twice
  EXPECT_THROW(resolve_targets({"a"}, {"a=adapter"}, {}), std::invalid_argument);  // not a path
  EXPECT_THROW(resolve_targets({"a"}, {"a=/nonexistent/adapter"}, {}), std::invalid_argument);
  EXPECT_THROW(resolve_targets({"a"}, {cmd, std::string("stack=") + FAKE_TARGET}, {}),
               std::invalid_argument);  // a built-in name
}

}  // namespace
}  // namespace ipc::runner
