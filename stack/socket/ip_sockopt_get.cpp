// getsockopt(IPPROTO_IP): ip_getsockopt and do_ip_getsockopt.
#include <algorithm>
#include <array>
#include <cstring>
#include <span>
#include <vector>
#include <cerrno>
#include <optional>

#include "stack/socket/ip_sockopt.hpp"
#include "stack/socket/ip_sockopt_common.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/socket/sockopt_int.hpp"

namespace ipc::stack::socket {
namespace {

using namespace ipopt;

struct IntOrErr {
  int err = 0;
  int val = 0;
};

// The integer cases of do_ip_getsockopt's switch; ENOPROTOOPT for "default".
IntOrErr int_value(const IpOptionsState& s, const SocketFacts& f, int optname) {
  switch (optname) {
    case kPktinfo: return {0, s.pktinfo};
    case kRecvttl: return {0, s.recvttl};
    case kRecvtos: return {0, s.recvtos};
    case kRecvopts: return {0, s.recvopts};
    case kRetopts: return {0, s.retopts};
    case kPasssec: return {0, s.passsec};
    case kRecvorigdstaddr: return {0, s.recvorigdstaddr};
    case kChecksum: return {0, s.checksum};
    case kRecvfragsize: return {0, s.recvfragsize};
    case kRecverr: return {0, s.recverr};
    case kRecverrRfc4884: return {0, s.recverr_rfc4884};
    case kRouterAlert: return {0, s.router_alert};  // inet_test_bit(RTALERT)
    case kTos: return {0, s.tos};
    // "val = (inet->uc_ttl == -1 ? net->ipv4.sysctl_ip_default_ttl : uc_ttl)":
    // read at getsockopt time, not copied at socket().
    case kTtl: return {0, s.ttl == -1 ? f.default_ttl : s.ttl};
    case kHdrincl: return {0, s.hdrincl};
    case kNodefrag: return {0, s.nodefrag};
    case kBindAddressNoPort: return {0, s.bind_address_no_port};
    case kMtuDiscover: return {0, s.pmtudisc};
    case kMtu: {
      // "val = 0; dst = sk_dst_get(sk); if (dst) val = dst_mtu(dst);
      // if (!val) return -ENOTCONN;"
      const int mtu = f.connected ? f.path_mtu : 0;
      if (mtu == 0) return {ENOTCONN, 0};
      return {0, mtu};
    }
    case kMulticastTtl: return {0, s.mc_ttl};
    case kMulticastLoop: return {0, s.mc_loop};
    case kMulticastAll: return {0, s.mc_all};
    case kFreebind: return {0, s.freebind};
    case kTransparent: return {0, s.transparent};
    case kMinttl: return {0, s.minttl};
    case kLocalPortRange: return {0, static_cast<int>(s.local_port_range)};
    case kProtocol: return {0, detail::inet_num(f)};  // "val = inet_sk(sk)->inet_num"
    default: return {ENOPROTOOPT, 0};
  }
}

SockoptResult error(int err, int optlen) {
  SockoptResult r;
  r.err = err;
  r.optlen = optlen;  // *optlen is not written back on error
  return r;
}

}  // namespace

namespace {
// put_cmsg into the option buffer (x86-64: a 16-byte cmsghdr, data padded
// to 8): a short buffer gets a truncated message, then nothing.
void put_cmsg(std::vector<std::uint8_t>& out, int& room, int type, std::span<const std::uint8_t> data) {
  constexpr int kHdr = 16;
  if (room < kHdr) return;
  const int len = kHdr + static_cast<int>(data.size());
  std::vector<std::uint8_t> c(static_cast<std::size_t>((len + 7) / 8 * 8), 0);
  const std::uint64_t clen = static_cast<std::uint64_t>(len);
  std::memcpy(c.data(), &clen, 8);
  const int level = 0;  // SOL_IP
  std::memcpy(c.data() + 8, &level, 4);
  std::memcpy(c.data() + 12, &type, 4);
  std::copy(data.begin(), data.end(), c.begin() + kHdr);
  const int take = std::min(room, static_cast<int>(c.size()));
  out.insert(out.end(), c.begin(), c.begin() + take);
  room -= take;
}

// do_ip_getsockopt IP_PKTOPTIONS: IP_PKTINFO (ipi_addr = ipi_spec_dst =
// inet_rcv_saddr, ipi_ifindex = mc_index), IP_TTL (mc_ttl), IP_TOS
// (rcv_tos), each when its receive option is on; optlen = what was written.
SockoptResult pktoptions(const IpOptionsState& s, const SocketFacts& f, int optlen) {
  SockoptResult r;
  int room = optlen;
  if (s.pktinfo) {
    std::array<std::uint8_t, 12> info{};
    std::memcpy(info.data(), &f.mc_index, 4);
    std::copy(f.rcv_saddr.begin(), f.rcv_saddr.end(), info.begin() + 4);
    std::copy(f.rcv_saddr.begin(), f.rcv_saddr.end(), info.begin() + 8);
    put_cmsg(r.value, room, kPktinfo, info);
  }
  if (s.recvttl) {
    std::array<std::uint8_t, 4> v{};
    std::memcpy(v.data(), &s.mc_ttl, 4);
    put_cmsg(r.value, room, kTtl, v);
  }
  if (s.recvtos) {
    std::array<std::uint8_t, 4> v{};
    std::memcpy(v.data(), &f.rcv_tos, 4);
    put_cmsg(r.value, room, kTos, v);
  }
  r.optlen = static_cast<int>(r.value.size());
  return r;
}
}  // namespace

SockoptResult ip_getsockopt(const IpOptionsState& s, const SocketFacts& f, int level,
                            int optname, int optlen) {
  // do_ip_getsockopt: "if (level != SOL_IP) return -EOPNOTSUPP;" (setsockopt
  // answers ENOPROTOOPT for the same call).
  if (level != kSolIp) return error(EOPNOTSUPP, optlen);
  // "if (ip_mroute_opt(optname)) return ip_mroute_getsockopt(...)", which
  // refuses anything but a raw IGMP socket with EOPNOTSUPP.
  if (detail::is_mroute_opt(optname))
    return error(detail::is_raw_igmp(f) ? ENOPROTOOPT : EOPNOTSUPP, optlen);
  // "if (len < 0) return -EINVAL;" before the option switch.
  if (optlen < 0) return error(EINVAL, optlen);

  if (optname == kOptions) {
    SockoptResult r;
    // "if (opt->optlen == 0) return put_user(0, optlen);"
    if (s.options.empty()) return r;
    // ip_options_undo on a copy; "len = min_t(unsigned int, len, opt->optlen)":
    // a short buffer gets a silent prefix.
    r.value = ip_options_user_view(s.options);
    r.optlen = std::min(optlen, static_cast<int>(r.value.size()));
    r.value.resize(static_cast<std::size_t>(r.optlen));
    return r;
  }
  if (optname == kPktoptions && f.type != SockType::Stream)
    return error(ENOPROTOOPT, optlen);  // not offered to netfilter
  if (optname == kPktoptions) return pktoptions(s, f, optlen);

  const IntOrErr v = int_value(s, f, optname);
  if (v.err == ENOPROTOOPT) {
    // ip_getsockopt: ENOPROTOOPT (but not IP_PKTOPTIONS or mroute) goes on
    // to nf_getsockopt.
    return error(detail::netfilter_get(f, optname), optlen);
  }
  if (v.err) return error(v.err, optlen);
  const SockoptOut out = write_int(v.val, optlen);
  SockoptResult r;
  r.value = out.value;
  r.optlen = out.optlen;
  return r;
}

SockoptResult ip_getsockopt(const IpOptionsState& s, const SocketFacts& f, int optname,
                            int optlen) {
  return ip_getsockopt(s, f, kSolIp, optname, optlen);
}

}  // namespace ipc::stack::socket
