#include "oracle/value_codec.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

std::string enc(const std::string& as, const json& v) { return to_hex(encode_value(as, v)); }
std::string zeros(std::size_t n) { return std::string(2 * n, '0'); }

// ---- hex and addresses -------------------------------------------------------

TEST(Hex, RoundTripAndSeparators) {
  EXPECT_EQ(to_hex(Bytes{0x00, 0x7f, 0xab, 0xff}), "007fabff");
  EXPECT_EQ(from_hex("de ad:BE_ef"), (Bytes{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_EQ(from_hex(""), Bytes{});
}

TEST(Hex, OddDigitCountAndNonHexAreErrors) {
  EXPECT_THROW(from_hex("abc"), CodecError);
  EXPECT_THROW(from_hex("zz"), CodecError);
  EXPECT_THROW(from_hex("0x10"), CodecError);
}

TEST(Ipv4, ParseGivesNetworkOrderAndFormatReadsIt) {
  auto n = parse_ipv4("192.0.2.1");
  auto* p = reinterpret_cast<const std::uint8_t*>(&n);
  EXPECT_EQ(p[0], 192);
  EXPECT_EQ(p[1], 0);
  EXPECT_EQ(p[2], 2);
  EXPECT_EQ(p[3], 1);
  EXPECT_EQ(format_ipv4(p), "192.0.2.1");
}

TEST(Ipv4, SymbolicAddresses) {
  auto n = parse_ipv4("INADDR_LOOPBACK");
  EXPECT_EQ(format_ipv4(reinterpret_cast<const std::uint8_t*>(&n)), "127.0.0.1");
  n = parse_ipv4("INADDR_BROADCAST");
  EXPECT_EQ(format_ipv4(reinterpret_cast<const std::uint8_t*>(&n)), "255.255.255.255");
}

TEST(Ipv4, BadAddressesAreErrors) {
  EXPECT_THROW(parse_ipv4("300.0.0.1"), CodecError);
  EXPECT_THROW(parse_ipv4("192.0.2"), CodecError);
  EXPECT_THROW(parse_ipv4("localhost"), CodecError);
  EXPECT_THROW(parse_ipv4(""), CodecError);
}

// ---- types and sizes ---------------------------------------------------------

TEST(ValueTypes, KnownTypesAndNaturalSizes) {
  for (const char* t : {"int", "u8", "u16", "u32", "i64", "u64", "bytes", "string", "in_addr", "ip_mreq",
                        "ip_mreqn", "ip_mreq_source", "ip_msfilter", "group_req", "group_source_req",
                        "group_filter", "linger", "timeval", "in_pktinfo", "sockaddr_in"})
    EXPECT_TRUE(is_value_type(t)) << t;
  EXPECT_FALSE(is_value_type("float"));
  EXPECT_FALSE(is_value_type(""));

  EXPECT_EQ(value_size("int"), 4u);
  EXPECT_EQ(value_size("u8"), 1u);
  EXPECT_EQ(value_size("u16"), 2u);
  EXPECT_EQ(value_size("i64"), 8u);
  EXPECT_EQ(value_size("in_addr"), 4u);
  EXPECT_EQ(value_size("ip_mreq"), 8u);
  EXPECT_EQ(value_size("ip_mreqn"), 12u);
  EXPECT_EQ(value_size("ip_mreq_source"), 12u);
  EXPECT_EQ(value_size("ip_msfilter"), 20u);       // sizeof(struct ip_msfilter): one slist entry
  EXPECT_EQ(value_size("group_req"), 136u);
  EXPECT_EQ(value_size("group_source_req"), 264u);
  EXPECT_EQ(value_size("group_filter"), 272u);     // sizeof(struct group_filter): one slist entry
  EXPECT_EQ(value_size("linger"), 8u);
  EXPECT_EQ(value_size("timeval"), 16u);
  EXPECT_EQ(value_size("in_pktinfo"), 12u);
  EXPECT_EQ(value_size("sockaddr_in"), 16u);
  EXPECT_EQ(value_size("bytes"), 0u);
}

// ---- encoding: scalars -------------------------------------------------------

TEST(Encode, IntIsFourBytesLittleEndian) {
  EXPECT_EQ(enc("int", 64), "40000000");
  EXPECT_EQ(enc("int", 0x01020304), "04030201");
  EXPECT_EQ(enc("int", -1), "ffffffff");
  EXPECT_EQ(enc("int", -2), "feffffff");
  EXPECT_EQ(enc("int", true), "01000000");
  EXPECT_EQ(enc("u32", 0xdeadbeefu), "efbeadde");
}

TEST(Encode, OtherIntegerWidths) {
  EXPECT_EQ(enc("u8", 7), "07");
  EXPECT_EQ(enc("u16", 0x1234), "3412");
  EXPECT_EQ(enc("i64", -2), "feffffffffffffff");
  EXPECT_EQ(enc("u64", 0x0102030405060708), "0807060504030201");
}

TEST(Encode, SymbolicConstants) {
  EXPECT_EQ(enc("int", "IP_PMTUDISC_DO"), "02000000");
  EXPECT_EQ(enc("int", "IP_PMTUDISC_DONT"), "00000000");
  EXPECT_EQ(enc("int", "MCAST_INCLUDE"), "01000000");
  EXPECT_EQ(enc("int", "MCAST_EXCLUDE"), "00000000");
  EXPECT_EQ(enc("int", "IPTOS_LOWDELAY"), "10000000");
  EXPECT_EQ(enc("u8", "IPTOS_LOWDELAY"), "10");
}

TEST(Encode, UnknownConstantOrWrongKindIsAnError) {
  EXPECT_THROW(encode_value("int", "IP_PMTUDISC_SOMETIMES"), CodecError);
  EXPECT_THROW(encode_value("int", 1.5), CodecError);
  EXPECT_THROW(encode_value("int", json::array({1})), CodecError);
  EXPECT_THROW(encode_value("bytes", 5), CodecError);
  EXPECT_THROW(encode_value("string", 5), CodecError);
  EXPECT_THROW(encode_value("no_such_type", 1), CodecError);
}

TEST(Encode, BytesAndString) {
  EXPECT_EQ(enc("bytes", "01 02:03"), "010203");
  EXPECT_EQ(enc("bytes", ""), "");
  EXPECT_THROW(encode_value("bytes", "123"), CodecError);  // odd number of digits
  EXPECT_EQ(enc("string", "dut0"), "64757430");
}

TEST(Encode, InAddrIsNetworkOrder) {
  EXPECT_EQ(enc("in_addr", "192.0.2.1"), "c0000201");
  EXPECT_EQ(enc("in_addr", "INADDR_LOOPBACK"), "7f000001");
  EXPECT_EQ(enc("in_addr", "INADDR_ANY"), "00000000");
  EXPECT_EQ(enc("in_addr", 0x7f000001), "7f000001");  // a number is a host-order address
  EXPECT_THROW(encode_value("in_addr", "192.0.2.256"), CodecError);
  EXPECT_THROW(encode_value("in_addr", json::object()), CodecError);
}

// ---- encoding: structures ----------------------------------------------------

TEST(Encode, IpMreq) {
  EXPECT_EQ(enc("ip_mreq", {{"multiaddr", "224.0.0.1"}, {"interface", "192.0.2.1"}}), "e0000001c0000201");
  EXPECT_EQ(enc("ip_mreq", {{"multiaddr", "224.0.0.1"}}), "e0000001" "00000000");  // interface defaults to any
}

TEST(Encode, IpMreqnIs12BytesWithIfindexAtOffset8) {
  auto b = encode_value("ip_mreqn", {{"multiaddr", "224.0.0.251"}, {"address", "192.0.2.1"}, {"ifindex", 2}});
  ASSERT_EQ(b.size(), 12u);
  EXPECT_EQ(to_hex(b), "e00000fb" "c0000201" "02000000");
  EXPECT_EQ(b[8], 2);
  EXPECT_EQ(enc("ip_mreqn", {{"multiaddr", "224.0.0.1"}, {"ifindex", 0x0102}}), "e0000001" "00000000" "02010000");
}

TEST(Encode, IpMreqSourceFieldOrderIsMultiaddrInterfaceSource) {
  auto b = enc("ip_mreq_source",
               {{"sourceaddr", "198.51.100.7"}, {"interface", "192.0.2.1"}, {"multiaddr", "232.1.1.1"}});
  EXPECT_EQ(b, "e8010101" "c0000201" "c6336407");
}

TEST(Encode, IpMreqSourceNeedsSource) {
  EXPECT_THROW(encode_value("ip_mreq_source", {{"multiaddr", "232.1.1.1"}}), CodecError);
}

TEST(Encode, IpMsfilterIs16Plus4nWithNumsrcFromTheList) {
  auto b = encode_value("ip_msfilter", {{"multiaddr", "232.1.1.1"},
                                        {"interface", "192.0.2.1"},
                                        {"fmode", "MCAST_INCLUDE"},
                                        {"slist", {"198.51.100.7", "192.0.2.2"}}});
  ASSERT_EQ(b.size(), 16u + 4 * 2);
  EXPECT_EQ(to_hex(b), "e8010101" "c0000201" "01000000" "02000000" "c6336407" "c0000202");
}

TEST(Encode, IpMsfilterEmptyListAndNumsrcOverride) {
  auto empty = encode_value("ip_msfilter", {{"multiaddr", "232.1.1.1"}, {"fmode", "MCAST_EXCLUDE"}});
  EXPECT_EQ(to_hex(empty), "e8010101" "00000000" "00000000" "00000000");
  // numsrc may lie about the list: the kernel's check of it is what is tested.
  auto lie = encode_value("ip_msfilter", {{"multiaddr", "232.1.1.1"}, {"numsrc", 5}, {"slist", {"10.0.0.1"}}});
  EXPECT_EQ(to_hex(lie), "e8010101" "00000000" "01000000" "05000000" "0a000001");
}

TEST(Encode, GroupReqIs136BytesWithSockaddrInAtOffset8) {
  auto b = encode_value("group_req", {{"interface", 2}, {"group", "224.0.0.1"}});
  ASSERT_EQ(b.size(), 136u);
  EXPECT_EQ(to_hex(b), "02000000" "00000000" "0200" "0000" "e0000001" + zeros(136 - 16));
}

TEST(Encode, GroupReqWithStructuredGroup) {
  auto b = encode_value("group_req", {{"group", {{"addr", "224.0.0.1"}, {"port", 5000}, {"family", 10}}}});
  ASSERT_EQ(b.size(), 136u);
  EXPECT_EQ(to_hex(b).substr(0, 32), "00000000" "00000000" "0a00" "1388" "e0000001");
}

TEST(Encode, GroupSourceReqIs264BytesWithSourceAtOffset136) {
  auto b = encode_value("group_source_req", {{"interface", 3}, {"group", "232.1.1.1"}, {"source", "198.51.100.7"}});
  ASSERT_EQ(b.size(), 264u);
  EXPECT_EQ(to_hex(b), "03000000" + zeros(4) + "02000000e8010101" + zeros(120) + "02000000c6336407" + zeros(120));
}

TEST(Encode, GroupFilterIs144Plus128n) {
  auto b = encode_value("group_filter", {{"interface", 2},
                                         {"group", "232.1.1.1"},
                                         {"fmode", "MCAST_INCLUDE"},
                                         {"slist", {"198.51.100.7", "192.0.2.2"}}});
  ASSERT_EQ(b.size(), 144u + 128 * 2);
  auto h = to_hex(b);
  EXPECT_EQ(h.substr(0, 16 * 2), "02000000" "00000000" "02000000e8010101");
  EXPECT_EQ(h.substr(136 * 2, 8 * 2), "01000000" "02000000");  // gf_fmode, gf_numsrc
  EXPECT_EQ(h.substr(144 * 2, 8 * 2), "02000000c6336407");     // gf_slist[0]
  EXPECT_EQ(h.substr(272 * 2, 8 * 2), "02000000c0000202");     // gf_slist[1]
}

TEST(Encode, GroupFilterNumsrcOverride) {
  auto b = encode_value("group_filter", {{"group", "232.1.1.1"}, {"numsrc", 9}, {"slist", {"10.0.0.1"}}});
  ASSERT_EQ(b.size(), 144u + 128);
  EXPECT_EQ(to_hex(b).substr(140 * 2, 4 * 2), "09000000");
}

TEST(Encode, GroupFilterWithoutSourcesIs144Bytes) {
  // GROUP_FILTER_SIZE(0): the layout is 144 + 128n, as ip_msfilter's is 16 + 4n
  // (an empty ip_msfilter encodes to 16 bytes, not sizeof(struct ip_msfilter)).
  auto b = encode_value("group_filter", {{"group", "232.1.1.1"}, {"fmode", "MCAST_EXCLUDE"}});
  EXPECT_EQ(b.size(), 144u);
}

TEST(Encode, LingerTimevalPktinfoSockaddr) {
  EXPECT_EQ(enc("linger", {{"onoff", 1}, {"linger", 5}}), "01000000" "05000000");
  EXPECT_EQ(enc("linger", json::object()), zeros(8));
  EXPECT_EQ(enc("timeval", {{"sec", 1}, {"usec", 500000}}), "0100000000000000" "20a1070000000000");
  EXPECT_EQ(enc("in_pktinfo", {{"ifindex", 2}, {"spec_dst", "192.0.2.1"}, {"addr", "192.0.2.2"}}),
            "02000000" "c0000201" "c0000202");
  EXPECT_EQ(enc("sockaddr_in", {{"family", 2}, {"addr", "192.0.2.1"}, {"port", 5000}}),
            "0200" "1388" "c0000201" + zeros(8));
}

TEST(Encode, UnknownFieldIsAnError) {
  try {
    encode_value("ip_mreqn", {{"multiaddr", "224.0.0.1"}, {"ifidx", 2}});
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find("ifidx"), std::string::npos) << e.what();
  }
  EXPECT_THROW(encode_value("linger", {{"on", 1}}), CodecError);
  EXPECT_THROW(encode_value("group_req", {{"group", "224.0.0.1"}, {"ifindex", 2}}), CodecError);
}

TEST(Encode, StructureFromANonTableIsAnError) {
  EXPECT_THROW(encode_value("ip_mreqn", "224.0.0.1"), CodecError);
  EXPECT_THROW(encode_value("linger", 1), CodecError);
}

TEST(Encode, MissingRequiredFieldIsAnError) {
  EXPECT_THROW(encode_value("ip_mreqn", {{"ifindex", 2}}), CodecError);
  EXPECT_THROW(encode_value("group_req", {{"interface", 2}}), CodecError);
}

TEST(Encode, BadAddressInAStructureIsAnError) {
  EXPECT_THROW(encode_value("ip_mreqn", {{"multiaddr", "224.0.0"}}), CodecError);
  EXPECT_THROW(encode_value("ip_msfilter", {{"multiaddr", "232.1.1.1"}, {"slist", {"1.2.3.999"}}}), CodecError);
}

// ---- decoding ----------------------------------------------------------------

TEST(Decode, IntBySize) {
  EXPECT_EQ(decode_value("int", from_hex("40000000")), json(64));
  EXPECT_EQ(decode_value("int", from_hex("ffffffff")), json(-1));
  // One byte: the kernel's answer to optlen < 4 for a char-sized option.
  EXPECT_EQ(decode_value("int", from_hex("40")), json(64));
  EXPECT_EQ(decode_value("int", from_hex("ff")), json(255));
  // Any other size keeps the bytes.
  EXPECT_EQ(decode_value("int", from_hex("4000")), (json{{"hex", "4000"}}));
  EXPECT_EQ(decode_value("int", from_hex("400000")), (json{{"hex", "400000"}}));
  EXPECT_EQ(decode_value("int", from_hex("4000000000000000")), (json{{"hex", "4000000000000000"}}));
  EXPECT_EQ(decode_value("int", Bytes{}), (json{{"hex", ""}}));
}

TEST(Decode, OtherScalars) {
  EXPECT_EQ(decode_value("u8", from_hex("07")), json(7));
  EXPECT_EQ(decode_value("u8", from_hex("0700")), (json{{"hex", "0700"}}));
  EXPECT_EQ(decode_value("u16", from_hex("3412")), json(0x1234));
  EXPECT_EQ(decode_value("u32", from_hex("ffffffff")), json(4294967295u));
  EXPECT_EQ(decode_value("i64", from_hex("feffffffffffffff")), json(-2));
  EXPECT_EQ(decode_value("u64", from_hex("0100000000000000")), json(1));
  EXPECT_EQ(decode_value("in_addr", from_hex("c0000201")), json("192.0.2.1"));
  EXPECT_EQ(decode_value("in_addr", from_hex("c00002")), (json{{"hex", "c00002"}}));
  EXPECT_EQ(decode_value("bytes", from_hex("0102")), json("0102"));
  EXPECT_EQ(decode_value("string", from_hex("64757430")), json("dut0"));
}

TEST(Decode, Structures) {
  EXPECT_EQ(decode_value("ip_mreq", from_hex("e0000001c0000201")),
            (json{{"multiaddr", "224.0.0.1"}, {"interface", "192.0.2.1"}}));
  EXPECT_EQ(decode_value("ip_mreqn", from_hex("e00000fb" "c0000201" "02000000")),
            (json{{"multiaddr", "224.0.0.251"}, {"address", "192.0.2.1"}, {"ifindex", 2}}));
  EXPECT_EQ(decode_value("ip_mreq_source", from_hex("e8010101" "c0000201" "c6336407")),
            (json{{"multiaddr", "232.1.1.1"}, {"interface", "192.0.2.1"}, {"sourceaddr", "198.51.100.7"}}));
  EXPECT_EQ(decode_value("in_pktinfo", from_hex("02000000" "c0000201" "c0000202")),
            (json{{"ifindex", 2}, {"spec_dst", "192.0.2.1"}, {"addr", "192.0.2.2"}}));
  EXPECT_EQ(decode_value("linger", from_hex("01000000" "05000000")), (json{{"onoff", 1}, {"linger", 5}}));
  EXPECT_EQ(decode_value("timeval", from_hex("0100000000000000" "20a1070000000000")),
            (json{{"sec", 1}, {"usec", 500000}}));
  EXPECT_EQ(decode_value("sockaddr_in", from_hex("0200" "1388" "c0000201" + zeros(8))),
            (json{{"family", 2}, {"port", 5000}, {"addr", "192.0.2.1"}}));
  // A structure of the wrong size keeps its bytes.
  EXPECT_EQ(decode_value("ip_mreqn", from_hex("e0000001c0000201")), (json{{"hex", "e0000001c0000201"}}));
}

TEST(Decode, IpMsfilter) {
  auto j = decode_value("ip_msfilter", from_hex("e8010101" "c0000201" "01000000" "02000000" "c6336407" "c0000202"));
  EXPECT_EQ(j, (json{{"multiaddr", "232.1.1.1"},
                     {"interface", "192.0.2.1"},
                     {"fmode", 1},
                     {"numsrc", 2},
                     {"slist", {"198.51.100.7", "192.0.2.2"}}}));
}

TEST(Decode, GroupReqAndGroupFilterRoundTrip) {
  auto gr = decode_value("group_req", encode_value("group_req", {{"interface", 2}, {"group", "224.0.0.1"}}));
  EXPECT_EQ(gr, (json{{"interface", 2}, {"group", {{"family", 2}, {"port", 0}, {"addr", "224.0.0.1"}}}}));

  auto gf = decode_value("group_filter", encode_value("group_filter", {{"interface", 2},
                                                                       {"group", "232.1.1.1"},
                                                                       {"fmode", "MCAST_INCLUDE"},
                                                                       {"slist", {"198.51.100.7"}}}));
  EXPECT_EQ(gf["interface"], 2);
  EXPECT_EQ(gf["group"], (json{{"family", 2}, {"port", 0}, {"addr", "232.1.1.1"}}));
  EXPECT_EQ(gf["fmode"], 1);
  EXPECT_EQ(gf["numsrc"], 1);
  EXPECT_EQ(gf["slist"], json::array({json{{"family", 2}, {"port", 0}, {"addr", "198.51.100.7"}}}));
}

TEST(Render, ReadableText) {
  EXPECT_EQ(render_value("int", 64), "int 64");
  EXPECT_EQ(render_value("in_addr", "192.0.2.1"), "in_addr 192.0.2.1");
  EXPECT_EQ(render_value("linger", {{"onoff", 1}}), "linger {\"onoff\":1}");
}

}  // namespace
}  // namespace ipc::oracle
