#include "stack/stackd/config_args.hpp"

#include <gtest/gtest.h>

namespace ipc::stack::stackd {
namespace {

core::StackConfig parse(std::vector<std::string> argv) {
  CLI::App app;
  ConfigArgs args;
  args.add_to(app);
  argv.insert(argv.begin(), "ipconform-stackd");
  std::vector<const char*> c;
  for (auto& a : argv) c.push_back(a.c_str());
  app.parse(static_cast<int>(c.size()), c.data());
  return args.to_config();
}

TEST(ConfigArgs, TakesTheTopologyTheRunnerPasses) {
  const auto c = parse({"--tap", "tap0", "--ifname", "dut0", "--ifindex", "7", "--mac", "02:00:00:00:01:01",
                        "--mtu", "1500", "--address", "192.0.2.1/24", "--route", "198.51.100.0/24=192.0.2.254",
                        "--route", "224.0.0.0/4", "--neighbour", "192.0.2.2=02:00:00:00:02:02"});
  EXPECT_EQ(c.ifindex, 7);
  EXPECT_EQ(c.address, wire::Ipv4Address(192, 0, 2, 1));
  EXPECT_EQ(c.prefix_len, 24);
  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].gateway, wire::Ipv4Address(192, 0, 2, 254));
  EXPECT_FALSE(c.routes[1].gateway);
  EXPECT_EQ(c.routes[1].prefix_len, 4);
  ASSERT_EQ(c.neighbours.size(), 1u);
  EXPECT_EQ(c.neighbours[0].mac, *wire::MacAddress::parse("02:00:00:00:02:02"));
}

TEST(ConfigArgs, RejectsWhatItCannotUse) {
  const std::vector<std::string> base{"--tap", "tap0", "--mac", "02:00:00:00:01:01"};
  auto with = [&](std::vector<std::string> more) {
    auto v = base;
    v.insert(v.end(), more.begin(), more.end());
    return v;
  };
  EXPECT_THROW(parse(with({"--address", "192.0.2.1"})), std::invalid_argument);
  EXPECT_THROW(parse(with({"--address", "192.0.2.1/33"})), std::invalid_argument);
  EXPECT_THROW(parse(with({"--address", "192.0.2.1/24", "--ifindex", "1"})), std::invalid_argument);
  EXPECT_THROW(parse(with({"--address", "192.0.2.1/24", "--neighbour", "192.0.2.2"})), std::invalid_argument);
  EXPECT_THROW(parse({"--tap", "tap0", "--mac", "nonsense", "--address", "192.0.2.1/24"}), std::invalid_argument);
  EXPECT_THROW(parse({"--mac", "02:00:00:00:01:01", "--address", "192.0.2.1/24"}), CLI::RequiredError);
}

}  // namespace
}  // namespace ipc::stack::stackd
