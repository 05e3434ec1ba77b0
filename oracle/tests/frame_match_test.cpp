// Matching captured frames: subsets of layers and fields, matchers (masks
// included), and variables resolved before matching.
#include <gtest/gtest.h>

#include "oracle/call.hpp"
#include "oracle/match.hpp"
#include "oracle/substitute.hpp"

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

json frame() {
  return json::parse(R"({"index": 0, "dir": "in", "layers": ["Ether", "IP", "UDP", "Raw"],
    "Ether": {"src": "02:00:00:00:01:01", "type": 2048},
    "IP": {"ttl": 64, "tos": 186, "flags": 2, "id": 4660, "src": "192.0.2.1", "dst": "192.0.2.2",
           "chksum_ok": true, "options": [{"type": "RR", "pointer": 8, "routers": ["192.0.2.1", "0.0.0.0"]}]},
    "UDP": {"sport": 40000, "dport": 9, "chksum_ok": true}, "Raw": {"load": "6869"}})");
}

TEST(FrameMatch, SubsetOfLayersAndFields) {
  EXPECT_TRUE(matches({{"IP", {{"ttl", 64}}}, {"UDP", {{"dport", 9}}}}, frame()));
  EXPECT_FALSE(matches({{"IP", {{"ttl", 63}}}}, frame()));
  EXPECT_FALSE(matches({{"TCP", {{"dport", 9}}}}, frame()));  // no such layer
}

TEST(FrameMatch, MaskComparesOnlyTheBitsUnderIt) {
  // TOS 0xba: DSCP 0xb8 with ECN 2; the mask looks at the DSCP alone.
  EXPECT_TRUE(matches({{"IP", {{"tos", {{"mask", 0xfc}, {"eq", 0xb8}}}}}}, frame()));
  EXPECT_FALSE(matches({{"IP", {{"tos", {{"mask", 0x03}, {"eq", 0}}}}}}, frame()));
}

TEST(FrameMatch, OptionsListsMatchElementByElement) {
  EXPECT_TRUE(matches(json::parse(R"({"IP": {"options": [{"type": "RR", "pointer": 8}]}})"), frame()));
  EXPECT_FALSE(matches(json::parse(R"({"IP": {"options": []}})"), frame()));
}

TEST(FrameMatch, VariablesAreSubstitutedBeforeMatching) {
  json vars = {{"peer_addr", "192.0.2.2"}, {"sport", 40000}};
  auto want = substitute(json::parse(R"({"IP": {"dst": "${peer_addr}"}, "UDP": {"sport": "${sport}"}})"), vars);
  EXPECT_TRUE(matches(want, frame()));
  vars["sport"] = 40001;
  EXPECT_FALSE(matches(substitute(json::parse(R"({"UDP": {"sport": "${sport}"}})"), vars), frame()));
}

TEST(FrameMatch, MatchersInsideLayers) {
  EXPECT_TRUE(matches({{"UDP", {{"sport", {{"min", 32768}, {"max", 60999}}}}}}, frame()));
  EXPECT_TRUE(matches({{"IP", {{"id", {{"not", 0}}}}}}, frame()));
  EXPECT_TRUE(matches({{"IP", {{"flags", {{"one_of", {0, 2}}}}}}}, frame()));
}

TEST(CheckExpectation, MaskNeedsEqAndIntegers) {
  EXPECT_THROW(check_expectation({{"value", {{"mask", 0xfc}}}}), std::invalid_argument);
  EXPECT_THROW(check_expectation({{"value", {{"mask", "x"}, {"eq", 1}}}}), std::invalid_argument);
  EXPECT_NO_THROW(check_expectation({{"packet", {{"IP", {{"tos", {{"mask", 0xfc}, {"eq", 16}}}}}}}}));
}

TEST(WireRequests, BuiltWithoutHandlesAndWithDefaults) {
  auto inj = build_request(json::parse(R"({"op": "inject", "frame": [{"layer": "Ether"}, {"layer": "IP"}]})"));
  EXPECT_EQ(inj["text"], "inject Ether/IP");
  EXPECT_FALSE(inj.contains("handle"));
  auto exp = build_request(json::parse(R"({"op": "expect_packet", "match": {"IP": {"ttl": 1}}})"));
  EXPECT_EQ(exp["timeout_ms"], 1000);
  auto no = build_request(json::parse(R"({"op": "expect_no_packet", "match": {"IP": {}}, "wait_ms": 50})"));
  EXPECT_EQ(no["wait_ms"], 50);
  EXPECT_TRUE(is_wire_op("barrier"));
  EXPECT_FALSE(is_wire_op("sendmsg"));
  EXPECT_THROW(build_request(json::parse(R"({"op": "inject", "frame": {}})")), StepError);
  EXPECT_THROW(build_request(json::parse(R"({"op": "expect_packet"})")), StepError);
  EXPECT_THROW(build_request(json::parse(R"({"op": "inject", "handle": "s", "frame": []})")), StepError);
}

TEST(WireRequests, SendmsgEncodesCmsgsAndRecvmsgDecodesThem) {
  auto req = build_request(json::parse(
      R"({"op": "sendmsg", "text": "x", "addr": "192.0.2.2", "port": 9, "cmsgs": [{"type": "IP_TTL", "value": 7}]})"));
  EXPECT_EQ(req["cmsgs"], json::parse(R"([{"level": 0, "type": 2, "data": "07000000"}])"));
  EXPECT_EQ(req["data"], "78");
  auto obs = normalize({{"op", "recvmsg"}},
                       json::parse(R"({"ret": 2, "errno": null, "data": "6869", "msg_flags": 0, "controllen": 20,
                                      "cmsgs": [{"level": 0, "type": 2, "data": "21000000"}]})"));
  EXPECT_EQ(obs["cmsg"]["IP_TTL"], 33);
  EXPECT_EQ(obs["msg_flags"], 0);
}

}  // namespace
}  // namespace ipc::oracle
