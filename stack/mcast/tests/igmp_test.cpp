// IGMP host behaviour of one interface (net/ipv4/igmp.c), on a clock the
// test drives; deterministic timers (random 0).
#include <gtest/gtest.h>

#include <chrono>

#include "stack/mcast/igmp_interface.hpp"

namespace ipc::stack::mcast {
namespace {

using wire::Ipv4Address;
using namespace std::chrono_literals;
namespace rec = wire::igmp::record;

const Ipv4Address kDut{192, 0, 2, 1};
const Ipv4Address kGroup{239, 1, 1, 1};

wire::IgmpRepr parse(const IgmpOutput& o) {
  auto p = wire::IgmpPacket::check(o.payload);
  EXPECT_TRUE(p.has_value());
  auto r = wire::IgmpRepr::parse(*p);
  EXPECT_TRUE(r.has_value());
  return *r;
}

std::vector<IgmpOutput> run_until(IgmpInterface& i, Clock::time_point end) {
  std::vector<IgmpOutput> out;
  while (auto d = i.next_deadline()) {
    if (*d > end) break;
    i.on_timer(*d);
  }
  for (auto& o : i.take_output()) out.push_back(std::move(o));
  return out;
}

TEST(Igmp, AllHostsIsNeverReported) {
  IgmpInterface i(2, kDut, {});
  const Clock::time_point t0{};
  i.up(t0);
  EXPECT_TRUE(run_until(i, t0 + 10s).empty());
  EXPECT_TRUE(i.check_mc_rcv(Ipv4Address(224, 0, 0, 1), kDut, false));
}

TEST(Igmp, V3JoinSendsToExcludeQrvTimesAndLeaveToInclude) {
  IgmpInterface i(2, kDut, {});
  const Clock::time_point t0{};
  i.up(t0);
  i.inc_group(kGroup, 0, t0);
  auto out = run_until(i, t0 + 10s);
  ASSERT_EQ(out.size(), 2u);  // igmp_qrv = 2
  for (const auto& o : out) {
    EXPECT_EQ(o.dst, Ipv4Address(224, 0, 0, 22));
    EXPECT_EQ(o.src, kDut);
    EXPECT_EQ(o.ttl, 1);
    auto r = std::get<wire::IgmpV3Report>(parse(o).message);
    ASSERT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.records[0].type, rec::kChangeToExclude);
    EXPECT_EQ(r.records[0].group, kGroup);
    EXPECT_TRUE(r.records[0].sources.empty());
  }
  i.dec_group(kGroup, t0 + 20s);
  out = run_until(i, t0 + 30s);
  ASSERT_EQ(out.size(), 2u);
  auto r = std::get<wire::IgmpV3Report>(parse(out[0]).message);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].type, rec::kChangeToInclude);
  EXPECT_FALSE(i.check_mc_rcv(kGroup, kDut, false));
}

TEST(Igmp, SourceJoinAllowsThenBlocksOnLeave) {
  IgmpInterface i(2, kDut, {});
  const Clock::time_point t0{};
  const Ipv4Address src{192, 0, 2, 2};
  i.inc_group(kGroup, 1, t0);  // ip_mc_join_group_ssm, INCLUDE {}
  const Ipv4Address one[] = {src};
  i.add_src(kGroup, 1, one, true, t0);
  auto out = run_until(i, t0 + 10s);
  ASSERT_EQ(out.size(), 2u);
  auto r = std::get<wire::IgmpV3Report>(parse(out[0]).message);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].type, rec::kAllowNewSources);
  EXPECT_EQ(r.records[0].sources, std::vector<Ipv4Address>{src});
  EXPECT_TRUE(i.check_mc_rcv(kGroup, src, false));
  EXPECT_FALSE(i.check_mc_rcv(kGroup, kDut, false));
  i.del_src(kGroup, 1, one, false, t0 + 20s);  // ip_mc_leave_src
  i.dec_group(kGroup, t0 + 20s);
  out = run_until(i, t0 + 30s);
  ASSERT_EQ(out.size(), 2u);
  r = std::get<wire::IgmpV3Report>(parse(out[0]).message);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].type, rec::kBlockOldSources);
  EXPECT_EQ(r.records[0].sources, std::vector<Ipv4Address>{src});
}

TEST(Igmp, ForcedV2ReportsToTheGroupAndLeavesTo224_0_0_2) {
  IgmpConfig cfg;
  cfg.force_igmp_version = 2;
  IgmpInterface i(2, kDut, cfg);
  const Clock::time_point t0{};
  i.inc_group(kGroup, 0, t0);
  auto out = run_until(i, t0 + 30s);
  ASSERT_EQ(out.size(), 2u);  // unsolicit_count = qrv
  EXPECT_EQ(out[0].dst, kGroup);
  EXPECT_EQ(std::get<wire::IgmpReport>(parse(out[0]).message).version, 2);
  i.dec_group(kGroup, t0 + 40s);
  out = i.take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dst, Ipv4Address(224, 0, 0, 2));
  EXPECT_EQ(std::get<wire::IgmpLeave>(parse(out[0]).message).group, kGroup);
}

TEST(Igmp, V3GeneralQueryGetsCurrentStateRecords) {
  IgmpInterface i(2, kDut, {});
  const Clock::time_point t0{};
  i.up(t0);
  i.inc_group(kGroup, 0, t0);
  run_until(i, t0 + 10s);
  wire::IgmpQuery q;
  q.version = 3;
  q.max_resp_code = 100;  // 10 s
  i.on_query(q, 12, t0 + 20s);
  auto out = run_until(i, t0 + 31s);
  ASSERT_EQ(out.size(), 1u);
  auto r = std::get<wire::IgmpV3Report>(parse(out[0]).message);
  ASSERT_EQ(r.records.size(), 1u);  // 224.0.0.1 left out
  EXPECT_EQ(r.records[0].type, rec::kModeIsExclude);
  EXPECT_EQ(r.records[0].group, kGroup);
}

TEST(Igmp, V2QueryMakesTheHostAnswerInV2) {
  IgmpInterface i(2, kDut, {});
  const Clock::time_point t0{};
  i.inc_group(kGroup, 0, t0);
  run_until(i, t0 + 10s);
  wire::IgmpQuery q;
  q.version = 2;
  q.max_resp_code = 100;
  i.on_query(q, 8, t0 + 20s);
  EXPECT_TRUE(i.v2_seen(t0 + 21s));
  auto out = run_until(i, t0 + 31s);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<wire::IgmpReport>(parse(out[0]).message).version, 2);
  EXPECT_FALSE(i.v2_seen(t0 + 20s + 260s));  // qrv * qi + qri
}

}  // namespace
}  // namespace ipc::stack::mcast
