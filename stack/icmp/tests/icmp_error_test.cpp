// Expected values from the kernel records of cases/errqueue/*.toml: the DUT
// (192.0.2.1) sent "hello" from port 40000 to 192.0.2.2:9; the peer or the
// router (192.0.2.254) answers with an error quoting it.
#include "stack/icmp/icmp_error.hpp"

#include <cerrno>

#include <gtest/gtest.h>

#include "stack/icmp/tests/test_packets.hpp"

namespace ipc::stack::icmp {
namespace {

using namespace testing;

const Ipv4Address kRouter{192, 0, 2, 254};

Bytes quoted_hello() {
  return ipv4({.src = {192, 0, 2, 1}, .dst = {192, 0, 2, 2}}, udp(40000, 9, 39860, hex("68656c6c6f")));
}

ReceivedIcmpError parsed(const Bytes& message, const IcmpSettings& s = {}, bool bcast = false) {
  auto p = parse_icmp_error(message, kRouter, 64, 0, s, bcast);
  EXPECT_TRUE(std::holds_alternative<ReceivedIcmpError>(p));
  return std::get<ReceivedIcmpError>(p);
}

ErrorDropped dropped(const Bytes& message, const IcmpSettings& s = {}, bool bcast = false) {
  auto p = parse_icmp_error(message, kRouter, 64, 0, s, bcast);
  EXPECT_TRUE(std::holds_alternative<ErrorDropped>(p));
  return std::holds_alternative<ErrorDropped>(p) ? std::get<ErrorDropped>(p) : ErrorDropped::kNotAnError;
}

TEST(IcmpError, QuotedHeaderAndPorts) {
  Bytes q = quoted_hello();
  ASSERT_EQ(ip_checksum_field(q), 63175);
  Bytes m = icmp(3, 3, 0, q);
  ASSERT_EQ(icmp_checksum_field(m), 33055);
  auto e = parsed(m);
  EXPECT_EQ(e.type, 3);
  EXPECT_EQ(e.code, 3);
  EXPECT_EQ(e.info, 0u);
  EXPECT_EQ(e.offender, kRouter);
  EXPECT_EQ(e.quoted.src, Ipv4Address(192, 0, 2, 1));
  EXPECT_EQ(e.quoted.dst, Ipv4Address(192, 0, 2, 2));
  EXPECT_EQ(e.quoted.protocol, 17);
  EXPECT_EQ(e.quoted.ident, 1);
  EXPECT_EQ(e.quoted.source_port(), 40000);
  EXPECT_EQ(e.quoted.dest_port(), 9);
}

TEST(IcmpError, UdpErrnoPerTypeAndCode) {
  // errqueue.udp.icmp: ee_errno for each (type, code), and whether
  // errqueue.udp.so_error would see it without IP_RECVERR (hard).
  struct Row {
    std::uint8_t type, code;
    int ee_errno;
    bool hard;
  };
  for (Row row : {Row{3, 3, 111, true}, Row{3, 0, 101, false}, Row{3, 1, 113, false}, Row{3, 2, 92, true},
                  Row{3, 6, 101, true}, Row{3, 7, 112, true}, Row{3, 9, 101, true}, Row{3, 10, 113, true},
                  Row{3, 13, 113, true}, Row{11, 0, 113, false}, Row{12, 0, 71, true}}) {
    auto e = parsed(icmp(row.type, row.code, 0, quoted_hello()));
    auto s = socket_error(SocketKind::kUdp, e, false);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->err, row.ee_errno) << int(row.type) << "/" << int(row.code);
    EXPECT_EQ(s->hard, row.hard) << int(row.type) << "/" << int(row.code);
    EXPECT_EQ(e.info, 0u);  // ee_info 0
  }
}

TEST(IcmpError, SourceQuenchAndRedirectAreIgnoredByUdpAndRaw) {
  for (std::uint8_t t : {4, 5}) {
    auto e = parsed(icmp(t, t == 5 ? 1 : 0, 0xc0000201, quoted_hello()));
    EXPECT_FALSE(socket_error(SocketKind::kUdp, e, false));
    EXPECT_FALSE(socket_error(SocketKind::kRaw, e, false));
    auto ping = socket_error(SocketKind::kPing, e, false);
    ASSERT_TRUE(ping);
    EXPECT_EQ(ping->err, EREMOTEIO);
  }
  EXPECT_EQ(parsed(icmp(5, 1, 0xc00002fe, quoted_hello())).info, 0xc00002feu);  // the gateway
}

TEST(IcmpError, ErrqueuePayloads) {
  auto e = parsed(icmp(3, 3, 0, quoted_hello()));
  // errqueue.udp.icmp: the quoted UDP payload.
  EXPECT_EQ(Bytes(errqueue_payload(e, SocketKind::kUdp).begin(), errqueue_payload(e, SocketKind::kUdp).end()),
            hex("68656c6c6f"));
  // errqueue.raw.udp: the quoted UDP header and payload.
  auto raw = errqueue_payload(e, SocketKind::kRaw);
  EXPECT_EQ(Bytes(raw.begin(), raw.end()), hex("9c400009000d9bb468656c6c6f"));
  auto hdrincl = errqueue_payload(e, SocketKind::kRaw, true);
  EXPECT_EQ(hdrincl.size(), 33u);
}

TEST(IcmpError, PingErrorQuotesTheEchoHeader) {
  // errqueue.raw.ping: host unreachable from the router for echo id 5446 seq 1.
  Bytes echo = icmp(8, 0, std::uint32_t{5446} << 16 | 1, {});
  ASSERT_EQ(icmp_checksum_field(echo), 58040);
  Bytes q = ipv4({.src = {192, 0, 2, 1}, .dst = {192, 0, 2, 2}, .protocol = 1}, echo);
  Bytes m = icmp(3, 1, 0, q);
  ASSERT_EQ(icmp_checksum_field(m), 64766);
  auto e = parsed(m);
  EXPECT_EQ(e.quoted.icmp_type(), 8);
  EXPECT_EQ(e.quoted.echo_ident(), 5446);
  auto s = socket_error(SocketKind::kPing, e, false);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->err, 113);
  auto p = errqueue_payload(e, SocketKind::kPing);
  EXPECT_EQ(Bytes(p.begin(), p.end()), hex("0800e2b815460001"));
}

Bytes frag_needed_msg(std::uint16_t mtu, std::uint8_t protocol = 17) {
  Bytes q = ipv4({.src = {192, 0, 2, 1}, .dst = {198, 51, 100, 7}, .protocol = protocol, .dont_frag = true},
                 udp(40000, 9, 30536, Bytes(8, 0)));
  return icmp(3, 4, mtu, q);
}

TEST(IcmpError, FragNeededCarriesTheMtu) {
  // errqueue.pmtu.frag-needed[m=576]: ee_errno EMSGSIZE (90), ee_info 576.
  Bytes m = frag_needed_msg(576);
  ASSERT_EQ(icmp_checksum_field(m), 59161);
  auto e = parsed(m);
  EXPECT_TRUE(e.is_frag_needed());
  EXPECT_EQ(e.info, 576u);
  auto s = socket_error(SocketKind::kUdp, e, false);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->err, 90);
  EXPECT_TRUE(s->hard);
  EXPECT_FALSE(socket_error(SocketKind::kUdp, e, true));  // IP_PMTUDISC_DONT: only the PMTU update
  auto raw = socket_error(SocketKind::kRaw, e, true);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->err, EMSGSIZE);
  EXPECT_FALSE(raw->hard);
}

TEST(IcmpError, IpNoPmtuDisc) {
  IcmpSettings s;
  s.ip_no_pmtu_disc = 1;
  EXPECT_EQ(parsed(frag_needed_msg(1400), s).info, 0u);
  s.ip_no_pmtu_disc = 2;
  EXPECT_EQ(dropped(frag_needed_msg(1400), s), ErrorDropped::kNoPmtuDisc);
  s.ip_no_pmtu_disc = 3;
  EXPECT_EQ(dropped(frag_needed_msg(1400), s), ErrorDropped::kNoPmtuDisc);
  EXPECT_EQ(parsed(frag_needed_msg(1400, 6), s).info, 1400u);
}

TEST(IcmpError, ParameterProblemPointer) {
  auto e = parsed(icmp(12, 0, std::uint32_t{21} << 24, quoted_hello()));
  EXPECT_EQ(e.info, 21u);
  EXPECT_EQ(socket_error(SocketKind::kRaw, e, false)->err, EPROTO);
}

TEST(IcmpError, DropRules) {
  EXPECT_EQ(dropped(icmp(11, 1, 0, quoted_hello())), ErrorDropped::kReassemblyTimeout);
  EXPECT_EQ(dropped(icmp(3, 16, 0, quoted_hello())), ErrorDropped::kBadCode);
  Bytes q = quoted_hello();
  EXPECT_EQ(dropped(icmp(3, 3, 0, Bytes(q.begin(), q.begin() + 19))), ErrorDropped::kTooShort);
  EXPECT_EQ(dropped(icmp(3, 3, 0, Bytes(q.begin(), q.begin() + 27))), ErrorDropped::kQuoteTooShort);
  EXPECT_EQ(parsed(icmp(3, 3, 0, Bytes(q.begin(), q.begin() + 28))).quoted.dest_port(), 9);
  Bytes bad_ihl = q;
  bad_ihl[0] = 0x44;
  EXPECT_EQ(dropped(icmp(3, 3, 0, bad_ihl)), ErrorDropped::kBadQuotedHeader);
  EXPECT_EQ(dropped(icmp(8, 0, 0, q)), ErrorDropped::kNotAnError);
}

TEST(IcmpError, BogusBroadcastErrorsDroppedOnlyWhenNotIgnoringBogusResponses) {
  IcmpSettings s;
  EXPECT_EQ(parsed(icmp(3, 3, 0, quoted_hello()), s, true).code, 3);
  s.ignore_bogus_error_responses = false;
  EXPECT_EQ(dropped(icmp(3, 3, 0, quoted_hello()), s, true), ErrorDropped::kBogusBroadcast);
  EXPECT_EQ(parsed(icmp(3, 3, 0, quoted_hello()), s, false).code, 3);
}

TEST(IcmpError, ErrConvertTable) {
  EXPECT_EQ(icmp_err_convert(5).err, EOPNOTSUPP);
  EXPECT_EQ(icmp_err_convert(8).err, ENONET);
  EXPECT_TRUE(icmp_err_convert(8).hard);
  EXPECT_FALSE(icmp_err_convert(11).hard);
  EXPECT_EQ(icmp_err_convert(15).err, EHOSTUNREACH);
}

// A dest unreachable with an RFC 4884 extension after a 128-byte original
// datagram field (length 32 words).
Bytes with_extension(bool good_checksum) {
  Bytes original = ipv4({.src = {192, 0, 2, 1}, .dst = {192, 0, 2, 2}}, udp(40000, 9, 0, counting(100)));
  EXPECT_EQ(original.size(), 128u);
  Bytes ext = hex("20000000" "00080101" "c0000201");  // version 2, one 8-byte object
  wire::Checksum c;
  c.add(ext);
  std::uint16_t sum = c.finish();
  ext[2] = static_cast<std::uint8_t>(sum >> 8);
  ext[3] = static_cast<std::uint8_t>(sum);
  if (!good_checksum) ext[3] ^= 1;
  return icmp(3, 1, std::uint32_t{32} << 16, cat(original, ext));
}

TEST(IcmpError, Rfc4884Extension) {
  auto e = parsed(with_extension(true));
  // UDP's payload starts 28 bytes into the original datagram: 128 - 28.
  EXPECT_EQ(rfc4884_info(e, SocketKind::kUdp), (Rfc4884Info{100, false}));
  EXPECT_EQ(rfc4884_info(e, SocketKind::kRaw), (Rfc4884Info{108, false}));
  EXPECT_EQ(rfc4884_info(parsed(with_extension(false)), SocketKind::kUdp), (Rfc4884Info{100, true}));
  // Without the length field there is nothing to report.
  EXPECT_EQ(rfc4884_info(parsed(icmp(3, 1, 0, quoted_hello())), SocketKind::kUdp), Rfc4884Info{});
}

}  // namespace
}  // namespace ipc::stack::icmp
