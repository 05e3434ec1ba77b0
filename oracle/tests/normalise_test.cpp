#include "oracle/normalise.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "oracle/match.hpp"

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

json packet(long id, long sport, int chksum) {
  return {{"packet",
           {{"IP", {{"id", id}, {"chksum", chksum}, {"chksum_ok", true}, {"ttl", 64}}},
            {"UDP", {{"sport", sport}, {"dport", 9}, {"chksum", chksum + 1}}},
            {"time", 0.001 * chksum},
            {"csum_partial", true},
            {"summary", "x"}}}};
}

TEST(Normalise, EphemeralPortsAndIdsAreRenamedInOrderOfAppearance) {
  const std::vector<json> kernel = {{{"addr", {{"family", 2}, {"addr", "192.0.2.1"}, {"port", 40001}}}},
                                    packet(777, 40001, 5)};
  const std::vector<json> stack = {{{"addr", {{"family", 2}, {"addr", "192.0.2.1"}, {"port", 55555}}}},
                                   packet(3, 55555, 9)};
  EXPECT_TRUE(diff_observations(kernel, stack, {}).empty());
  const auto n = normalise_for_diff(kernel);
  EXPECT_EQ(n[0]["addr"]["port"], "port#1");
  EXPECT_EQ(n[1]["packet"]["UDP"]["sport"], "port#1");
  EXPECT_EQ(n[1]["packet"]["IP"]["id"], "id#1");
  EXPECT_FALSE(n[1]["packet"]["IP"].contains("chksum"));
  EXPECT_TRUE(n[1]["packet"]["IP"]["chksum_ok"]);
  EXPECT_FALSE(n[1]["packet"].contains("time"));
}

TEST(Normalise, AnIdOfZeroIsRenamedLikeAnyOther) {
  // The kernel's generator drew 0 this time; the target's drew 3.
  EXPECT_TRUE(diff_observations({packet(0, 40001, 5)}, {packet(3, 40001, 5)}, {}).empty());
  EXPECT_EQ(normalise_for_diff({packet(0, 40001, 5)})[0]["packet"]["IP"]["id"], "id#1");
}

TEST(Normalise, ARelationBetweenValuesStillCounts) {
  // The kernel reuses one port; the target takes a new one for the second
  // socket: that is a real difference.
  const std::vector<json> kernel = {packet(1, 40001, 1), packet(1, 40001, 1)};
  const std::vector<json> stack = {packet(5, 50001, 1), packet(6, 50002, 1)};
  const auto d = diff_observations(kernel, stack, {});
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].field, "packet.IP.id");
  EXPECT_EQ(d[1].field, "packet.UDP.sport");
}

TEST(Normalise, TheCasesOwnPortsCompareLiterally) {
  const std::vector<json> kernel = {packet(0, 5000, 1)};
  const std::vector<json> stack = {packet(12, 5001, 1)};
  const auto d = diff_observations(kernel, stack, {});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].field, "packet.UDP.sport");
  EXPECT_EQ(d[0].kernel, 5000);
  EXPECT_EQ(d[0].target, 5001);
}

// ---- TCP ---------------------------------------------------------------------------

// A captured TCP segment: `dir` "in" (sent by the DUT) or "out" (injected).
json tcp(const std::string& dir, long sport, long dport, std::int64_t seq, std::int64_t ack, long flags,
         json options = json::array()) {
  return {{"packet",
           {{"dir", dir},
            {"layers", {"Ether", "IP", "TCP"}},
            {"IP", {{"id", 0}, {"ttl", 64}}},
            {"TCP",
             {{"sport", sport}, {"dport", dport}, {"seq", seq}, {"ack", ack}, {"flags", flags},
              {"window", 64240}, {"options", options}, {"chksum", 1}, {"chksum_ok", true}}}}}};
}
constexpr long SYN = 0x02, ACK = 0x10, SYNACK = 0x12, PSHACK = 0x18, RST = 0x04;

TEST(NormaliseTcp, DutSequenceNumbersBecomeOffsetsFromTheFirstOneSeen) {
  // The DUT answers an injected SYN, gets the ACK and sends 5 bytes.
  auto run = [](std::int64_t isn) {
    return std::vector<json>{tcp("in", 5000, 20000, isn, 1001, SYNACK),
                             tcp("out", 20000, 5000, 1001, (isn + 1) % (1LL << 32), ACK),
                             tcp("in", 5000, 20000, (isn + 1) % (1LL << 32), 1001, PSHACK)};
  };
  const auto n = normalise_for_diff(run(123456789));
  EXPECT_EQ(n[0]["packet"]["TCP"]["seq"], "isn#1+0");
  EXPECT_EQ(n[0]["packet"]["TCP"]["ack"], 1001);  // acks the tester's data: the case's own numbers
  EXPECT_EQ(n[1]["packet"]["TCP"]["seq"], 1001);
  EXPECT_EQ(n[1]["packet"]["TCP"]["ack"], "isn#1+1");
  EXPECT_EQ(n[2]["packet"]["TCP"]["seq"], "isn#1+1");
  // Another ISN (one that wraps, too) compares equal.
  EXPECT_TRUE(diff_observations(run(123456789), run(4294967295LL), {}).empty());
  // A segment at another offset does not.
  auto other = run(99);
  other[2]["packet"]["TCP"]["seq"] = 101;
  const auto d = diff_observations(run(7), other, {});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].field, "packet.TCP.seq");
  EXPECT_EQ(d[0].kernel, "isn#1+1");
  EXPECT_EQ(d[0].target, "isn#1+2");
}

TEST(NormaliseTcp, OffsetsWrapAndMayBeNegative) {
  const auto n = normalise_for_diff({tcp("out", 20000, 5000, 1, 0, ACK), tcp("in", 5000, 20000, 4294967295LL, 1, SYNACK),
                                     tcp("in", 5000, 20000, 5, 1, ACK)});
  EXPECT_EQ(n[0]["packet"]["TCP"]["ack"], "isn#1+0");  // an ack may come first: it sets the base
  EXPECT_EQ(n[1]["packet"]["TCP"]["seq"], "isn#1-1");
  EXPECT_EQ(n[2]["packet"]["TCP"]["seq"], "isn#1+5");
}

TEST(NormaliseTcp, ConnectionsAreKeyedByTheirRenamedPortPair) {
  // A connect() from an ephemeral port and, on a listener, two connections
  // from the tester's ports 20000 and 20001.
  auto run = [](long eph, std::int64_t a, std::int64_t b, std::int64_t c) {
    return std::vector<json>{tcp("in", eph, 7, a, 0, SYN), tcp("in", 5000, 20000, b, 1, SYNACK),
                             tcp("in", 5000, 20001, c, 1, SYNACK), tcp("in", 5000, 20000, b + 1, 1, ACK),
                             tcp("in", eph, 7, a + 1, 1, ACK)};
  };
  const auto n = normalise_for_diff(run(40000, 10, 2000, 30000));
  EXPECT_EQ(n[0]["packet"]["TCP"]["sport"], "port#1");
  EXPECT_EQ(n[0]["packet"]["TCP"]["seq"], "isn#1+0");
  EXPECT_EQ(n[1]["packet"]["TCP"]["seq"], "isn#2+0");
  EXPECT_EQ(n[2]["packet"]["TCP"]["seq"], "isn#3+0");
  EXPECT_EQ(n[3]["packet"]["TCP"]["seq"], "isn#2+1");
  EXPECT_EQ(n[4]["packet"]["TCP"]["seq"], "isn#1+1");
  EXPECT_TRUE(diff_observations(run(40000, 10, 2000, 30000), run(61000, 77, 5, 900000), {}).empty());
  // Two connections that share a base on one side but not the other still compare
  // by offset within each connection only.
  auto odd = run(61000, 77, 5, 900000);
  odd[3]["packet"]["TCP"]["seq"] = 900001;  // the first connection's segment at the second's number
  EXPECT_EQ(diff_observations(run(40000, 10, 2000, 30000), odd, {}).size(), 1u);
}

TEST(NormaliseTcp, AckOnlyWithTheAckFlagAndTheTestersNumbersStay) {
  const auto n = normalise_for_diff({tcp("out", 20000, 5000, 1000, 777, SYN),  // SYN: its ack field means nothing
                                     tcp("in", 5000, 20000, 0, 1001, RST | ACK)});
  EXPECT_EQ(n[0]["packet"]["TCP"]["seq"], 1000);
  EXPECT_EQ(n[0]["packet"]["TCP"]["ack"], 777);
  EXPECT_EQ(n[1]["packet"]["TCP"]["seq"], "isn#1+0");
  EXPECT_EQ(n[1]["packet"]["TCP"]["ack"], 1001);
}

TEST(NormaliseTcp, TimestampsOfTheDutAndTheirEchoesAreDropped) {
  auto ts = [](json tsval, json tsecr) {
    return json::array({{{"type", "MSS"}, {"value", 1460}}, {{"type", "NOP"}, {"value", nullptr}},
                        {{"type", "Timestamp"}, {"value", {tsval, tsecr}}}});
  };
  auto run = [&](std::int64_t clock) {
    return std::vector<json>{tcp("in", 5000, 20000, 1, 1001, SYNACK, ts(clock, 555)),
                             tcp("out", 20000, 5000, 1001, 2, ACK, ts(556, clock)),
                             tcp("out", 20000, 5000, 1000, 0, SYN, ts(554, 0))};
  };
  const auto n = normalise_for_diff(run(3000000000LL));
  const auto& opts = n[0]["packet"]["TCP"]["options"];
  EXPECT_EQ(opts[0]["value"], 1460);
  EXPECT_EQ(opts[2]["value"], (json{"tsval", 555}));  // the echo of the tester's TSval stays
  EXPECT_EQ(n[1]["packet"]["TCP"]["options"][2]["value"], (json{556, "tsecr"}));
  EXPECT_EQ(n[2]["packet"]["TCP"]["options"][2]["value"], (json{554, 0}));
  EXPECT_TRUE(diff_observations(run(3000000000LL), run(17), {}).empty());
  // The tester's echo in a DUT segment is compared.
  auto other = run(17);
  other[0]["packet"]["TCP"]["options"][2]["value"][1] = 554;
  EXPECT_EQ(diff_observations(run(5), other, {}).size(), 1u);
}

TEST(NormaliseTcp, SackBlocksToTheDutAreInItsSequenceSpace) {
  json sack = json::array({{{"type", "SAck"}, {"value", {5001, 6001}}}});
  const auto n = normalise_for_diff({tcp("in", 5000, 20000, 5000, 1, SYNACK), tcp("out", 20000, 5000, 1, 5001, ACK, sack),
                                     tcp("in", 5000, 20000, 5001, 1, ACK, sack)});
  EXPECT_EQ(n[1]["packet"]["TCP"]["options"][0]["value"], (json{"isn#1+1", "isn#1+1001"}));
  EXPECT_EQ(n[2]["packet"]["TCP"]["options"][0]["value"], (json{5001, 6001}));  // the tester's space
}

TEST(NormaliseTcp, QuotedHeadersInIcmpErrorsTravelledTheOtherWay) {
  // The DUT connects; the tester answers with "fragmentation needed" quoting
  // the DUT's segment; the DUT sends port unreachable quoting a tester segment.
  auto run = [](long eph, std::int64_t isn) {
    json syn = tcp("in", eph, 7, isn, 0, SYN);
    json frag = {{"packet",
                  {{"dir", "out"},
                   {"layers", {"Ether", "IP", "ICMP", "IPerror", "TCPerror"}},
                   {"ICMP", {{"type", 3}, {"code", 4}}},
                   {"IPerror", {{"id", 0}}},
                   {"TCPerror", {{"sport", eph}, {"dport", 7}, {"seq", isn + 1}, {"ack", 1}}}}}};
    json unreach = {{"packet",
                     {{"dir", "in"},
                      {"layers", {"Ether", "IP", "ICMP", "IPerror", "TCPerror"}},
                      {"ICMP", {{"type", 3}, {"code", 3}}},
                      {"TCPerror", {{"sport", 7}, {"dport", eph}, {"seq", 99}, {"ack", isn + 2}, {"flags", ACK}}}}}};
    return std::vector<json>{syn, frag, unreach};
  };
  const auto n = normalise_for_diff(run(45000, 1234));
  EXPECT_EQ(n[1]["packet"]["TCPerror"]["sport"], "port#1");
  EXPECT_EQ(n[1]["packet"]["TCPerror"]["seq"], "isn#1+1");
  EXPECT_EQ(n[1]["packet"]["TCPerror"]["ack"], 1);
  EXPECT_EQ(n[2]["packet"]["TCPerror"]["dport"], "port#1");
  EXPECT_EQ(n[2]["packet"]["TCPerror"]["seq"], 99);
  EXPECT_EQ(n[2]["packet"]["TCPerror"]["ack"], "isn#1+2");
  EXPECT_TRUE(diff_observations(run(45000, 1234), run(50000, 4000000000LL), {}).empty());
}

TEST(NormaliseTcp, ValuesCallsReturnStayRaw) {
  const std::vector<json> obs = {{{"ret", 5}, {"data", "68656c6c6f"}, {"addr", {{"family", 2}, {"addr", "192.0.2.2"}, {"port", 20000}}}},
                                 {{"ret", 0}, {"value", 3000000000LL}}};
  EXPECT_EQ(normalise_for_diff(obs), obs);
}

}  // namespace
}  // namespace ipc::oracle
