#include "stack/wire/address.hpp"

#include <gtest/gtest.h>

namespace ipc::stack::wire {
namespace {

TEST(Ipv4Address, ParseAndFormat) {
  auto a = Ipv4Address::parse("192.168.0.199");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_u32(), 0xc0a800c7u);
  EXPECT_EQ(a->to_string(), "192.168.0.199");
  EXPECT_EQ(Ipv4Address::parse("0.0.0.0"), Ipv4Address::unspecified());
  EXPECT_EQ(Ipv4Address::parse("255.255.255.255"), Ipv4Address::broadcast());
  EXPECT_EQ(Ipv4Address::from_u32(0x7f000001), Ipv4Address::loopback());
}

TEST(Ipv4Address, RejectsNonDottedQuads) {
  for (const char* s : {"", "1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.", ".1.2.3", "01.2.3.4", "1.2.3.4 ",
                        "1..2.3", "0x7f.0.0.1", "1.2.3.1000", "-1.2.3.4"})
    EXPECT_FALSE(Ipv4Address::parse(s)) << s;
}

TEST(Ipv4Address, Classification) {
  EXPECT_TRUE(Ipv4Address().is_unspecified());
  EXPECT_TRUE(Ipv4Address::broadcast().is_broadcast());
  EXPECT_FALSE(Ipv4Address(10, 255, 255, 255).is_broadcast());
  EXPECT_TRUE(Ipv4Address(224, 0, 0, 1).is_multicast());
  EXPECT_TRUE(Ipv4Address(239, 255, 255, 255).is_multicast());
  EXPECT_FALSE(Ipv4Address(240, 0, 0, 1).is_multicast());
  EXPECT_FALSE(Ipv4Address(223, 255, 255, 255).is_multicast());
  EXPECT_TRUE(Ipv4Address(127, 1, 2, 3).is_loopback());
  EXPECT_FALSE(Ipv4Address(128, 0, 0, 1).is_loopback());
  EXPECT_TRUE(Ipv4Address(169, 254, 1, 1).is_link_local());
  EXPECT_FALSE(Ipv4Address(169, 253, 1, 1).is_link_local());
  EXPECT_TRUE(Ipv4Address(224, 0, 0, 251).is_local_multicast());
  EXPECT_FALSE(Ipv4Address(224, 0, 1, 1).is_local_multicast());
  EXPECT_TRUE(Ipv4Address(0, 1, 2, 3).is_zeronet());
}

TEST(Ipv4Address, Ordering) {
  EXPECT_LT(Ipv4Address(10, 0, 0, 1), Ipv4Address(10, 0, 0, 2));
  EXPECT_LT(Ipv4Address(9, 255, 255, 255), Ipv4Address(10, 0, 0, 0));
}

TEST(MacAddress, ParseFormatClassify) {
  auto m = MacAddress::parse("02:00:5E:10:00:01");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "02:00:5e:10:00:01");
  EXPECT_TRUE(m->is_unicast());
  EXPECT_FALSE(MacAddress::parse("02:00:5e:10:00"));
  EXPECT_FALSE(MacAddress::parse("02-00-5e-10-00-01"));
  EXPECT_FALSE(MacAddress::parse("02:00:5e:10:00:0g"));
  EXPECT_TRUE(MacAddress::broadcast().is_broadcast());
  EXPECT_TRUE(MacAddress::broadcast().is_multicast());
  EXPECT_TRUE(MacAddress().is_zero());
}

TEST(MacAddress, Ipv4MulticastMapping) {
  // RFC 1112 6.4: the high bit of the second octet is dropped.
  EXPECT_EQ(MacAddress::ipv4_multicast(Ipv4Address(239, 129, 2, 3)).to_string(), "01:00:5e:01:02:03");
  EXPECT_EQ(MacAddress::ipv4_multicast(Ipv4Address(224, 0, 0, 1)).to_string(), "01:00:5e:00:00:01");
}

}  // namespace
}  // namespace ipc::stack::wire
