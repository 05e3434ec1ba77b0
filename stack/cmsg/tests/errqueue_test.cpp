// MSG_ERRQUEUE reads against the kernel's observations for
// cases/errqueue/{udp,pmtu,raw}.toml (dut 192.0.2.1, peer 192.0.2.2, router
// 192.0.2.254, remote 198.51.100.7).
#include "stack/cmsg/errqueue.hpp"

#include <gtest/gtest.h>

#include "stack/cmsg/cmsg_abi.hpp"
#include "stack/cmsg/tests/cmsg_test_util.hpp"

namespace ipc::stack::cmsg {
namespace {

using test::cat;
using test::cmsg_bytes;
using test::hex;
using test::le32;

// The IP_RECVERR data as the runner decodes it: ee fields then sockaddr_in.
std::vector<std::uint8_t> errhdr(std::uint32_t err, std::uint8_t origin, std::uint8_t type, std::uint8_t code,
                                 std::uint32_t info, const std::string& offender_sin) {
  return cat({le32(err), {origin, type, code, 0}, le32(info), le32(0), hex(offender_sin)});
}

ErrQueueEntry icmp_entry(std::uint32_t err, std::uint8_t type, std::uint8_t code, wire::Ipv4Address from) {
  ErrQueueEntry e;
  e.ee = {err, kEeOriginIcmp, type, code, 0, 0, 0};
  e.addr = {192, 0, 2, 2};
  e.port = 9;
  e.payload = hex("68656c6c6f");
  e.meta.saddr = from;
  e.meta.daddr = {192, 0, 2, 1};
  e.meta.ifindex = 2;
  e.meta.ttl = 64;
  return e;
}

// errqueue.udp.icmp[i=*,src=*]: ret 5, data the quoted payload, msg_name the
// quoted destination, MSG_ERRQUEUE, controllen 48, offender the ICMP source.
TEST(ErrQueue, IcmpErrors) {
  struct Case {
    std::uint32_t err;
    std::uint8_t type, code;
  };
  const Case kCases[] = {{111, 3, 3}, {101, 3, 0}, {113, 3, 1}, {92, 3, 2},  {101, 3, 6}, {112, 3, 7},
                         {101, 3, 9}, {113, 3, 10}, {113, 3, 13}, {113, 11, 0}, {71, 12, 0}};
  for (auto [from, sin] : {std::pair{wire::Ipv4Address{192, 0, 2, 2}, "02000000c00002020000000000000000"},
                           std::pair{wire::Ipv4Address{192, 0, 2, 254}, "02000000c00002fe0000000000000000"}}) {
    for (const auto& c : kCases) {
      auto r = ip_recv_error(icmp_entry(c.err, c.type, c.code, from), 2048, 1024, {}, {}, 0);
      EXPECT_EQ(r.ret, 5);
      EXPECT_EQ(r.data, hex("68656c6c6f"));
      EXPECT_EQ(r.msg_flags, kMsgErrqueue);
      ASSERT_TRUE(r.name);
      EXPECT_EQ(std::vector<std::uint8_t>(r.name->begin(), r.name->end()), hex("02000009c00002020000000000000000"));
      EXPECT_EQ(r.controllen, 48u);
      EXPECT_EQ(r.control, cmsg_bytes(kSolIp, kIpRecvErr, errhdr(c.err, 2, c.type, c.code, 0, sin)));
    }
  }
}

// errqueue.pmtu.frag-needed[m=*]: ee_info the MTU, offender the router, the
// 8 quoted payload bytes as data.
TEST(ErrQueue, FragNeeded) {
  for (std::uint32_t mtu : {1400u, 1280u, 576u}) {
    ErrQueueEntry e = icmp_entry(90, 3, 4, {192, 0, 2, 254});
    e.ee.ee_info = mtu;
    e.addr = {198, 51, 100, 7};
    e.payload = hex("0000000000000000");
    auto r = ip_recv_error(e, 2048, 1024, {}, {}, 0);
    EXPECT_EQ(r.ret, 8);
    EXPECT_EQ(r.control, cmsg_bytes(kSolIp, kIpRecvErr, errhdr(90, 2, 3, 4, mtu, "02000000c00002fe0000000000000000")));
    EXPECT_EQ(std::vector<std::uint8_t>(r.name->begin(), r.name->end()), hex("02000009c6336407" "0000000000000000"));
  }
}

// errqueue.pmtu.local[s=1373-byte]: ip_local_error: origin LOCAL, no data,
// msg_name still the destination, offender all zero (AF_UNSPEC), and no IP
// cmsgs even with flags on.
TEST(ErrQueue, LocalError) {
  ErrQueueEntry e;
  e.ee = {90, kEeOriginLocal, 0, 0, 0, 1400, 0};
  e.addr = {198, 51, 100, 7};
  e.port = 9;
  socket::IpOptionsState ip;
  ip.recvttl = true;
  auto r = ip_recv_error(e, 2048, 1024, ip, {}, 0);
  EXPECT_EQ(r.ret, 0);
  EXPECT_TRUE(r.data.empty());
  EXPECT_EQ(r.msg_flags, kMsgErrqueue);
  EXPECT_EQ(r.controllen, 48u);
  EXPECT_EQ(r.control, cmsg_bytes(kSolIp, kIpRecvErr, errhdr(90, 1, 0, 0, 1400, "00000000000000000000000000000000")));
  ASSERT_TRUE(r.name);
}

// errqueue.udp.with-cmsgs[o=IP_RECVTTL|IP_RECVTOS]: the ICMP packet's own
// TTL 50 / TOS 0x20 come first; 24 + 48 = 72.
TEST(ErrQueue, QuotedPacketCmsgsFirst) {
  ErrQueueEntry e = icmp_entry(111, 3, 3, {192, 0, 2, 2});
  e.meta.ttl = 50;
  e.meta.tos = 0x20;
  auto recverr = cmsg_bytes(kSolIp, kIpRecvErr, errhdr(111, 2, 3, 3, 0, "02000000c00002020000000000000000"));
  socket::IpOptionsState ttl;
  ttl.recvttl = true;
  auto r = ip_recv_error(e, 2048, 1024, ttl, {}, 0);
  EXPECT_EQ(r.controllen, 72u);
  EXPECT_EQ(r.control, cat({cmsg_bytes(kSolIp, kIpTtl, le32(50)), recverr}));
  socket::IpOptionsState tos;
  tos.recvtos = true;
  r = ip_recv_error(e, 2048, 1024, tos, {}, 0);
  EXPECT_EQ(r.controllen, 72u);
  EXPECT_EQ(r.control, cat({cmsg_bytes(kSolIp, kIpTos, {0x20}), recverr}));
}

// errqueue.raw.udp[r=on]: a raw socket's entry carries the quoted UDP header
// and payload (13 bytes); errqueue.raw.ping[r=on]: the echo request, EHOSTUNREACH.
TEST(ErrQueue, RawAndPing) {
  ErrQueueEntry e = icmp_entry(111, 3, 3, {192, 0, 2, 2});
  e.payload = hex("9c400009000d9bb468656c6c6f");
  auto r = ip_recv_error(e, 2048, 1024, {}, {}, 0);
  EXPECT_EQ(r.ret, 13);
  EXPECT_EQ(r.data, e.payload);
  EXPECT_EQ(r.controllen, 48u);
  ErrQueueEntry p = icmp_entry(113, 3, 1, {192, 0, 2, 254});
  p.payload = hex("0800e2b815460001");
  p.port = 0;
  r = ip_recv_error(p, 2048, 1024, {}, {}, 0);
  EXPECT_EQ(r.ret, 8);
  EXPECT_EQ(r.control, cmsg_bytes(kSolIp, kIpRecvErr, errhdr(113, 2, 3, 1, 0, "02000000c00002fe0000000000000000")));
  EXPECT_EQ(r.msg_flags, kMsgErrqueue);
}

// ip_recv_error: a short iovec cuts the payload and sets MSG_TRUNC (the
// return is what was copied); a short control buffer cuts IP_RECVERR.
TEST(ErrQueue, Truncation) {
  auto r = ip_recv_error(icmp_entry(111, 3, 3, {192, 0, 2, 2}), 2, 1024, {}, {}, 0);
  EXPECT_EQ(r.ret, 2);
  EXPECT_EQ(r.data, hex("6865"));
  EXPECT_EQ(r.msg_flags, kMsgErrqueue | kMsgTrunc);
  r = ip_recv_error(icmp_entry(111, 3, 3, {192, 0, 2, 2}), 2048, 40, {}, {}, 0);
  EXPECT_EQ(r.controllen, 40u);
  EXPECT_EQ(r.msg_flags, kMsgErrqueue | kMsgCtrunc);
  EXPECT_EQ(get_le64(r.control, 0), 40u);
}

// Origins other than ICMP/LOCAL (timestamping): no msg_name without a port,
// no offender and no IP cmsgs unless SOF_TIMESTAMPING_OPT_CMSG and an ifindex,
// and then ipi_spec_dst is the header's saddr.
TEST(ErrQueue, TimestampingOrigin) {
  ErrQueueEntry e;
  e.ee = {42, kEeOriginTimestamping, 0, 0, 0, 0, 0};  // ENOMSG
  e.meta.saddr = {192, 0, 2, 1};
  e.meta.daddr = {192, 0, 2, 2};
  e.meta.ifindex = 2;
  socket::IpOptionsState ip;
  ip.pktinfo = true;
  auto r = ip_recv_error(e, 2048, 1024, ip, {}, 0);
  EXPECT_FALSE(r.name);
  EXPECT_EQ(r.control, cmsg_bytes(kSolIp, kIpRecvErr, errhdr(42, 4, 0, 0, 0, "00000000000000000000000000000000")));
  SolSocketRecvFlags f;
  f.tsflags = kTsOptCmsg;
  r = ip_recv_error(e, 2048, 1024, ip, f, 0);
  EXPECT_EQ(r.control, cat({cmsg_bytes(kSolIp, kIpPktinfo, test::pktinfo(2, "c0000201", "c0000202")),
                            cmsg_bytes(kSolIp, kIpRecvErr, errhdr(42, 4, 0, 0, 0, "02000000c00002010000000000000000"))}));
}

}  // namespace
}  // namespace ipc::stack::cmsg
