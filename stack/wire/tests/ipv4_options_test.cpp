#include "stack/wire/ipv4_options.hpp"

#include <gtest/gtest.h>

#include "stack/wire/tests/test_util.hpp"

namespace ipc::stack::wire {
namespace {

using test::cspan;
using test::hex;

// NOP; Record Route with room for one address; Timestamp (flag 0, two
// slots, overflow 2); Router Alert 0; LSRR through 10.0.0.3; an unknown
// copied option (type 0x82, 1 data byte); EOL and padding: 36 bytes.
const auto kArea = hex(
    "01"
    "07 07 04 00 00 00 00"
    "44 0c 05 20 00 00 00 00 00 00 00 00"
    "94 04 00 00"
    "83 07 04 0a 00 00 03"
    "82 03 ff"
    "00 00");

std::vector<Ipv4Option> read_all(std::span<const std::uint8_t> area, std::optional<Ipv4OptionError>* err = nullptr) {
  Ipv4OptionReader r(area);
  std::vector<Ipv4Option> out;
  while (auto o = r.next()) out.push_back(*o);
  if (err) *err = r.error();
  return out;
}

std::optional<std::size_t> error_at(std::string_view h) {
  auto b = hex(h);
  auto e = check_ipv4_options(cspan(b));
  if (!e) return std::nullopt;
  return e->offset;
}

TEST(Ipv4Options, ReadsTypedOptions) {
  std::optional<Ipv4OptionError> err;
  auto o = read_all(cspan(kArea), &err);
  EXPECT_FALSE(err);
  ASSERT_EQ(o.size(), 7u);
  EXPECT_EQ(o[0].kind, Ipv4OptionKind::kNoOperation);
  EXPECT_EQ(o[0].offset, 0u);

  EXPECT_EQ(o[1].kind, Ipv4OptionKind::kRecordRoute);
  EXPECT_EQ(o[1].offset, 1u);
  EXPECT_EQ(o[1].raw.size(), 7u);
  EXPECT_EQ(o[1].pointer, 4);
  EXPECT_EQ(o[1].data.size(), 4u);
  EXPECT_FALSE(o[1].full());

  EXPECT_EQ(o[2].kind, Ipv4OptionKind::kTimestamp);
  EXPECT_EQ(o[2].offset, 8u);
  EXPECT_EQ(o[2].pointer, 5);
  EXPECT_EQ(o[2].ts_overflow, 2);
  EXPECT_EQ(o[2].ts_flag, ipv4_option::kTsOnly);
  EXPECT_EQ(o[2].data.size(), 8u);

  EXPECT_EQ(o[3].kind, Ipv4OptionKind::kRouterAlert);
  EXPECT_EQ(o[3].router_alert, 0);

  EXPECT_EQ(o[4].kind, Ipv4OptionKind::kLooseSourceRoute);
  EXPECT_EQ(o[4].route_address(0), Ipv4Address(10, 0, 0, 3));
  EXPECT_TRUE(ipv4_option::is_copied(o[4].type));

  EXPECT_EQ(o[5].kind, Ipv4OptionKind::kUnknown);
  EXPECT_EQ(o[5].type, 0x82);
  EXPECT_EQ(o[5].data.size(), 1u);
  EXPECT_EQ(o[5].data[0], 0xff);

  EXPECT_EQ(o[6].kind, Ipv4OptionKind::kEndOfList);
  EXPECT_EQ(o[6].offset, 34u);
  EXPECT_FALSE(ipv4_option::is_copied(ipv4_option::kRecordRoute));
}

TEST(Ipv4Options, EveryPrefixReadsInBoundsAndFailsInside) {
  test::for_each_prefix(kArea, [](std::span<const std::uint8_t> s, std::size_t n) {
    std::optional<Ipv4OptionError> err;
    auto o = read_all(s, &err);
    for (const auto& opt : o) {
      EXPECT_LE(opt.offset + opt.raw.size(), n);
    }
    if (err) {
      EXPECT_LT(err->offset, n);
    }
  });
  // Cut inside the RR option (offsets 2..7): the RR's type byte is blamed.
  for (std::size_t n = 2; n < 8; ++n) {
    auto e = check_ipv4_options(cspan(kArea).first(n));
    ASSERT_TRUE(e) << n;
    EXPECT_EQ(e->offset, 1u) << n;
  }
}

TEST(Ipv4Options, EmptyAndPadding) {
  EXPECT_FALSE(error_at(""));
  EXPECT_FALSE(error_at("00 00 00 00"));
  EXPECT_FALSE(error_at("01 01 01 01"));
  // After EOL the rest is padding and is not parsed (ip_options_compile zeroes it).
  EXPECT_FALSE(error_at("00 07 01 ff"));
  auto b = hex("01 00 07 01");
  EXPECT_EQ(read_all(cspan(b)).size(), 2u);
}

TEST(Ipv4Options, GenericLengthErrorsPointAtType) {
  EXPECT_EQ(error_at("07"), 0u);                 // no room for a length
  EXPECT_EQ(error_at("01 01 01 82"), 3u);
  EXPECT_EQ(error_at("07 01 04 00"), 0u);        // length < 2
  EXPECT_EQ(error_at("82 00 00 00"), 0u);
  EXPECT_EQ(error_at("01 07 08 04 00"), 1u);     // length past the area
  EXPECT_EQ(error_at("82 05 00 00"), 0u);
}

TEST(Ipv4Options, RecordRoute) {
  EXPECT_EQ(error_at("07 02 00 00"), 1u);                  // length < 3: the length byte
  EXPECT_EQ(error_at("07 07 03 00 00 00 00 00"), 2u);      // pointer < 4: the pointer byte
  EXPECT_EQ(error_at("07 07 05 00 00 00 00 00"), 2u);      // pointer 5 leaves 3 bytes: no slot
  EXPECT_FALSE(error_at("07 07 04 00 00 00 00 00"));
  EXPECT_FALSE(error_at("07 07 08 00 00 00 00 00"));       // full
  EXPECT_FALSE(error_at("07 03 04 00"));                   // no slots, full
  EXPECT_FALSE(error_at("07 03 ff 00"));
  EXPECT_EQ(error_at("07 03 04 07 03 04 00 00"), 3u);      // repeated: the second type byte
  EXPECT_EQ(error_at("07 03 04 07 01 00 00 00"), 3u);      // repeat is checked before length
}

TEST(Ipv4Options, Timestamp) {
  EXPECT_EQ(error_at("44 03 05 00"), 1u);                  // length < 4
  EXPECT_EQ(error_at("44 08 04 00 00 00 00 00"), 2u);      // pointer < 5
  EXPECT_EQ(error_at("44 08 06 00 00 00 00 00"), 2u);      // pointer 6: 3 bytes left
  EXPECT_FALSE(error_at("44 08 05 00 00 00 00 00"));       // one timestamp slot
  EXPECT_EQ(error_at("44 08 05 01 00 00 00 00"), 2u);      // address+timestamp needs 8
  EXPECT_EQ(error_at("44 08 05 03 00 00 00 00"), 2u);      // prespecified likewise
  auto ok = hex("44 0c 05 01 0a 00 00 01 00 00 00 00");
  EXPECT_FALSE(check_ipv4_options(cspan(ok)));
  EXPECT_EQ(read_all(cspan(ok))[0].ts_flag, ipv4_option::kTsAndAddr);
  EXPECT_FALSE(error_at("44 08 05 02 00 00 00 00"));       // unknown flag: accepted on input
  EXPECT_FALSE(error_at("44 04 05 e0"));                   // full, overflow 14 can count one more
  EXPECT_EQ(error_at("44 04 05 f0"), 3u);                  // full, overflow 15: the flags byte
  EXPECT_EQ(error_at("44 04 05 00 44 04 05 00"), 4u);      // repeated
}

TEST(Ipv4Options, SourceRoutes) {
  EXPECT_EQ(error_at("83 02 00 00"), 1u);
  EXPECT_EQ(error_at("89 07 03 00 00 00 00 00"), 2u);
  EXPECT_FALSE(error_at("89 07 04 0a 00 00 01 00"));
  // Room for an address is checked later, by the source-routing code.
  EXPECT_FALSE(error_at("83 07 05 0a 00 00 01 00"));
  // Two source routes of either kind (RFC 1812 5.2.4.1).
  EXPECT_EQ(error_at("83 03 04 89 03 04 00 00"), 3u);
  EXPECT_EQ(error_at("83 03 04 83 03 04 00 00"), 3u);
  // For source routes the repeat is checked after the lengths.
  EXPECT_EQ(error_at("83 03 04 89 02 00 00 00"), 4u);
  EXPECT_EQ(error_at("83 03 04 89 03 01 00 00"), 5u);
  auto b = hex("89 0b 08 0a 00 00 01 0a 00 00 02 00");
  auto o = read_all(cspan(b));
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].kind, Ipv4OptionKind::kStrictSourceRoute);
  EXPECT_EQ(o[0].pointer, 8);
  EXPECT_EQ(o[0].route_address(1), Ipv4Address(10, 0, 0, 2));
}

TEST(Ipv4Options, RouterAlert) {
  EXPECT_EQ(error_at("94 02 00 00"), 1u);
  EXPECT_EQ(error_at("94 03 00 00"), 1u);
  auto b = hex("94 04 00 01");
  auto o = read_all(cspan(b));
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].router_alert, 1);
}

TEST(Ipv4Options, IcmpPointerCountsFromIpHeader) {
  auto b = hex("01 07 02 00");
  auto e = check_ipv4_options(cspan(b));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->offset, 2u);
  EXPECT_EQ(e->icmp_pointer(), 22u);
}

TEST(Ipv4Options, ReaderStopsAfterError) {
  auto b = hex("01 07 01 01 01");
  Ipv4OptionReader r(cspan(b));
  EXPECT_TRUE(r.next());
  EXPECT_FALSE(r.next());
  EXPECT_FALSE(r.next());
  ASSERT_TRUE(r.error());
  EXPECT_EQ(r.error()->offset, 1u);
}

}  // namespace
}  // namespace ipc::stack::wire
