// Control messages: what a case asks sendmsg to pass, and what recvmsg's raw
// {level, type, data} become in an observation.
#include "oracle/cmsg.hpp"

#include <gtest/gtest.h>

#include "oracle/value_codec.hpp"

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

TEST(EncodeCmsg, TtlIsAnIntAtIpprotoIp) {
  auto c = encode_cmsg({{"type", "IP_TTL"}, {"value", 7}});
  EXPECT_EQ(c, (json{{"level", 0}, {"type", 2}, {"data", "07000000"}}));
}

TEST(EncodeCmsg, AsOverridesTheValueType) {
  auto c = encode_cmsg({{"type", "IP_TOS"}, {"value", 0x10}, {"as", "u8"}});
  EXPECT_EQ(c["type"], 1);
  EXPECT_EQ(c["data"], "10");
}

TEST(EncodeCmsg, PktinfoIsLaidOutFieldByField) {
  auto c = encode_cmsg({{"type", "IP_PKTINFO"}, {"value", {{"ifindex", 2}, {"spec_dst", "192.0.2.1"}}}});
  EXPECT_EQ(c["type"], 8);
  EXPECT_EQ(c["data"], "02000000c000020100000000");
}

TEST(EncodeCmsg, RawDataAndNumericTypesPassThrough) {
  auto c = encode_cmsg({{"level", "SOL_SOCKET"}, {"type", 99}, {"data", "abcd"}});
  EXPECT_EQ(c, (json{{"level", 1}, {"type", 99}, {"data", "abcd"}}));
}

TEST(EncodeCmsg, RejectsUnknownNamesAndKeys) {
  EXPECT_THROW(encode_cmsg({{"type", "IP_NOPE"}, {"value", 1}}), CodecError);
  EXPECT_THROW(encode_cmsg({{"type", "IP_TTL"}, {"value", 1}, {"colour", 1}}), CodecError);
  EXPECT_THROW(encode_cmsg({{"type", "IP_TTL"}}), CodecError);
}

TEST(DecodeCmsgs, DecodesByLevelAndType) {
  json obs = json::object();
  decode_cmsgs(json::array({{{"level", 0}, {"type", 8}, {"data", "02000000c0000201c0000201"}},
                            {{"level", 0}, {"type", 2}, {"data", "40000000"}},
                            {{"level", 0}, {"type", 1}, {"data", "b8"}}}),
               obs);
  EXPECT_EQ(obs["cmsg"]["IP_PKTINFO"],
            (json{{"ifindex", 2}, {"spec_dst", "192.0.2.1"}, {"addr", "192.0.2.1"}}));
  EXPECT_EQ(obs["cmsg"]["IP_TTL"], 64);
  EXPECT_EQ(obs["cmsg"]["IP_TOS"], 0xb8);
  ASSERT_EQ(obs["cmsgs"].size(), 3u);
  EXPECT_EQ(obs["cmsgs"][1], (json{{"level", "IPPROTO_IP"}, {"type", "IP_TTL"}, {"value", 64}}));
}

TEST(DecodeCmsgs, ExtendedErrorWithOffender) {
  // ee_errno 111, origin ICMP (2), type 3, code 3, pad, info 0, data 0,
  // then the offender sockaddr_in 192.0.2.2:0.
  std::string ee = "6f000000" "02030300" "00000000" "00000000";
  std::string off = "0200" "0000" "c0000202" "0000000000000000";
  json obs = json::object();
  decode_cmsgs(json::array({{{"level", 0}, {"type", 11}, {"data", ee + off}}}), obs);
  const auto& e = obs["cmsg"]["IP_RECVERR"];
  EXPECT_EQ(e["ee_errno"], 111);
  EXPECT_EQ(e["errno"], "ECONNREFUSED");
  EXPECT_EQ(e["ee_origin"], 2);
  EXPECT_EQ(e["ee_type"], 3);
  EXPECT_EQ(e["ee_code"], 3);
  EXPECT_EQ(e["offender"], (json{{"family", 2}, {"port", 0}, {"addr", "192.0.2.2"}}));
}

TEST(DecodeCmsgs, ShortOrUnknownDataIsKeptAsHex) {
  json obs = json::object();
  decode_cmsgs(json::array({{{"level", 0}, {"type", 11}, {"data", "0102"}},
                            {{"level", 0}, {"type", 200}, {"data", "ff"}}}),
               obs);
  EXPECT_EQ(obs["cmsg"]["IP_RECVERR"], (json{{"hex", "0102"}}));
  EXPECT_EQ(obs["cmsg"]["0:200"], "ff");
}

TEST(DecodeCmsgs, LastOfARepeatedTypeWinsInTheMapButAllAreListed) {
  json obs = json::object();
  decode_cmsgs(json::array({{{"level", 0}, {"type", 2}, {"data", "01000000"}},
                            {{"level", 0}, {"type", 2}, {"data", "02000000"}}}),
               obs);
  EXPECT_EQ(obs["cmsg"]["IP_TTL"], 2);
  EXPECT_EQ(obs["cmsgs"].size(), 2u);
}

}  // namespace
}  // namespace ipc::oracle
