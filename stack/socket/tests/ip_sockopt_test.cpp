// Each test names the case in cases/sockopt/*.toml (or cases/multicast/) whose
// 6.18 expectations it mirrors.
#include "stack/socket/ip_sockopt.hpp"

#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

#include "stack/socket/ip_sockopt_names.hpp"

namespace ipc::stack::socket {
namespace {

using namespace ipopt;

SocketFacts udp() { return {.type = SockType::Dgram}; }
SocketFacts tcp() { return {.type = SockType::Stream}; }
SocketFacts raw(int proto) { return {.type = SockType::Raw, .protocol = proto}; }

struct Sock {
  SocketFacts f;
  IpOptionsState s;
  explicit Sock(SocketFacts facts) : f(facts), s(initial_ip_options(facts)) {}

  int set(int opt, int v, int optlen = 4, int level = kSolIp) {
    std::uint8_t b[8] = {};
    std::memcpy(b, &v, sizeof v);
    return ip_setsockopt(s, f, level, opt, std::span<const std::uint8_t>(b, 8), optlen).err;
  }
  int set_bytes(int opt, std::vector<std::uint8_t> b) {
    return ip_setsockopt(s, f, opt, b, static_cast<int>(b.size())).err;
  }
  SockoptResult get(int opt, int optlen = 4, int level = kSolIp) const {
    return ip_getsockopt(s, f, level, opt, optlen);
  }
  int value(int opt) const {
    const auto r = get(opt);
    EXPECT_EQ(r.err, 0);
    EXPECT_EQ(r.optlen, 4);
    int v = 0;
    std::memcpy(&v, r.value.data(), 4);
    return v;
  }
};

// sockopt.generic.unknown-optname-set / -get
TEST(IpSockopt, UnknownOptnames) {
  for (const auto& f : {udp(), tcp(), raw(17), raw(1), raw(255)}) {
    for (int opt : {0, 27, 31, 53, 60, 199, 213, 255, 1000, -1}) {
      Sock s(f);
      EXPECT_EQ(s.set(opt, 1), ENOPROTOOPT) << opt;
      const auto r = s.get(opt);
      EXPECT_EQ(r.err, ENOPROTOOPT) << opt;
      EXPECT_EQ(r.optlen, 4);
    }
  }
}

// sockopt.generic.mroute-range-set / -get
TEST(IpSockopt, MrouteRangeIsEopnotsupp) {
  for (int opt : {200, 206, 212}) {
    Sock s(raw(17));
    EXPECT_EQ(s.set(opt, 0), EOPNOTSUPP);
    EXPECT_EQ(s.get(opt).err, EOPNOTSUPP);
  }
}

// sockopt.generic.netfilter-range-set / -get
TEST(IpSockopt, NetfilterRange) {
  Sock s(udp());
  EXPECT_EQ(s.set(64, 0), EINVAL);
  EXPECT_EQ(s.set(65, 0), EINVAL);
  EXPECT_EQ(s.set(96, 0), EINVAL);
  EXPECT_EQ(s.set(99, 0), ENOPROTOOPT);
  for (int opt : {64, 67, 96, 99}) EXPECT_EQ(s.get(opt).err, EINVAL);
}

// sockopt.generic.unknown-level-set / -get, sockopt.generic.sol_ip-alias
TEST(IpSockopt, Levels) {
  Sock s(udp());
  EXPECT_EQ(s.set(kTtl, 1, 4, 42), ENOPROTOOPT);
  EXPECT_EQ(s.get(kTtl, 4, 42).err, EOPNOTSUPP);
  EXPECT_EQ(s.set(kTtl, 33, 4, 0), 0);
  EXPECT_EQ(s.value(kTtl), 33);
}

// sockopt.generic.negative-optlen-set / -get
TEST(IpSockopt, NegativeOptlen) {
  Sock s(udp());
  EXPECT_EQ(s.set(kTtl, 1, -1), EINVAL);
  EXPECT_EQ(s.set(31, 1, -100), EINVAL);
  EXPECT_EQ(s.set(2, 1, -1, 42), EINVAL);
  EXPECT_EQ(s.get(kTos, -1).err, EINVAL);
  EXPECT_EQ(s.get(kTos, -1).optlen, -1);
  EXPECT_EQ(s.get(31, -1).err, EINVAL);
  EXPECT_EQ(s.get(2, -1, 42).err, EOPNOTSUPP);
}

// sockopt.generic.zero-optlen-get
TEST(IpSockopt, ZeroOptlenGet) {
  Sock s(tcp());
  for (int opt : {kTtl, kTos, kMtuDiscover}) {
    const auto r = s.get(opt, 0);
    EXPECT_EQ(r.err, 0);
    EXPECT_EQ(r.optlen, 0);
    EXPECT_TRUE(r.value.empty());
  }
}

// sockopt.ip_tos.tcp-keeps-ecn, sockopt.ip_tos.udp-keeps-all-bits
TEST(IpSockopt, TosEcnBitsOnStream) {
  const std::pair<int, int> kTcp[] = {{0x01, 0}, {0x03, 0}, {0x13, 0x10}, {0x1e, 0x1c}, {0xff, 0xfc}};
  for (auto [v, want] : kTcp) {
    Sock t(tcp());
    t.set(kTos, v);
    EXPECT_EQ(t.value(kTos), want) << v;
    Sock u(udp());
    u.set(kTos, v);
    EXPECT_EQ(u.value(kTos), v) << v;
  }
}

// sockopt.ip_tos.truncated, sockopt.ip_tos.set-optlen, sockopt.ip_tos.so-priority
TEST(IpSockopt, TosTruncatedOptlenPriority) {
  const std::pair<int, int> kTrunc[] = {{0x1ff, 0xff}, {0x100, 0}, {0x110, 0x10}, {-1, 0xff}, {-256, 0}, {2147483647, 0xff}};
  for (auto [v, want] : kTrunc) {
    Sock s(udp());
    EXPECT_EQ(s.set(kTos, v), 0);
    EXPECT_EQ(s.value(kTos), want) << v;
  }
  Sock s(udp());
  s.set(kTos, 0x08);
  EXPECT_EQ(s.set(kTos, 0x10, 0), 0);
  EXPECT_EQ(s.value(kTos), 0);
  s.set(kTos, 0x10, 2);
  EXPECT_EQ(s.value(kTos), 0x10);
  EXPECT_EQ(s.s.sk_priority, 6);
  s.set(kTos, 0x18);
  EXPECT_EQ(s.s.sk_priority, 4);
}

// sockopt.ip_ttl.range, minus-one-resets, set-char
TEST(IpSockopt, TtlRange) {
  const std::pair<int, int> kRange[] = {{0, EINVAL}, {1, 0}, {255, 0}, {256, EINVAL}, {-1, 0}, {-2, EINVAL}, {2147483647, EINVAL}};
  for (auto [v, err] : kRange) {
    Sock s(udp());
    EXPECT_EQ(s.set(kTtl, v), err) << v;
  }
  Sock s(udp());
  EXPECT_EQ(s.value(kTtl), 64);
  s.set(kTtl, 5);
  EXPECT_EQ(s.value(kTtl), 5);
  s.set(kTtl, -1);
  EXPECT_EQ(s.value(kTtl), 64);
  EXPECT_EQ(s.set(kTtl, 0xff, 1), 0);
  EXPECT_EQ(s.value(kTtl), 255);
  EXPECT_EQ(s.set(kTtl, 0, 1), EINVAL);
}

// sockopt.ip_ttl.set-optlen: 258 with optlen 0 / 1..3 / 4 / 8
TEST(IpSockopt, TtlSetOptlen) {
  const std::tuple<int, int, int> kLen[] = {{0, EINVAL, 64}, {1, 0, 2}, {2, 0, 2}, {3, 0, 2}, {4, EINVAL, 64}, {8, EINVAL, 64}};
  for (auto [len, err, get] : kLen) {
    Sock s(udp());
    EXPECT_EQ(s.set(kTtl, 258, len), err) << len;
    EXPECT_EQ(s.value(kTtl), get) << len;
  }
}

// sockopt.ip_ttl.get-optlen, sockopt.ip_ttl.default-follows-sysctl
TEST(IpSockopt, TtlGetOptlenAndSysctl) {
  Sock s(udp());
  s.set(kTtl, 200);
  for (int len : {1, 2, 3}) {
    const auto r = s.get(kTtl, len);
    EXPECT_EQ(r.optlen, 1);
    EXPECT_EQ(r.value, (std::vector<std::uint8_t>{200}));
  }
  EXPECT_EQ(s.get(kTtl, 8).optlen, 4);
  EXPECT_EQ(s.get(kTtl, -1).err, EINVAL);
  Sock d(udp());
  d.f.default_ttl = 77;
  EXPECT_EQ(d.value(kTtl), 77);
}

// sockopt.ip_hdrincl.default, not-raw, raw-types
TEST(IpSockopt, Hdrincl) {
  EXPECT_EQ(Sock(raw(255)).value(kHdrincl), 1);
  EXPECT_EQ(Sock(raw(17)).value(kHdrincl), 0);
  Sock u(udp());
  EXPECT_EQ(u.set(kHdrincl, 1), ENOPROTOOPT);
  EXPECT_EQ(u.value(kHdrincl), 0);
  Sock r(raw(255));
  EXPECT_EQ(r.set(kHdrincl, 0), 0);
  EXPECT_EQ(r.value(kHdrincl), 0);
}

// sockopt.ip_options.default-empty, round-trip, get-optlen, too-long, clear
TEST(IpSockopt, Options) {
  Sock s(udp());
  auto r = s.get(kOptions, 40);
  EXPECT_EQ(r.err, 0);
  EXPECT_EQ(r.optlen, 0);
  EXPECT_EQ(s.set_bytes(kOptions, {7, 7, 4, 0, 0, 0, 0}), 0);
  r = s.get(kOptions, 40);
  EXPECT_EQ(r.value, (std::vector<std::uint8_t>{7, 7, 4, 0, 0, 0, 0, 0}));
  r = s.get(kOptions, 2);
  EXPECT_EQ(r.optlen, 2);
  EXPECT_EQ(r.value, (std::vector<std::uint8_t>{7, 7}));
  EXPECT_EQ(s.get(kOptions, 12).optlen, 8);
  EXPECT_EQ(s.get(kOptions, -1).err, EINVAL);
  EXPECT_EQ(s.set_bytes(kOptions, std::vector<std::uint8_t>(41, 1)), EINVAL);
  EXPECT_EQ(s.set_bytes(kOptions, {}), 0);
  EXPECT_EQ(s.get(kOptions, 40).optlen, 0);
  EXPECT_EQ(s.set_bytes(kOptions, std::vector<std::uint8_t>(40, 1)), 0);
  EXPECT_EQ(s.get(kOptions, 40).optlen, 40);
}

// sockopt.ip_options.unknown-needs-cap-net-raw
TEST(IpSockopt, OptionsUnknownNeedsCap) {
  Sock s(udp());
  s.f.cap_net_raw = false;
  EXPECT_EQ(s.set_bytes(kOptions, {0x99, 4, 0, 0}), EINVAL);
  EXPECT_EQ(s.set_bytes(kOptions, {7, 7, 4, 0, 0, 0, 0}), 0);
}

// sockopt.ip_router_alert.*
TEST(IpSockopt, RouterAlert) {
  EXPECT_EQ(Sock(udp()).set(kRouterAlert, 1), EINVAL);
  EXPECT_EQ(Sock(tcp()).set(kRouterAlert, 1), EINVAL);
  EXPECT_EQ(Sock(raw(255)).set(kRouterAlert, 1), EINVAL);
  Sock r(raw(17));
  EXPECT_EQ(r.value(kRouterAlert), 0);
  EXPECT_EQ(r.set(kRouterAlert, 0), ENOBUFS);       // off-when-off
  EXPECT_EQ(r.set(kRouterAlert, 1, 0), ENOBUFS);    // optlen 0 is val 0
  EXPECT_EQ(r.set(kRouterAlert, -1), 0);
  EXPECT_EQ(r.value(kRouterAlert), 1);
  EXPECT_EQ(r.set(kRouterAlert, 1), EADDRINUSE);    // on-twice
  EXPECT_EQ(r.set(kRouterAlert, 256, 1), 0);        // on-then-off: byte 0x00
  EXPECT_EQ(r.value(kRouterAlert), 0);
  EXPECT_EQ(r.set(kRouterAlert, 1, 1), 0);          // set-char
  const auto g = r.get(kRouterAlert, 1);
  EXPECT_EQ(g.optlen, 1);
  EXPECT_EQ(g.value, (std::vector<std::uint8_t>{1}));
}

// The boolean flags: sockopt.ip_<flag>.default / boolean / set-optlen
TEST(IpSockopt, BooleanFlags) {
  for (int opt : {kRecverr, kPktinfo, kRecvttl, kRecvtos, kRecvopts, kRetopts, kPasssec,
                  kRecvorigdstaddr, kChecksum, kBindAddressNoPort, kRecvfragsize, kFreebind,
                  kTransparent}) {
    Sock s(udp());
    EXPECT_EQ(s.value(opt), 0) << opt;
    for (int v : {1, 5, -1, static_cast<int>(0x80000000)}) {
      s.set(opt, 0);
      EXPECT_EQ(s.set(opt, v), 0) << opt;
      EXPECT_EQ(s.value(opt), 1) << opt;
    }
    EXPECT_EQ(s.set(opt, 256, 1), 0);  // one byte 0x00
    EXPECT_EQ(s.value(opt), 0) << opt;
    EXPECT_EQ(s.set(opt, 257, 2), 0);
    EXPECT_EQ(s.value(opt), 1) << opt;
    EXPECT_EQ(s.set(opt, 256, 8), 0);
    EXPECT_EQ(s.value(opt), 1) << opt;
  }
}

// set-optlen with optlen 0: val 0 for most flags, EINVAL for IP_FREEBIND and
// IP_TRANSPARENT (sockopt.ip_freebind.set-optlen, sockopt.ip_transparent.set-optlen)
TEST(IpSockopt, ZeroOptlenFlags) {
  for (int opt : {kRecverr, kPktinfo, kPasssec, kRecvfragsize}) {
    Sock s(udp());
    s.set(opt, 1);
    EXPECT_EQ(s.set(opt, 1, 0), 0);
    EXPECT_EQ(s.value(opt), 0) << opt;
  }
  for (int opt : {kFreebind, kTransparent}) {
    Sock s(udp());
    s.set(opt, 1);
    EXPECT_EQ(s.set(opt, 0, 0), EINVAL);
    EXPECT_EQ(s.value(opt), 1) << opt;
  }
}

// sockopt.ip_recvfragsize.socket-types, sockopt.ip_recvopts.socket-types
TEST(IpSockopt, SocketTypeChecks) {
  EXPECT_EQ(Sock(tcp()).set(kRecvfragsize, 1), EINVAL);
  EXPECT_EQ(Sock(raw(1)).set(kRecvfragsize, 1), 0);
  EXPECT_EQ(Sock(tcp()).set(kRecvopts, 1), 0);
  // sockopt.ip_nodefrag.not-raw / raw-types
  EXPECT_EQ(Sock(udp()).set(kNodefrag, 1), ENOPROTOOPT);
  EXPECT_EQ(Sock(tcp()).set(kNodefrag, 0), ENOPROTOOPT);
  Sock r(raw(255));
  EXPECT_EQ(r.set(kNodefrag, 1), 0);
  EXPECT_EQ(r.value(kNodefrag), 1);
}

// sockopt.ip_transparent.caps, off-unprivileged
TEST(IpSockopt, TransparentCaps) {
  Sock none(udp());
  none.f.cap_net_admin = none.f.cap_net_raw = false;
  EXPECT_EQ(none.set(kTransparent, 1), EPERM);
  EXPECT_EQ(none.set(kTransparent, 256), EPERM);
  EXPECT_EQ(none.set(kTransparent, 0), 0);
  EXPECT_EQ(none.set(kTransparent, 256, 1), 0);
  Sock raw_only(udp());
  raw_only.f.cap_net_admin = false;
  EXPECT_EQ(raw_only.set(kTransparent, 1), 0);
  Sock admin_only(udp());
  admin_only.f.cap_net_raw = false;
  EXPECT_EQ(admin_only.set(kTransparent, 1), 0);
}

// sockopt.ip_mtu_discover.default, default-no-pmtu-disc, modes, invalid, set-optlen
TEST(IpSockopt, MtuDiscover) {
  EXPECT_EQ(Sock(raw(255)).value(kMtuDiscover), 1);
  SocketFacts nop = tcp();
  nop.no_pmtu_disc = true;
  EXPECT_EQ(Sock(nop).value(kMtuDiscover), 0);
  Sock s(udp());
  for (int m = 0; m <= 5; ++m) {
    EXPECT_EQ(s.set(kMtuDiscover, m), 0);
    EXPECT_EQ(s.value(kMtuDiscover), m);
  }
  for (int v : {6, -1, 256, 2147483647}) {
    Sock t(udp());
    EXPECT_EQ(t.set(kMtuDiscover, v), EINVAL);
    EXPECT_EQ(t.value(kMtuDiscover), 1);
  }
  Sock t(udp());
  EXPECT_EQ(t.set(kMtuDiscover, 2, 0), 0);
  EXPECT_EQ(t.value(kMtuDiscover), 0);
  EXPECT_EQ(t.set(kMtuDiscover, 0x102, 1), 0);
  EXPECT_EQ(t.value(kMtuDiscover), 2);
  EXPECT_EQ(t.set(kMtuDiscover, 0x106, 1), EINVAL);
  EXPECT_EQ(t.set(kMtuDiscover, 0x102, 4), EINVAL);
}

// sockopt.ip_mtu.unconnected, udp-connected, get-optlen, set
TEST(IpSockopt, Mtu) {
  Sock s(udp());
  EXPECT_EQ(s.get(kMtu).err, ENOTCONN);
  EXPECT_EQ(s.set(kMtu, 1400), ENOPROTOOPT);
  s.f.connected = true;
  s.f.path_mtu = 1500;
  EXPECT_EQ(s.value(kMtu), 1500);
  auto r = s.get(kMtu, 1);
  EXPECT_EQ(r.optlen, 1);
  EXPECT_EQ(r.value, (std::vector<std::uint8_t>{0xdc}));
  r = s.get(kMtu, 3);
  EXPECT_EQ(r.value, (std::vector<std::uint8_t>{0xdc, 0x05, 0x00}));
  EXPECT_EQ(s.get(kMtu, 0).optlen, 0);
}

// sockopt.ip_minttl.range, set-optlen
TEST(IpSockopt, Minttl) {
  const std::pair<int, int> kRange[] = {{0, 0}, {1, 0}, {255, 0}, {256, EINVAL}, {-1, EINVAL}};
  for (auto [v, err] : kRange) EXPECT_EQ(Sock(tcp()).set(kMinttl, v), err) << v;
  Sock s(tcp());
  EXPECT_EQ(s.set(kMinttl, 5, 0), EINVAL);
  EXPECT_EQ(s.set(kMinttl, 0x1ff, 1), 0);
  EXPECT_EQ(s.value(kMinttl), 255);
  EXPECT_EQ(s.set(kMinttl, 0x1ff, 4), EINVAL);
  EXPECT_EQ(s.set(kMinttl, 7, 8), 0);
  EXPECT_EQ(s.value(kMinttl), 7);
}

// sockopt.ip_protocol.raw, unbound, bound-is-port, set, get-optlen
TEST(IpSockopt, Protocol) {
  EXPECT_EQ(Sock(raw(17)).value(kProtocol), 17);
  EXPECT_EQ(Sock(raw(255)).value(kProtocol), 255);
  EXPECT_EQ(Sock(udp()).value(kProtocol), 0);
  SocketFacts bound = tcp();
  bound.local_port = 5000;
  EXPECT_EQ(Sock(bound).value(kProtocol), 5000);
  EXPECT_EQ(Sock(raw(17)).set(kProtocol, 6), ENOPROTOOPT);
  const auto r = Sock(raw(17)).get(kProtocol, 1);
  EXPECT_EQ(r.value, (std::vector<std::uint8_t>{17}));
}

// multicast.ip_multicast_ttl.range, socket-types, set-optlen
TEST(IpSockopt, MulticastTtl) {
  EXPECT_EQ(Sock(udp()).value(kMulticastTtl), 1);
  EXPECT_EQ(Sock(tcp()).set(kMulticastTtl, 5), EINVAL);
  EXPECT_EQ(Sock(raw(255)).set(kMulticastTtl, 5), 0);
  Sock s(udp());
  s.set(kMulticastTtl, 7);
  EXPECT_EQ(s.set(kMulticastTtl, 256), EINVAL);
  EXPECT_EQ(s.set(kMulticastTtl, -2), EINVAL);
  EXPECT_EQ(s.value(kMulticastTtl), 7);
  EXPECT_EQ(s.set(kMulticastTtl, 0), 0);
  EXPECT_EQ(s.value(kMulticastTtl), 0);
  EXPECT_EQ(s.set(kMulticastTtl, -1), 0);
  EXPECT_EQ(s.value(kMulticastTtl), 1);
  EXPECT_EQ(s.set(kMulticastTtl, 100, 0), EINVAL);
  EXPECT_EQ(s.set(kMulticastTtl, 263, 3), 0);
  EXPECT_EQ(s.value(kMulticastTtl), 7);
}

// multicast.ip_multicast_loop.*, multicast.ip_multicast_all.*
TEST(IpSockopt, MulticastLoopAll) {
  Sock s(tcp());
  EXPECT_EQ(s.value(kMulticastLoop), 1);
  EXPECT_EQ(s.value(kMulticastAll), 1);
  EXPECT_EQ(s.set(kMulticastLoop, 0), 0);
  EXPECT_EQ(s.value(kMulticastLoop), 0);
  EXPECT_EQ(s.set(kMulticastLoop, 9), 0);
  EXPECT_EQ(s.value(kMulticastLoop), 1);
  EXPECT_EQ(s.set(kMulticastAll, 2), EINVAL);
  EXPECT_EQ(s.set(kMulticastAll, 0, 0), EINVAL);
  EXPECT_EQ(s.set(kMulticastAll, 256, 1), 0);
  EXPECT_EQ(s.value(kMulticastAll), 0);
}

// sockopt.ip_local_port_range.values, set-optlen
TEST(IpSockopt, LocalPortRange) {
  Sock s(udp());
  EXPECT_EQ(s.set(kLocalPortRange, static_cast<int>(3276840000u)), 0);
  EXPECT_EQ(static_cast<std::uint32_t>(s.value(kLocalPortRange)), 3276840000u);
  EXPECT_EQ(s.set(kLocalPortRange, 268443648), EINVAL);
  EXPECT_EQ(s.set(kLocalPortRange, 1, 8), EINVAL);
  EXPECT_EQ(s.set(kLocalPortRange, 1, 2), EINVAL);
}

TEST(IpSockopt, HandledPredicate) {
  EXPECT_TRUE(is_ip_sockopt_handled(udp(), kTtl));
  EXPECT_FALSE(is_ip_sockopt_handled(udp(), kMulticastIf));
  EXPECT_FALSE(is_ip_sockopt_handled(udp(), kUnicastIf));
  EXPECT_FALSE(is_ip_sockopt_handled(raw(2), 200));
  EXPECT_TRUE(is_ip_sockopt_handled(raw(17), 200));
}

}  // namespace
}  // namespace ipc::stack::socket
