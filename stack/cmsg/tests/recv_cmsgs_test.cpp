// The receive-side control buffer against the kernel's recvmsg observations
// for cases/cmsg/recv.toml (dut0 = ifindex 2, 192.0.2.1/24; lo = ifindex 1;
// datagrams from 192.0.2.2:4000 to port 5000). Each test rebuilds the
// buffer byte for byte from the observed cmsgs and controllen.
#include "stack/cmsg/recv_cmsgs.hpp"

#include <gtest/gtest.h>

#include "stack/cmsg/cmsg_abi.hpp"
#include "stack/cmsg/tests/cmsg_test_util.hpp"

namespace ipc::stack::cmsg {
namespace {

using test::cat;
using test::cmsg_bytes;
using test::hex;
using test::le32;
using test::pktinfo;

constexpr const char* kDut = "c0000201";  // 192.0.2.1

DatagramMeta udp_meta(wire::Ipv4Address daddr = {192, 0, 2, 1}) {
  DatagramMeta m;
  m.ifindex = 2;
  m.spec_dst = {192, 0, 2, 1};
  m.daddr = daddr;
  m.saddr = {192, 0, 2, 2};
  m.ttl = 64;
  m.dst_port = 5000;
  m.tstamp_ns = 1'700'000'000'123'456'789;
  return m;
}

RecvControl recv(const socket::IpOptionsState& ip, const DatagramMeta& m, std::uint64_t controllen = 1024) {
  return datagram_recv_control(controllen, ip, {}, m, 0);
}

// cmsg.recv.pktinfo[d=*]: ipi_addr is the header destination, spec_dst the
// interface address; controllen 32 = CMSG_SPACE(12).
TEST(RecvCmsgs, Pktinfo) {
  socket::IpOptionsState ip;
  ip.pktinfo = true;
  for (auto [dst, hexdst] : {std::pair{wire::Ipv4Address{192, 0, 2, 1}, "c0000201"},
                             std::pair{wire::Ipv4Address{192, 0, 2, 255}, "c00002ff"},
                             std::pair{wire::Ipv4Address{255, 255, 255, 255}, "ffffffff"},
                             std::pair{wire::Ipv4Address{239, 1, 2, 3}, "ef010203"}}) {
    auto r = recv(ip, udp_meta(dst));
    EXPECT_EQ(r.controllen, 32u);
    EXPECT_EQ(r.msg_flags, 0);
    EXPECT_EQ(r.control, cmsg_bytes(kSolIp, kIpPktinfo, pktinfo(2, kDut, hexdst))) << hexdst;
  }
}

// cmsg.recv.pktinfo-loopback[d=127.0.0.1]: ifindex 1, spec_dst 127.0.0.1.
TEST(RecvCmsgs, PktinfoLoopback) {
  socket::IpOptionsState ip;
  ip.pktinfo = true;
  DatagramMeta m = udp_meta({127, 0, 0, 1});
  m.ifindex = 1;
  m.spec_dst = {127, 0, 0, 1};
  auto r = recv(ip, m);
  EXPECT_EQ(r.control, cmsg_bytes(kSolIp, kIpPktinfo, pktinfo(1, "7f000001", "7f000001")));
  EXPECT_EQ(r.controllen, 32u);
}

// cmsg.recv.pktinfo-off / pktinfo-toggle: no flag -> controllen 0, flags 0.
TEST(RecvCmsgs, NoFlagsNoControl) {
  auto r = recv(socket::IpOptionsState{}, udp_meta());
  EXPECT_EQ(r.controllen, 0u);
  EXPECT_TRUE(r.control.empty());
  EXPECT_EQ(r.msg_flags, 0);
}

// cmsg.recv.ttl[ttl=*]: an int, controllen 24.
TEST(RecvCmsgs, TtlIsAnInt) {
  socket::IpOptionsState ip;
  ip.recvttl = true;
  for (int ttl : {1, 2, 64, 128, 255}) {
    DatagramMeta m = udp_meta();
    m.ttl = static_cast<std::uint8_t>(ttl);
    auto r = recv(ip, m);
    EXPECT_EQ(r.controllen, 24u);
    EXPECT_EQ(r.msg_flags, 0);
    EXPECT_EQ(r.control, cmsg_bytes(kSolIp, kIpTtl, le32(static_cast<std::uint32_t>(ttl))));
  }
}

// cmsg.recv.tos[tos=*]: one byte, ECN bits kept, controllen 24.
TEST(RecvCmsgs, TosIsAByte) {
  socket::IpOptionsState ip;
  ip.recvtos = true;
  for (int tos : {0x00, 0x10, 0xfc, 0x02, 0x03, 0xff}) {
    DatagramMeta m = udp_meta();
    m.tos = static_cast<std::uint8_t>(tos);
    auto r = recv(ip, m);
    EXPECT_EQ(r.controllen, 24u);
    EXPECT_EQ(r.control, cmsg_bytes(kSolIp, kIpTos, {static_cast<std::uint8_t>(tos)}));
    EXPECT_EQ(test::decode(r.control).at(0).data.size(), 2u);  // the runner sees one byte
  }
}

// cmsg.recv.opts[o=*]: IP_RECVOPTS (6) is the filled-in header options,
// IP_RETOPTS (7) the echo; an echo of NOPs is empty (cmsg_len 16, controllen 16).
TEST(RecvCmsgs, RecvOptsAndRetOpts) {
  struct Case {
    bool retopts;
    std::string options, echo;
    int type;
    std::uint64_t controllen;
  };
  const Case kCases[] = {
      {false, "070b08c00002010000000000", "", kIpRecvOpts, 32},
      {true, "070b08c00002010000000000", "070b08c00002010000000000", kIpRetOpts, 32},
      {false, "01010101", "", kIpRecvOpts, 24},
      {true, "01010101", "", kIpRetOpts, 16},
      {false, "440c0d100000000100000002", "", kIpRecvOpts, 32},
      {true, "440c0d100000000100000002", "440c0d100000000100000002", kIpRetOpts, 32},
  };
  for (const auto& c : kCases) {
    socket::IpOptionsState ip;
    (c.retopts ? ip.retopts : ip.recvopts) = true;
    DatagramMeta m = udp_meta();
    m.options = hex(c.options);
    m.echo_options = hex(c.echo);
    auto r = recv(ip, m);
    auto data = c.retopts ? c.echo : c.options;
    EXPECT_EQ(r.control, cmsg_bytes(kSolIp, c.type, hex(data))) << c.options;
    EXPECT_EQ(r.controllen, c.controllen) << c.options;
    EXPECT_EQ(test::decode(r.control), (std::vector<test::Decoded>{{kSolIp, c.type, data}}));
  }
}

// ip_cmsg_recv_opts/retopts put nothing for a header without options; a
// failed echo sets MSG_CTRUNC and puts nothing.
TEST(RecvCmsgs, OptionsAbsentOrEchoFailed) {
  socket::IpOptionsState ip;
  ip.recvopts = ip.retopts = true;
  auto r = recv(ip, udp_meta());
  EXPECT_EQ(r.controllen, 0u);
  EXPECT_EQ(r.msg_flags, 0);
  DatagramMeta m = udp_meta();
  m.options = hex("01010101");
  m.echo_options.reset();
  r = recv(ip, m);
  EXPECT_EQ(r.control, cmsg_bytes(kSolIp, kIpRecvOpts, hex("01010101")));
  EXPECT_EQ(r.msg_flags, kMsgCtrunc);
}

// cmsg.recv.origdstaddr[d=unicast|broadcast]: sockaddr_in with port 5000.
TEST(RecvCmsgs, OrigDstAddr) {
  socket::IpOptionsState ip;
  ip.recvorigdstaddr = true;
  for (auto [dst, hexdst] : {std::pair{wire::Ipv4Address{192, 0, 2, 1}, "c0000201"},
                             std::pair{wire::Ipv4Address{192, 0, 2, 255}, "c00002ff"}}) {
    auto r = recv(ip, udp_meta(dst));
    EXPECT_EQ(r.controllen, 32u);
    EXPECT_EQ(r.control, cmsg_bytes(kSolIp, kIpOrigDstAddr, hex(std::string("02001388") + hexdst + "0000000000000000")));
  }
  // Without 4 transport bytes ip_cmsg_recv_dstaddr returns silently.
  DatagramMeta m = udp_meta();
  m.dst_port.reset();
  EXPECT_EQ(recv(ip, m).controllen, 0u);
}

// cmsg.recv.all-order: PKTINFO, TTL, TOS, ORIGDSTADDR whatever the setsockopt
// order; 32 + 24 + 24 + 32 = 112.
TEST(RecvCmsgs, FixedOrder) {
  socket::IpOptionsState ip;
  ip.recvorigdstaddr = ip.recvtos = ip.recvttl = ip.pktinfo = true;
  DatagramMeta m = udp_meta();
  m.ttl = 33;
  m.tos = 0x13;
  auto r = recv(ip, m);
  EXPECT_EQ(r.controllen, 112u);
  EXPECT_EQ(r.msg_flags, 0);
  EXPECT_EQ(r.control, cat({cmsg_bytes(kSolIp, kIpPktinfo, pktinfo(2, kDut, kDut)),
                            cmsg_bytes(kSolIp, kIpTtl, le32(33)), cmsg_bytes(kSolIp, kIpTos, {0x13}),
                            cmsg_bytes(kSolIp, kIpOrigDstAddr, hex("02001388c00002010000000000000000"))}));
}

// cmsg.recv.ctrunc[c=*] with IP_PKTINFO + IP_RECVTTL (TTL 64).
TEST(RecvCmsgs, Ctrunc) {
  socket::IpOptionsState ip;
  ip.pktinfo = ip.recvttl = true;
  auto pk = cmsg_bytes(kSolIp, kIpPktinfo, pktinfo(2, kDut, kDut));
  auto r = recv(ip, udp_meta(), 0);
  EXPECT_EQ(r.controllen, 0u);
  EXPECT_EQ(r.msg_flags, kMsgCtrunc);
  r = recv(ip, udp_meta(), 10);
  EXPECT_EQ(r.controllen, 0u);
  EXPECT_EQ(r.msg_flags, kMsgCtrunc);
  r = recv(ip, udp_meta(), 32);
  EXPECT_EQ(r.controllen, 32u);
  EXPECT_EQ(r.msg_flags, kMsgCtrunc);
  EXPECT_EQ(r.control, pk);
  // 52: the TTL's CMSG_LEN(4) = 20 fits exactly after the 32.
  r = recv(ip, udp_meta(), 52);
  EXPECT_EQ(r.controllen, 52u);
  EXPECT_EQ(r.msg_flags, 0);
  EXPECT_EQ(r.control, cat({pk, test::header(20, kSolIp, kIpTtl), le32(64)}));
  // cmsg.recv.peek: 56 with room to spare (TTL 21).
  DatagramMeta m = udp_meta();
  m.ttl = 21;
  r = recv(ip, m);
  EXPECT_EQ(r.controllen, 56u);
  EXPECT_EQ(r.control, cat({pk, cmsg_bytes(kSolIp, kIpTtl, le32(21))}));
}

// cmsg.recv.raw: PKTINFO, TTL 9, TOS 4 -> 80.
TEST(RecvCmsgs, RawSocket) {
  socket::IpOptionsState ip;
  ip.recvttl = ip.pktinfo = ip.recvtos = true;
  DatagramMeta m = udp_meta();
  m.ttl = 9;
  m.tos = 4;
  auto r = recv(ip, m);
  EXPECT_EQ(r.controllen, 80u);
  EXPECT_EQ(r.control, cat({cmsg_bytes(kSolIp, kIpPktinfo, pktinfo(2, kDut, kDut)),
                            cmsg_bytes(kSolIp, kIpTtl, le32(9)), cmsg_bytes(kSolIp, kIpTos, {4})}));
}

// ip_cmsg_recv_offset's tail: IP_CHECKSUM (a __wsum, only CHECKSUM_COMPLETE)
// and IP_RECVFRAGSIZE (an int, only for reassembled datagrams), after
// ORIGDSTADDR; IP_PASSSEC puts nothing without an LSM.
TEST(RecvCmsgs, ChecksumFragsizePasssec) {
  socket::IpOptionsState ip;
  ip.checksum = ip.recvfragsize = ip.passsec = true;
  EXPECT_EQ(recv(ip, udp_meta()).controllen, 0u);
  DatagramMeta m = udp_meta();
  m.checksum = 0x1234abcd;
  m.frag_max_size = 1480;
  ip.recvorigdstaddr = true;
  auto r = recv(ip, m);
  EXPECT_EQ(r.control, cat({cmsg_bytes(kSolIp, kIpOrigDstAddr, hex("02001388c00002010000000000000000")),
                            cmsg_bytes(kSolIp, kIpChecksum, le32(0x1234abcd)),
                            cmsg_bytes(kSolIp, kIpRecvFragsize, le32(1480))}));
}

// __sock_recv_timestamp: SO_TIMESTAMP is a timeval (usec), SO_TIMESTAMPNS a
// timespec, SO_TIMESTAMPING 3 timespecs; SOL_SOCKET cmsgs precede SOL_IP ones.
TEST(RecvCmsgs, Timestamps) {
  socket::IpOptionsState ip;
  ip.recvttl = true;
  DatagramMeta m = udp_meta();
  std::vector<std::uint8_t> tv(16), ts(16), tss(48);
  put_le64(tv, 0, 1'700'000'000);
  put_le64(tv, 8, 123'456);
  put_le64(ts, 0, 1'700'000'000);
  put_le64(ts, 8, 123'456'789);
  std::copy(ts.begin(), ts.end(), tss.begin());
  auto ttl = cmsg_bytes(kSolIp, kIpTtl, le32(64));

  SolSocketRecvFlags f;
  f.rcvtstamp = true;
  EXPECT_EQ(datagram_recv_control(1024, ip, f, m, 0).control, cat({cmsg_bytes(kSolSocket, kSoTimestampOld, tv), ttl}));
  f.rcvtstampns = true;
  EXPECT_EQ(datagram_recv_control(1024, ip, f, m, 0).control, cat({cmsg_bytes(kSolSocket, kSoTimestampNsOld, ts), ttl}));
  f.tstamp_new = true;
  EXPECT_EQ(datagram_recv_control(1024, ip, f, m, 0).control, cat({cmsg_bytes(kSolSocket, kSoTimestampNsNew, ts), ttl}));

  SolSocketRecvFlags g;
  g.tsflags = kTsSoftware | kTsRxSoftware;
  EXPECT_EQ(datagram_recv_control(1024, ip, g, m, 0).control,
            cat({cmsg_bytes(kSolSocket, kSoTimestampingOld, tss), ttl}));
  // RX_SOFTWARE alone reports nothing (no SOFTWARE); OPT_RX_FILTER without
  // RX_SOFTWARE filters the software stamp out.
  g.tsflags = kTsRxSoftware;
  EXPECT_EQ(datagram_recv_control(1024, ip, g, m, 0).control, ttl);
  g.tsflags = kTsSoftware | kTsOptRxFilter;
  EXPECT_EQ(datagram_recv_control(1024, ip, g, m, 0).control, ttl);

  // A stamp asked for but missing on the skb takes the current time.
  m.tstamp_ns = 0;
  EXPECT_EQ(datagram_recv_control(1024, ip, f, m, 1'700'000'000'123'456'789).control,
            cat({cmsg_bytes(kSolSocket, kSoTimestampNsNew, ts), ttl}));
}

// sock_recv_drops / mark / priority: u32s after the timestamp; drops only when non-zero.
TEST(RecvCmsgs, DropsMarkPriority) {
  SolSocketRecvFlags f;
  f.rxq_ovfl = f.rcvmark = f.rcvpriority = true;
  DatagramMeta m = udp_meta();
  m.mark = 7;
  m.priority = 3;
  auto r = datagram_recv_control(1024, {}, f, m, 0);
  EXPECT_EQ(r.control, cat({cmsg_bytes(kSolSocket, kSoMark, le32(7)), cmsg_bytes(kSolSocket, kSoPriority, le32(3))}));
  m.dropcount = 2;
  r = datagram_recv_control(1024, {}, f, m, 0);
  EXPECT_EQ(r.control, cat({cmsg_bytes(kSolSocket, kSoRxqOvfl, le32(2)), cmsg_bytes(kSolSocket, kSoMark, le32(7)),
                            cmsg_bytes(kSolSocket, kSoPriority, le32(3))}));
}

}  // namespace
}  // namespace ipc::stack::cmsg
