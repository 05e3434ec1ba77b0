#include "oracle/normalise.hpp"

#include <gtest/gtest.h>

#include "oracle/match.hpp"

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

json packet(long id, long sport, int chksum) {
  return {{"packet",
           {{"IP", {{"id", id}, {"chksum", chksum}, {"chksum_ok", true}, {"ttl", 64}}},
            {"UDP", {{"sport", sport}, {"dport", 9}, {"chksum", chksum + 1}}},
            {"time", 0.001 * chksum},
            {"csum_partial", true},
            {"summary", "x"}}}};
}

TEST(Normalise, EphemeralPortsAndIdsAreRenamedInOrderOfAppearance) {
  const std::vector<json> kernel = {{{"addr", {{"family", 2}, {"addr", "192.0.2.1"}, {"port", 40001}}}},
                                    packet(777, 40001, 5)};
  const std::vector<json> stack = {{{"addr", {{"family", 2}, {"addr", "192.0.2.1"}, {"port", 55555}}}},
                                   packet(3, 55555, 9)};
  EXPECT_TRUE(diff_observations(kernel, stack, {}).empty());
  const auto n = normalise_for_diff(kernel);
  EXPECT_EQ(n[0]["addr"]["port"], "port#1");
  EXPECT_EQ(n[1]["packet"]["UDP"]["sport"], "port#1");
  EXPECT_EQ(n[1]["packet"]["IP"]["id"], "id#1");
  EXPECT_FALSE(n[1]["packet"]["IP"].contains("chksum"));
  EXPECT_TRUE(n[1]["packet"]["IP"]["chksum_ok"]);
  EXPECT_FALSE(n[1]["packet"].contains("time"));
}

TEST(Normalise, ARelationBetweenValuesStillCounts) {
  // The kernel reuses one port; the target takes a new one for the second
  // socket: that is a real difference.
  const std::vector<json> kernel = {packet(1, 40001, 1), packet(1, 40001, 1)};
  const std::vector<json> stack = {packet(5, 50001, 1), packet(6, 50002, 1)};
  const auto d = diff_observations(kernel, stack, {});
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].field, "packet.IP.id");
  EXPECT_EQ(d[1].field, "packet.UDP.sport");
}

TEST(Normalise, ZeroIdsAndTheCasesOwnPortsCompareLiterally) {
  const std::vector<json> kernel = {packet(0, 5000, 1)};
  const std::vector<json> stack = {packet(12, 5001, 1)};
  const auto d = diff_observations(kernel, stack, {});
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].kernel, 0);
  EXPECT_EQ(d[1].kernel, 5000);
  EXPECT_EQ(d[1].target, 5001);
}

}  // namespace
}  // namespace ipc::oracle
