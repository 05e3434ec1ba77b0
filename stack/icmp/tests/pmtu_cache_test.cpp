// cases/errqueue/pmtu.toml: after frag needed with MTU m from the router for
// 198.51.100.7 (route MTU 1500), IP_MTU reads m (1400, 1280, 576); a send of
// 1373 bytes of UDP payload then exceeds 1400.
#include "stack/icmp/pmtu_cache.hpp"

#include <gtest/gtest.h>

namespace ipc::stack::icmp {
namespace {

using std::chrono::seconds;
const wire::Ipv4Address kRemote{198, 51, 100, 7};
const TimePoint t0{std::chrono::hours(1)};

TEST(PmtuCache, LearnsASmallerMtu) {
  for (int m : {1400, 1280, 576}) {
    PmtuCache c;
    c.update(kRemote, m, 1500, t0);
    EXPECT_EQ(c.mtu(kRemote, 1500, t0), m);
    EXPECT_FALSE(c.locked(kRemote, t0));
  }
}

TEST(PmtuCache, LocalEmsgsizeBoundary) {
  PmtuCache c;
  c.update(kRemote, 1400, 1500, t0);
  const int mtu = c.mtu(kRemote, 1500, t0);
  EXPECT_LE(1372 + 8 + 20, mtu);  // errqueue.pmtu.local: 1372 goes out
  EXPECT_GT(1373 + 8 + 20, mtu);  // 1373 fails with EMSGSIZE, ee_info 1400
}

TEST(PmtuCache, ClampsToMinPmtuAndLocks) {
  PmtuCache c;
  c.update(kRemote, 500, 1500, t0);
  EXPECT_EQ(c.mtu(kRemote, 1500, t0), 552);
  EXPECT_TRUE(c.locked(kRemote, t0));
  c.update(kRemote, 400, 1500, t0 + seconds(1));  // locked: ignored
  EXPECT_EQ(c.mtu(kRemote, 1500, t0), 552);
}

TEST(PmtuCache, IgnoresALargerMtu) {
  PmtuCache c;
  c.update(kRemote, 1600, 1500, t0);
  EXPECT_FALSE(c.lookup(kRemote, t0));
  c.update(kRemote, 1400, 1500, t0);
  c.update(kRemote, 1450, 1500, t0);
  EXPECT_EQ(c.mtu(kRemote, 1500, t0), 1400);
  c.update(kRemote, 1300, 1500, t0);
  EXPECT_EQ(c.mtu(kRemote, 1500, t0), 1300);
}

TEST(PmtuCache, ExpiresAfterMtuExpires) {
  PmtuCache c;
  c.update(kRemote, 1400, 1500, t0);
  EXPECT_EQ(c.mtu(kRemote, 1500, t0 + seconds(599)), 1400);
  EXPECT_EQ(c.mtu(kRemote, 1500, t0 + seconds(600)), 1500);
  EXPECT_FALSE(c.lookup(kRemote, t0 + seconds(600)));
}

TEST(PmtuCache, SameMtuRefreshesOnlyInTheSecondHalf) {
  PmtuCache c;
  c.update(kRemote, 1400, 1500, t0);
  c.update(kRemote, 1400, 1500, t0 + seconds(100));
  EXPECT_EQ(c.lookup(kRemote, t0)->expires, t0 + seconds(600));
  c.update(kRemote, 1400, 1500, t0 + seconds(400));
  EXPECT_EQ(c.lookup(kRemote, t0)->expires, t0 + seconds(1000));
}

TEST(PmtuCache, LockedRouteMetricAndFlush) {
  PmtuCache c;
  c.update(kRemote, 1400, 1500, t0, true);
  EXPECT_FALSE(c.lookup(kRemote, t0));
  c.update(kRemote, 1400, 1500, t0);
  c.flush();
  EXPECT_EQ(c.mtu(kRemote, 1500, t0), 1500);
}

}  // namespace
}  // namespace ipc::stack::icmp
