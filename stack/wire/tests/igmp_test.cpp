#include "stack/wire/igmp.hpp"

#include <gtest/gtest.h>

#include "stack/wire/tests/test_util.hpp"

namespace ipc::stack::wire {
namespace {

using test::cspan;
using test::hex;

void fix_checksum(std::vector<std::uint8_t>& b) {
  b[2] = b[3] = 0;
  auto c = internet_checksum(b);
  b[2] = static_cast<std::uint8_t>(c >> 8);
  b[3] = static_cast<std::uint8_t>(c);
}

Result<IgmpRepr> parse(const std::vector<std::uint8_t>& b) {
  auto p = IgmpPacket::check(cspan(b));
  if (!p) return p.error();
  return IgmpRepr::parse(*p);
}

std::vector<std::uint8_t> emit(const IgmpRepr& r) {
  std::vector<std::uint8_t> out(r.buffer_len());
  EXPECT_TRUE(r.emit(out));
  return out;
}

// v2 report for 224.1.2.3. Checksum by hand: 1600 + e001 + 0203 = f804,
// complement 07fb.
const auto kV2Report = hex("16 00 07 fb e0 01 02 03");

TEST(Igmp, V2ReportKnownAnswer) {
  auto r = parse(kV2Report);
  ASSERT_TRUE(r);
  auto* rep = std::get_if<IgmpReport>(&r->message);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->version, 2);
  EXPECT_EQ(rep->group, Ipv4Address(224, 1, 2, 3));
  EXPECT_EQ(emit(*r), kV2Report);
}

TEST(Igmp, V3ReportKnownAnswer) {
  // One record: MODE_IS_EXCLUDE 239.1.1.1, no sources (a join, RFC 3376 5.1).
  // 2200 + 0001 + 0200 + ef01 + 0101 = 1404 (with carry), complement ebfb.
  const auto b = hex("22 00 eb fb 00 00 00 01  02 00 00 00 ef 01 01 01");
  auto r = parse(b);
  ASSERT_TRUE(r);
  auto* v3 = std::get_if<IgmpV3Report>(&r->message);
  ASSERT_TRUE(v3);
  ASSERT_EQ(v3->records.size(), 1u);
  EXPECT_EQ(v3->records[0].type, igmp::record::kModeIsExclude);
  EXPECT_EQ(v3->records[0].group, Ipv4Address(239, 1, 1, 1));
  EXPECT_TRUE(v3->records[0].sources.empty());
  IgmpRepr built{IgmpV3Report{{IgmpGroupRecord{igmp::record::kModeIsExclude, Ipv4Address(239, 1, 1, 1), {}, {}}}}};
  EXPECT_EQ(emit(built), b);
}

TEST(Igmp, V3ReportWithSourcesAndAuxRoundTrip) {
  IgmpV3Report v3;
  v3.records.push_back({igmp::record::kAllowNewSources, Ipv4Address(232, 1, 1, 1),
                        {Ipv4Address(10, 0, 0, 1), Ipv4Address(10, 0, 0, 2)}, {}});
  v3.records.push_back({igmp::record::kChangeToInclude, Ipv4Address(239, 2, 2, 2), {}, {1, 2, 3, 4}});
  v3.records.push_back({igmp::record::kBlockOldSources, Ipv4Address(232, 3, 3, 3), {Ipv4Address(10, 9, 9, 9)}, {}});
  IgmpRepr r{v3};
  EXPECT_EQ(r.buffer_len(), 8u + (8 + 8) + (8 + 4) + (8 + 4));
  auto b = emit(r);
  auto back = parse(b);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  // Every prefix: the common header check or the record walk rejects it.
  test::for_each_prefix(b, [](std::span<const std::uint8_t> s, std::size_t n) {
    auto p = IgmpPacket::check(s);
    if (!p) {
      EXPECT_LT(n, 8u);
      return;
    }
    auto r = IgmpRepr::parse(*p, ChecksumPolicy::kIgnore);
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error(), Error::kTruncated) << n;
  });
}

TEST(Igmp, QueryVersionsByLengthAndCode) {
  // RFC 3376 7.1: 8 bytes and code 0 is v1; 8 bytes otherwise v2; >= 12 v3.
  auto v1 = hex("11 00 00 00 00 00 00 00");
  fix_checksum(v1);
  auto r1 = parse(v1);
  ASSERT_TRUE(r1);
  EXPECT_EQ(std::get<IgmpQuery>(r1->message).version, 1);
  EXPECT_EQ(std::get<IgmpQuery>(r1->message).max_resp_time_ds(), 100u);
  EXPECT_EQ(emit(*r1), v1);

  auto v2 = hex("11 64 00 00 e0 01 02 03");
  fix_checksum(v2);
  auto r2 = parse(v2);
  ASSERT_TRUE(r2);
  const auto& q2 = std::get<IgmpQuery>(r2->message);
  EXPECT_EQ(q2.version, 2);
  EXPECT_EQ(q2.max_resp_time_ds(), 100u);
  EXPECT_EQ(q2.group, Ipv4Address(224, 1, 2, 3));
  EXPECT_EQ(emit(*r2), v2);

  for (std::size_t len : {9u, 10u, 11u}) {
    auto b = v2;
    b.resize(len, 0);
    fix_checksum(b);
    EXPECT_EQ(parse(b).error(), Error::kMalformed) << len;
  }
}

TEST(Igmp, V3QueryKnownAnswer) {
  // Group-and-source query for 232.1.1.1, max resp code 0x8f (floating point:
  // (0xf | 0x10) << 3 = 248 tenths), S set, QRV 2, QQIC 125, two sources.
  auto b = hex("11 8f 00 00 e8 01 01 01 0a 7d 00 02 0a 00 00 01 0a 00 00 02");
  fix_checksum(b);
  auto r = parse(b);
  ASSERT_TRUE(r);
  const auto& q = std::get<IgmpQuery>(r->message);
  EXPECT_EQ(q.version, 3);
  EXPECT_EQ(q.max_resp_time_ds(), 248u);
  EXPECT_TRUE(q.suppress_router_side);
  EXPECT_EQ(q.qrv, 2);
  EXPECT_EQ(q.qqic, 125);
  ASSERT_EQ(q.sources.size(), 2u);
  EXPECT_EQ(q.sources[1], Ipv4Address(10, 0, 0, 2));
  EXPECT_EQ(emit(*r), b);

  auto cut = b;
  cut.resize(16);
  fix_checksum(cut);
  EXPECT_EQ(parse(cut).error(), Error::kTruncated);
}

TEST(Igmp, V3CodeDecoding) {
  EXPECT_EQ(igmp::decode_v3_code(0), 0u);
  EXPECT_EQ(igmp::decode_v3_code(127), 127u);
  EXPECT_EQ(igmp::decode_v3_code(0x80), 128u);           // (0|0x10) << 3
  EXPECT_EQ(igmp::decode_v3_code(0xff), 0x1fu << 10);    // 31744
}

TEST(Igmp, LeaveAndV1Report) {
  IgmpRepr leave{IgmpLeave{Ipv4Address(224, 9, 9, 9)}};
  auto b = emit(leave);
  EXPECT_EQ(b[0], igmp::type::kV2Leave);
  EXPECT_EQ(*parse(b), leave);
  IgmpRepr v1{IgmpReport{1, Ipv4Address(224, 9, 9, 9)}};
  b = emit(v1);
  EXPECT_EQ(b[0], igmp::type::kV1Report);
  EXPECT_EQ(*parse(b), v1);
}

TEST(Igmp, OtherTypesKeptRaw) {
  auto b = hex("13 05 00 00 01 02 03 04 05 06");
  fix_checksum(b);
  auto r = parse(b);
  ASSERT_TRUE(r);
  const auto& o = std::get<IgmpOther>(r->message);
  EXPECT_EQ(o.type, 0x13);
  EXPECT_EQ(o.code, 5);
  EXPECT_EQ(emit(*r), b);
}

TEST(Igmp, ShortAndBadChecksum) {
  test::for_each_prefix(kV2Report, [](std::span<const std::uint8_t> s, std::size_t n) {
    auto p = IgmpPacket::check(s);
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error(), Error::kTruncated);
  });
  for (std::size_t i = 0; i < kV2Report.size(); ++i) {
    auto b = kV2Report;
    b[i] ^= 0x02;
    EXPECT_EQ(parse(b).error(), Error::kBadChecksum) << i;
  }
}

TEST(Igmp, EmitRejectsUnrepresentable) {
  std::vector<std::uint8_t> out(64);
  IgmpRepr v3report{IgmpReport{3, {}}};
  EXPECT_EQ(v3report.emit(out).error(), Error::kUnrepresentable);
  IgmpQuery q;
  q.version = 2;
  q.sources.push_back({});
  EXPECT_EQ(IgmpRepr{q}.emit(out).error(), Error::kUnrepresentable);
  IgmpV3Report v3{{IgmpGroupRecord{1, {}, {}, {1, 2, 3}}}};
  EXPECT_EQ(IgmpRepr{v3}.emit(out).error(), Error::kUnrepresentable);
  std::vector<std::uint8_t> small(7);
  EXPECT_EQ(IgmpRepr{IgmpLeave{}}.emit(small).error(), Error::kBufferTooSmall);
}

}  // namespace
}  // namespace ipc::stack::wire
