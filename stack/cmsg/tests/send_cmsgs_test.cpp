// sendmsg control buffers against the kernel's answers for
// cases/cmsg/send.toml (and wire.ttl_tos.cmsg-*): each buffer is built as the
// runner builds it (cmsg_len = CMSG_LEN(bytes), headers CMSG_SPACE apart).
#include "stack/cmsg/send_cmsgs.hpp"

#include <cerrno>

#include <gtest/gtest.h>

#include "stack/cmsg/cmsg_abi.hpp"
#include "stack/cmsg/cmsg_walk.hpp"
#include "stack/cmsg/tests/cmsg_test_util.hpp"

namespace ipc::stack::cmsg {
namespace {

using test::cat;
using test::cmsg_bytes;
using test::hex;
using test::le32;

struct Parsed {
  int err;
  IpcmCookie ipc;
};

Parsed parse(const std::vector<std::uint8_t>& ctl, const SendFacts& f = {}) {
  Parsed p{0, ipcm_init_sk({}, 0, 17, 0, 0, 0)};
  p.err = udp_cmsg_send(ctl, f, p.ipc);
  return p;
}

std::vector<std::uint8_t> ip(int type, const std::vector<std::uint8_t>& data) { return cmsg_bytes(kSolIp, type, data); }

// cmsg.send.pktinfo[p=*] and pktinfo-overrides-bind: oif = ipi_ifindex,
// addr = ipi_spec_dst, ipi_addr ignored. (The routing errors of
// pktinfo-bad -- ENETUNREACH, EINVAL, ENODEV -- come later, from the route.)
TEST(SendCmsgs, Pktinfo) {
  auto p = parse(ip(kIpPktinfo, test::pktinfo(0, "c0000201", "00000000")));
  EXPECT_EQ(p.err, 0);
  EXPECT_EQ(p.ipc.oif, 0);
  EXPECT_EQ(p.ipc.addr, (wire::Ipv4Address{192, 0, 2, 1}));
  p = parse(ip(kIpPktinfo, test::pktinfo(2, "00000000", "00000000")));
  EXPECT_EQ(p.err, 0);
  EXPECT_EQ(p.ipc.oif, 2);
  EXPECT_TRUE(p.ipc.addr.is_unspecified());
  p = parse(ip(kIpPktinfo, test::pktinfo(0, "00000000", "c6336409")));
  EXPECT_EQ(p.err, 0);
  EXPECT_TRUE(p.ipc.addr.is_unspecified());
  p = parse(ip(kIpPktinfo, test::pktinfo(99, "00000000", "00000000")));
  EXPECT_EQ(p.err, 0);
  EXPECT_EQ(p.ipc.oif, 99);
  // pktinfo-bad[p=an 8-byte struct]: EINVAL.
  EXPECT_EQ(parse(ip(kIpPktinfo, hex("00000000c0000201"))).err, EINVAL);
}

// cmsg.send.ttl[ttl=*] / ttl-bad[t=*]: an int 1..255, nothing else.
TEST(SendCmsgs, Ttl) {
  for (std::uint32_t ttl : {1u, 2u, 128u, 255u}) {
    auto p = parse(ip(kIpTtl, le32(ttl)));
    EXPECT_EQ(p.err, 0);
    EXPECT_EQ(p.ipc.ttl, ttl);
  }
  for (std::uint32_t bad : {0u, 256u, 0xffffffffu}) EXPECT_EQ(parse(ip(kIpTtl, le32(bad))).err, EINVAL) << bad;
  EXPECT_EQ(parse(ip(kIpTtl, {5})).err, EINVAL);        // as a byte
  EXPECT_EQ(parse(ip(kIpTtl, {5, 0})).err, EINVAL);     // as u16
  EXPECT_EQ(parse({}).ipc.ttl, 0);                       // not given
}

// cmsg.send.tos[t=*] / tos-bad[t=*]: an int or a byte, 0..255; the priority follows.
TEST(SendCmsgs, Tos) {
  struct Case {
    std::vector<std::uint8_t> data;
    int tos;
  };
  const Case kOk[] = {{le32(0x10), 0x10}, {le32(0x13), 0x13}, {{0x13}, 0x13}, {{0xfc}, 0xfc}, {le32(0), 0}};
  for (const auto& c : kOk) {
    auto p = parse(ip(kIpTos, c.data));
    EXPECT_EQ(p.err, 0);
    EXPECT_EQ(p.ipc.tos, c.tos);
    EXPECT_EQ(p.ipc.sockc.priority, rt_tos2priority(static_cast<std::uint8_t>(c.tos)));
  }
  EXPECT_EQ(parse(ip(kIpTos, le32(0x10))).ipc.sockc.priority, 6u);  // IPTOS_LOWDELAY -> TC_PRIO_INTERACTIVE
  EXPECT_EQ(parse(ip(kIpTos, le32(256))).err, EINVAL);
  EXPECT_EQ(parse(ip(kIpTos, le32(0xffffffffu))).err, EINVAL);
  EXPECT_EQ(parse(ip(kIpTos, {16, 0})).err, EINVAL);
  EXPECT_EQ(parse({}).ipc.tos, -1);
}

// cmsg.send.retopts[o=RR|4 NOPs]: compiled as IP_OPTIONS is (skb == NULL:
// the RR pointer already advanced for our address, rr_needaddr), padded to 4.
TEST(SendCmsgs, RetOpts) {
  auto p = parse(ip(kIpRetOpts, hex("070b040000000000000000")));
  EXPECT_EQ(p.err, 0);
  ASSERT_TRUE(p.ipc.opt);
  EXPECT_EQ(p.ipc.opt->data, hex("070b08000000000000000000"));
  EXPECT_EQ(p.ipc.opt->rr, 0);
  EXPECT_TRUE(p.ipc.opt->rr_needaddr);
  p = parse(ip(kIpRetOpts, hex("01010101")));
  EXPECT_EQ(p.err, 0);
  EXPECT_EQ(p.ipc.opt->data, hex("01010101"));
  // An option the compiler refuses (RR pointer 3) is EINVAL.
  EXPECT_EQ(parse(ip(kIpRetOpts, hex("070703000000"))).err, EINVAL);
}

// cmsg.send.other[c=*].
TEST(SendCmsgs, OtherTypesAndLevels) {
  EXPECT_EQ(parse(ip(kIpOptions, hex("01010101"))).err, EINVAL);
  EXPECT_EQ(parse(ip(12, le32(1))).err, EINVAL);
  EXPECT_EQ(parse(ip(99, le32(1))).err, EINVAL);
  auto p = parse(cmsg_bytes(kSolSocket, kSoMark, le32(1)));
  EXPECT_EQ(p.err, 0);
  EXPECT_EQ(p.ipc.sockc.mark, 1u);
  EXPECT_EQ(parse(cmsg_bytes(kSolSocket, 999, le32(1))).err, EINVAL);
  EXPECT_EQ(parse(cmsg_bytes(6, 1, le32(1))).err, 0);
}

// __sock_cmsg_send details.
TEST(SendCmsgs, SolSocket) {
  SendFacts nocap;
  nocap.cap_net_raw = nocap.cap_net_admin = false;
  // SO_MARK: the capability is checked before the length.
  EXPECT_EQ(parse(cmsg_bytes(kSolSocket, kSoMark, {1}), nocap).err, EPERM);
  EXPECT_EQ(parse(cmsg_bytes(kSolSocket, kSoMark, {1})).err, EINVAL);
  // SO_PRIORITY: length, then 0..6 or a capability.
  EXPECT_EQ(parse(cmsg_bytes(kSolSocket, kSoPriority, le32(6)), nocap).err, 0);
  EXPECT_EQ(parse(cmsg_bytes(kSolSocket, kSoPriority, le32(7)), nocap).err, EPERM);
  EXPECT_EQ(parse(cmsg_bytes(kSolSocket, kSoPriority, le32(7))).ipc.sockc.priority, 7u);
  // SO_TIMESTAMPING: only TX record bits; they replace the socket's.
  auto p = parse(cmsg_bytes(kSolSocket, kSoTimestampingOld, le32(kTsTxSoftware)));
  EXPECT_EQ(p.err, 0);
  EXPECT_EQ(p.ipc.sockc.tsflags, kTsTxSoftware);
  EXPECT_EQ(parse(cmsg_bytes(kSolSocket, kSoTimestampingNew, le32(kTsRxSoftware))).err, EINVAL);
  // SCM_TXTIME needs SO_TXTIME and a u64.
  std::vector<std::uint8_t> t(8, 0);
  put_le64(t, 0, 123456789);
  EXPECT_EQ(parse(cmsg_bytes(kSolSocket, kScmTxtime, t)).err, EINVAL);
  SendFacts txtime;
  txtime.txtime = true;
  EXPECT_EQ(parse(cmsg_bytes(kSolSocket, kScmTxtime, t), txtime).ipc.sockc.transmit_time, 123456789u);
  EXPECT_EQ(parse(cmsg_bytes(kSolSocket, kScmTxtime, le32(1)), txtime).err, EINVAL);
  // SCM_TS_OPT_ID needs SOF_TIMESTAMPING_OPT_ID on the socket.
  EXPECT_EQ(parse(cmsg_bytes(kSolSocket, kScmTsOptId, le32(5))).err, EINVAL);
  SendFacts optid;
  optid.sk_tsflags = kTsOptId;
  p = parse(cmsg_bytes(kSolSocket, kScmTsOptId, le32(5)), optid);
  EXPECT_EQ(p.ipc.sockc.ts_opt_id, 5u);
  EXPECT_EQ(p.ipc.sockc.tsflags & kSockcmFlagTsOptId, kSockcmFlagTsOptId);
  // SCM_RIGHTS / SCM_CREDENTIALS are accepted and ignored.
  EXPECT_EQ(parse(cmsg_bytes(kSolSocket, kScmRights, le32(3))).err, 0);
}

// The walk: CMSG_OK on each header, headers CMSG_ALIGN(cmsg_len) apart,
// a trailing partial header ignored, a zero-filled tail header refused.
TEST(SendCmsgs, Walk) {
  auto ttl = ip(kIpTtl, le32(7));
  // controllen shorter than a header: no header at all.
  EXPECT_EQ(parse(std::vector<std::uint8_t>(ttl.begin(), ttl.begin() + 10)).err, 0);
  // cmsg_len shorter than a header, or longer than what is left: EINVAL.
  auto bad = ttl;
  put_le64(bad, 0, 8);
  EXPECT_EQ(parse(bad).err, EINVAL);
  put_le64(bad, 0, 25);
  EXPECT_EQ(parse(bad).err, EINVAL);
  // The last header's padding may be cut (CMSG_LEN fits): fine.
  EXPECT_EQ(parse(std::vector<std::uint8_t>(ttl.begin(), ttl.begin() + 20)).ipc.ttl, 7);
  // A controllen 16 bytes over: a zero header follows -> cmsg_len 0 -> EINVAL;
  // 15 over: no room for another header -> fine.
  auto tail16 = cat({ttl, std::vector<std::uint8_t>(16, 0)});
  EXPECT_EQ(parse(tail16).err, EINVAL);
  auto tail15 = cat({ttl, std::vector<std::uint8_t>(15, 0)});
  EXPECT_EQ(parse(tail15).err, 0);
  // Two headers: both applied, in order; the second IP_TTL wins.
  auto p = parse(cat({ttl, ip(kIpTos, {0x10}), ip(kIpTtl, le32(9))}));
  EXPECT_EQ(p.err, 0);
  EXPECT_EQ(p.ipc.ttl, 9);
  EXPECT_EQ(p.ipc.tos, 0x10);
  // The walker reports offsets CMSG_SPACE apart.
  auto two = cat({ip(kIpTos, {1}), ttl});
  CmsgWalker w(two);
  EXPECT_EQ(w.next()->offset, 0u);
  EXPECT_EQ(w.next()->offset, 24u);
  EXPECT_FALSE(w.next());
}

// udp_cmsg_send runs over the whole buffer first: a bad SOL_UDP header wins
// over an earlier bad SOL_IP one; UDP_SEGMENT is a u16.
TEST(SendCmsgs, SolUdp) {
  std::vector<std::uint8_t> seg = {0xa0, 0x05};
  auto p = parse(cmsg_bytes(kSolUdp, kUdpSegment, seg));
  EXPECT_EQ(p.err, 0);
  EXPECT_EQ(p.ipc.gso_size, 1440);
  EXPECT_EQ(parse(cmsg_bytes(kSolUdp, kUdpSegment, le32(1440))).err, EINVAL);
  EXPECT_EQ(parse(cmsg_bytes(kSolUdp, 1, seg)).err, EINVAL);
  auto both = cat({ip(kIpTtl, le32(0)), cmsg_bytes(kSolUdp, kUdpSegment, seg)});
  p = parse(both);
  EXPECT_EQ(p.err, EINVAL);
  EXPECT_EQ(p.ipc.gso_size, 1440);  // set before ip_cmsg_send failed
}

// IP_PROTOCOL: an int 1..255.
TEST(SendCmsgs, Protocol) {
  auto p = parse(ip(kIpProtocol, le32(132)));
  EXPECT_EQ(p.err, 0);
  EXPECT_EQ(p.ipc.protocol, 132);
  EXPECT_EQ(parse(ip(kIpProtocol, le32(0))).err, EINVAL);
  EXPECT_EQ(parse(ip(kIpProtocol, {6})).err, EINVAL);
}

// ____sys_sendmsg: > INT_MAX or beyond optmem_max (past the 36-byte stack
// buffer) -> ENOBUFS.
TEST(SendCmsgs, ControllenLimits) {
  EXPECT_EQ(check_send_controllen(0, 131072), 0);
  EXPECT_EQ(check_send_controllen(36, 0), 0);
  EXPECT_EQ(check_send_controllen(37, 36), ENOBUFS);
  EXPECT_EQ(check_send_controllen(131071, 131072), 0);
  EXPECT_EQ(check_send_controllen(131072, 131072), ENOBUFS);
  EXPECT_EQ(check_send_controllen(std::uint64_t{1} << 31, std::uint64_t{1} << 40), ENOBUFS);
}

}  // namespace
}  // namespace ipc::stack::cmsg
