// Cases: cases/sockopt/ip_options.toml (sockopt.ip_options.*).
#include "stack/socket/ip_options_set.hpp"

#include <cerrno>
#include <string>

#include <gtest/gtest.h>

namespace ipc::stack::socket {
namespace {

std::vector<std::uint8_t> hex(const std::string& s) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return out;
}

std::vector<std::uint8_t> round_trip(const std::string& set) {
  CompiledIpOptions opt;
  EXPECT_EQ(ip_options_from_user(hex(set), {}, opt), 0) << set;
  return ip_options_user_view(opt);
}

// sockopt.ip_options.round-trip
TEST(IpOptionsSet, RoundTrip) {
  const std::pair<const char*, const char*> kCases[] = {
      {"01010101", "01010101"},
      {"01", "01000000"},
      {"010101", "01010100"},
      {"0101010101", "0101010101000000"},
      {"00", "00000000"},
      {"000101", "00000000"},
      {"07070400000000", "0707040000000000"},
      {"440c050000000000000000000000", "440c0500000000000000000000000000"},
      {"94040000", "94040000"},
      {"830704c0000202", "830704c000020200"},
      {"890704c0000202", "890704c000020200"},
  };
  for (const auto& [set, get] : kCases) EXPECT_EQ(round_trip(set), hex(get)) << set;
}

TEST(IpOptionsSet, SourceRouteFirstHopMovesToFaddr) {
  CompiledIpOptions opt;
  ASSERT_EQ(ip_options_from_user(hex("830b04c0000202c0000203"), {}, opt), 0);
  EXPECT_EQ(opt.srr, 0);
  EXPECT_EQ(opt.data[3], 0xc0);
  EXPECT_EQ(opt.data[6], 0x03);  // the second hop moved up
  EXPECT_EQ(ip_options_user_view(opt), hex("830b04c0000202c000020300"));  // padded to 12
}

// sockopt.ip_options.malformed
TEST(IpOptionsSet, Malformed) {
  for (const char* set : {"0701", "0702", "070b04000000", "07070300000000", "9402", "07"}) {
    CompiledIpOptions opt;
    EXPECT_EQ(ip_options_from_user(hex(set), {}, opt), EINVAL) << set;
  }
}

// sockopt.ip_options.unknown-needs-cap-net-raw / unknown-with-cap-net-raw
TEST(IpOptionsSet, UnknownNeedsCapNetRaw) {
  IpOptionsContext no_raw;
  no_raw.cap_net_raw = false;
  CompiledIpOptions opt;
  EXPECT_EQ(ip_options_from_user(hex("99040000"), no_raw, opt), EINVAL);
  EXPECT_EQ(ip_options_from_user(hex("82040000"), no_raw, opt), EINVAL);
  EXPECT_EQ(ip_options_from_user(hex("07070400000000"), no_raw, opt), 0);
  EXPECT_EQ(round_trip("99040000"), hex("99040000"));
  EXPECT_EQ(round_trip("82040000"), hex("82040000"));
}

// sockopt.ip_options.clear: optlen 0 leaves no options
TEST(IpOptionsSet, EmptyClears) {
  CompiledIpOptions opt;
  ASSERT_EQ(ip_options_from_user({}, {}, opt), 0);
  EXPECT_TRUE(opt.empty());
}

TEST(IpOptionsSet, SourceRouteNeedsPointer4AndWholeSlots) {
  CompiledIpOptions opt;
  EXPECT_EQ(ip_options_from_user(hex("830708c0000202"), {}, opt), EINVAL);
  EXPECT_EQ(ip_options_from_user(hex("830804c000020200"), {}, opt), EINVAL);
}

}  // namespace
}  // namespace ipc::stack::socket
