#include "stack/wire/checksum.hpp"

#include <gtest/gtest.h>

#include "stack/wire/tests/test_util.hpp"

namespace ipc::stack::wire {
namespace {

using test::hex;

TEST(Checksum, Rfc1071Example) {
  // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
  auto b = hex("00 01 f2 03 f4 f5 f6 f7");
  EXPECT_EQ(Checksum().add(b).sum(), 0xddf2);
  EXPECT_EQ(internet_checksum(b), 0x220d);
}

TEST(Checksum, KnownIpv4Header) {
  // The header of a UDP datagram 192.168.0.1 -> 192.168.0.199 with its
  // checksum field zeroed: the checksum is 0xb861.
  auto h = hex("45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7");
  EXPECT_EQ(internet_checksum(h), 0xb861);
  h[10] = 0xb8;
  h[11] = 0x61;
  EXPECT_EQ(internet_checksum(h), 0);
}

TEST(Checksum, OddLengthPadsWithZero) {
  EXPECT_EQ(Checksum().add(hex("ab")).sum(), 0xab00);
  EXPECT_EQ(Checksum().add(hex("01 02 03")).sum(), 0x0402);
}

TEST(Checksum, IncrementalEqualsOneShotForEverySplit) {
  auto b = hex("45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7 ff");
  const std::uint16_t whole = internet_checksum(b);
  std::span<const std::uint8_t> s(b);
  for (std::size_t i = 0; i <= b.size(); ++i)
    for (std::size_t j = i; j <= b.size(); ++j) {
      Checksum c;
      c.add(s.first(i)).add(s.subspan(i, j - i)).add(s.subspan(j));
      EXPECT_EQ(c.finish(), whole) << i << " " << j;
    }
}

TEST(Checksum, CarriesFoldRepeatedly) {
  std::vector<std::uint8_t> ones(4000, 0xff);
  EXPECT_EQ(Checksum().add(ones).sum(), 0xffff);
  EXPECT_EQ(internet_checksum(ones), 0);
}

TEST(Checksum, PseudoHeader) {
  Checksum c;
  add_pseudo_header(c, Ipv4Address(10, 0, 0, 1), Ipv4Address(10, 0, 0, 2), 17, 11);
  // 0a00 + 0001 + 0a00 + 0002 + 0011 + 000b
  EXPECT_EQ(c.sum(), 0x141f);
}

TEST(Checksum, Rfc1624Update) {
  auto h = hex("45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7");
  // TTL 0x40 -> 0x3f: the TTL/protocol word goes from 0x4011 to 0x3f11.
  std::uint16_t updated = checksum_update(0xb861, 0x4011, 0x3f11);
  h[8] = 0x3f;
  h[10] = static_cast<std::uint8_t>(updated >> 8);
  h[11] = static_cast<std::uint8_t>(updated);
  EXPECT_EQ(updated, 0xb961);
  EXPECT_EQ(internet_checksum(h), 0);
}

}  // namespace
}  // namespace ipc::stack::wire
