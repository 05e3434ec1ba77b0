// ip_select_ident_segs.
#include "stack/ipv4/ident.hpp"

#include <gtest/gtest.h>

namespace ipc::stack::ipv4 {
namespace {

const wire::Ipv4Address kDut(192, 0, 2, 1);
const wire::Ipv4Address kPeer(192, 0, 2, 2);

IdentGenerator fixed() { return IdentGenerator(12345, nullptr); }

TEST(Ident, DfWithoutIgnoreDfIsZero) {
  // pmtu.df.mode[m=DO]: id 0; raw.hdrincl.filled[h=id-0-df]: id 0.
  auto gen = fixed();
  IdentRequest req{kPeer, kDut, 17, true, false};
  EXPECT_EQ(select_ident(req, gen, 1), 0);
}

TEST(Ident, DfWithIgnoreDfUsesGenerator) {
  // pmtu.df.mode[m=WANT]: DF set and a nonzero id (skb->ignore_df).
  auto gen = fixed();
  IdentRequest req{kPeer, kDut, 17, true, true};
  const auto a = select_ident(req, gen, 1);
  const auto b = select_ident(req, gen, 1);
  EXPECT_EQ(static_cast<std::uint16_t>(b - a), 1);  // pmtu.fragment.ids-differ
}

TEST(Ident, ConnectedSocketCountsAfterTheStep) {
  std::uint16_t inet_id = 0xfffe;
  auto gen = fixed();
  IdentRequest req{kPeer, kDut, 17, true, false, &inet_id};
  EXPECT_EQ(select_ident(req, gen, 1), 0xffff);  // atomic_add_return: DF does not matter
  EXPECT_EQ(select_ident(req, gen, 1), 0x0000);
  req.tcp = true;
  EXPECT_EQ(select_ident(req, gen, 1), 0x0000);  // TCP: value before the step
  EXPECT_EQ(inet_id, 1);
}

TEST(Ident, SegsReserveARange) {
  auto gen = fixed();
  const auto a = gen.next(kPeer, kDut, 17, 5, 3);
  const auto b = gen.next(kPeer, kDut, 17, 5, 1);
  EXPECT_EQ(static_cast<std::uint16_t>(b - a), 3);
}

TEST(Ident, IdleBucketJumpsBelowIdleTime) {
  std::uint32_t seen_bound = 0;
  IdentGenerator gen(1, [&](std::uint32_t bound) {
    seen_bound = bound;
    return bound - 1;
  });
  const auto a = gen.next(kPeer, kDut, 17, 100);
  const auto b = gen.next(kPeer, kDut, 17, 150);
  EXPECT_EQ(seen_bound, 50u);
  EXPECT_EQ(static_cast<std::uint16_t>(b - a), 1 + 49);
}

}  // namespace
}  // namespace ipc::stack::ipv4
