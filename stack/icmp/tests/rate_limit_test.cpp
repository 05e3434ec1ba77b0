#include "stack/icmp/rate_limit.hpp"

#include <gtest/gtest.h>

namespace ipc::stack::icmp {
namespace {

const wire::Ipv4Address kPeer{192, 0, 2, 2};
const TimePoint t0{std::chrono::hours(1)};

TEST(IcmpRateLimiter, RatemaskDecidesWhatIsLimited) {
  IcmpSettings s;  // 0x1818: 3, 4, 11, 12
  for (int t : {3, 4, 11, 12}) EXPECT_FALSE(IcmpRateLimiter::exempt(s, t, 0)) << t;
  for (int t : {0, 5, 8, 13, 14, 19, 42}) EXPECT_TRUE(IcmpRateLimiter::exempt(s, t, 0)) << t;
  EXPECT_TRUE(IcmpRateLimiter::exempt(s, 3, 4));  // frag needed
  s.ratemask = 1;  // echo replies
  EXPECT_FALSE(IcmpRateLimiter::exempt(s, 0, 0));
}

TEST(IcmpRateLimiter, ExemptTypesNeitherCheckNorSpend) {
  IcmpSettings s;
  IcmpRateLimiter l;
  bool apply = true;
  EXPECT_TRUE(l.global_allow(s, 0, 0, t0, apply));
  EXPECT_FALSE(apply);
  EXPECT_TRUE(l.peer_allow(s, kPeer, false, apply, t0));
  EXPECT_EQ(l.global_credit(), 0);
}

TEST(IcmpRateLimiter, PeerTokensRefillOnePerMillisecond) {
  IcmpSettings s;
  s.ratelimit_ms = 100;
  IcmpRateLimiter l;
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += l.peer_allow(s, kPeer, false, true, t0) ? 1 : 0;
  EXPECT_EQ(allowed, 6);
  EXPECT_TRUE(l.peer_allow(s, kPeer, false, true, t0 + std::chrono::milliseconds(100)));
  EXPECT_FALSE(l.peer_allow(s, kPeer, false, true, t0 + std::chrono::milliseconds(150)));
  // Loopback output is never limited.
  EXPECT_TRUE(l.peer_allow(s, kPeer, true, true, t0 + std::chrono::milliseconds(150)));
}

TEST(IcmpRateLimiter, ResetForgetsEverything) {
  IcmpSettings s;
  IcmpRateLimiter l;
  bool apply = false;
  ASSERT_TRUE(l.global_allow(s, 3, 3, t0, apply));
  EXPECT_EQ(l.global_credit(), 50);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(l.peer_allow(s, kPeer, false, true, t0));
  EXPECT_FALSE(l.peer_allow(s, kPeer, false, true, t0));
  l.reset();
  EXPECT_EQ(l.global_credit(), 0);
  EXPECT_TRUE(l.peer_allow(s, kPeer, false, true, t0));
}

}  // namespace
}  // namespace ipc::stack::icmp
