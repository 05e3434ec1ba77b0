// setsockopt side of the multicast options (do_ip_setsockopt).
#include <cerrno>
#include <cstring>
#include <vector>

#include "stack/mcast/mcast_names.hpp"
#include "stack/mcast/mcast_sockopt.hpp"
#include "stack/socket/sockopt_int.hpp"

namespace ipc::stack::mcast {

using wire::Ipv4Address;
using socket::SockoptResult;

namespace {

// A reader over the caller's bytes: copy_from_user of a range that is not
// there is EFAULT.
struct UserBytes {
  std::span<const std::uint8_t> b;
  bool has(std::size_t off, std::size_t n) const { return off + n <= b.size(); }
  Ipv4Address addr(std::size_t off) const { return Ipv4Address::from_bytes(b.subspan(off)); }
  std::uint32_t u32(std::size_t off) const {
    std::uint32_t v;
    std::memcpy(&v, b.data() + off, 4);
    return v;
  }
  std::uint16_t u16(std::size_t off) const {
    std::uint16_t v;
    std::memcpy(&v, b.data() + off, 2);
    return v;
  }
};

// struct sockaddr_in inside a sockaddr_storage: family, port, address.
struct SockaddrIn {
  std::uint16_t family;
  Ipv4Address addr;
};
SockaddrIn storage_at(const UserBytes& u, std::size_t off) { return {u.u16(off), u.addr(off + 4)}; }

int multicast_if(McastHost& host, McastSocketState& s, const McastSockFacts& f, const UserBytes& u, int optlen) {
  if (f.type == socket::SockType::Stream) return EINVAL;
  if (optlen < size::kInAddr) return EINVAL;
  // ip_mreqn (>= 12), ip_mreq (>= 8) or a bare in_addr (>= 4), which is the
  // first four bytes: with 4..7 bytes of an ip_mreqn its imr_multiaddr.
  Mreqn m;
  if (optlen >= size::kIpMreqn) {
    if (!u.has(0, 12)) return EFAULT;
    m = {u.addr(0), u.addr(4), static_cast<int>(u.u32(8))};
  } else if (optlen >= size::kIpMreq) {
    if (!u.has(0, 8)) return EFAULT;
    m.multiaddr = u.addr(0);
    m.address = u.addr(4);
  } else {
    if (!u.has(0, 4)) return EFAULT;
    m.address = u.addr(0);
  }
  const McastEnv& env = host.env();
  bool found = false;
  if (m.ifindex == 0) {
    if (m.address.is_unspecified()) {  // INADDR_ANY resets
      s.mc_index = 0;
      s.mc_addr = Ipv4Address();
      return 0;
    }
    if (auto dev = env.ifindex_of_local_addr(m.address)) {  // ip_dev_find
      m.ifindex = *dev;
      found = true;
    }
  } else {
    found = env.ifindex_exists(m.ifindex);  // dev_get_by_index
  }
  if (!found) return EADDRNOTAVAIL;
  // "sk->sk_bound_dev_if && mreq.imr_ifindex != sk->sk_bound_dev_if" (no VRF)
  if (f.bound_dev_if != 0 && m.ifindex != f.bound_dev_if) return EINVAL;
  s.mc_index = m.ifindex;
  s.mc_addr = m.address;  // as given: with an ifindex, a foreign address is kept
  return 0;
}

int unicast_if(McastHost& host, McastSocketState& s, const McastSockFacts& f, const UserBytes& u, int optlen) {
  const socket::SockoptInt in = socket::read_int_or_char(u.b, optlen);
  if (in.err) return in.err;
  if (optlen != 4) return EINVAL;  // "optlen != sizeof(int)"
  // "ifindex = (__force int)ntohl((__force __be32)val)"
  const auto raw = static_cast<std::uint32_t>(in.val);
  const int ifindex = static_cast<int>(__builtin_bswap32(raw));
  if (ifindex == 0) {
    s.uc_index = 0;
    return 0;
  }
  if (!host.env().ifindex_exists(ifindex)) return EADDRNOTAVAIL;
  // "sk->sk_bound_dev_if && midx != sk->sk_bound_dev_if": without a VRF even
  // the bound device itself is refused.
  if (f.bound_dev_if != 0) return EINVAL;
  s.uc_index = ifindex;
  return 0;
}

int membership(McastHost& host, McastSocketState& s, const McastSockFacts& f, int optname, const UserBytes& u,
               int optlen, Clock::time_point now) {
  if (f.type == socket::SockType::Stream) return EPROTO;  // inet_test_bit(IS_ICSK)
  if (optlen < size::kIpMreq) return EINVAL;
  // ip_mreqn when optlen >= 12, else an ip_mreq with ifindex 0
  Mreqn m;
  if (optlen >= size::kIpMreqn) {
    if (!u.has(0, 12)) return EFAULT;
    m = {u.addr(0), u.addr(4), static_cast<int>(u.u32(8))};
  } else {
    if (!u.has(0, 8)) return EFAULT;
    m = {u.addr(0), u.addr(4), 0};
  }
  if (optname == opt::kAddMembership) return join_group(host, s, m, kModeExclude, now);
  return leave_group(host, s, m, now);
}

int source_op(McastHost& host, McastSocketState& s, int optname, const UserBytes& u, int optlen,
              Clock::time_point now) {
  if (optlen != size::kIpMreqSource) return EINVAL;
  if (!u.has(0, 12)) return EFAULT;
  // struct ip_mreq_source {multiaddr, interface, sourceaddr}
  const Ipv4Address group = u.addr(0), iface = u.addr(4), source = u.addr(8);
  switch (optname) {
    case opt::kBlockSource:
      return change_source(host, s, true, kModeExclude, group, iface, source, 0, now);
    case opt::kUnblockSource:
      return change_source(host, s, false, kModeExclude, group, iface, source, 0, now);
    case opt::kAddSourceMembership: {
      // ip_mc_join_group_ssm(sk, &mreq, MCAST_INCLUDE); an existing
      // membership is fine
      Mreqn m{group, iface, 0};
      const int err = join_group(host, s, m, kModeInclude, now);
      if (err != 0 && err != EADDRINUSE) return err;
      return change_source(host, s, true, kModeInclude, group, iface, source, 0, now);
    }
    default:  // IP_DROP_SOURCE_MEMBERSHIP
      return change_source(host, s, false, kModeInclude, group, iface, source, 0, now);
  }
}

int msfilter(McastHost& host, McastSocketState& s, const UserBytes& u, int optlen, Clock::time_point now) {
  if (optlen < size::kMsfilterHead) return EINVAL;
  if (optlen > host.limits().optmem_max) return ENOBUFS;
  if (!u.has(0, static_cast<std::size_t>(optlen))) return EFAULT;  // memdup_user
  // struct ip_msfilter {multiaddr, interface, fmode, numsrc, slist[]}
  const std::uint32_t numsrc = u.u32(12);
  // "numsrc >= (1G-4) overflow in 32 bits" before the sysctl
  if (numsrc >= 0x3ffffffcU || numsrc > static_cast<std::uint32_t>(host.limits().max_msf)) return ENOBUFS;
  if (msfilter_size(numsrc) > optlen) return EINVAL;
  std::vector<Ipv4Address> srcs;
  for (std::uint32_t i = 0; i < numsrc; ++i) srcs.push_back(u.addr(16 + 4 * i));
  return set_filter(host, s, u.addr(0), u.addr(4), u.u32(8), srcs, 0, now);
}

int mcast_group(McastHost& host, McastSocketState& s, int optname, const UserBytes& u, int optlen,
                Clock::time_point now) {
  if (optlen < size::kGroupReq) return EINVAL;
  if (!u.has(0, size::kGroupReq)) return EFAULT;
  const SockaddrIn g = storage_at(u, size::kGroupReqGroup);
  if (g.family != kAfInet) return EINVAL;
  Mreqn m{g.addr, Ipv4Address(), static_cast<int>(u.u32(0))};
  if (optname == opt::kMcastJoinGroup) return join_group(host, s, m, kModeExclude, now);
  return leave_group(host, s, m, now);
}

int mcast_source(McastHost& host, McastSocketState& s, int optname, const UserBytes& u, int optlen,
                 Clock::time_point now) {
  if (optlen != size::kGroupSourceReq) return EINVAL;
  if (!u.has(0, size::kGroupSourceReq)) return EFAULT;
  const SockaddrIn g = storage_at(u, 8), src = storage_at(u, 8 + size::kSockaddrStorage);
  if (g.family != kAfInet || src.family != kAfInet) return EADDRNOTAVAIL;
  int ifindex = static_cast<int>(u.u32(0));
  // imr_interface 0: the index is used for ip_mc_source
  switch (optname) {
    case opt::kMcastBlockSource:
      return change_source(host, s, true, kModeExclude, g.addr, Ipv4Address(), src.addr, ifindex, now);
    case opt::kMcastUnblockSource:
      return change_source(host, s, false, kModeExclude, g.addr, Ipv4Address(), src.addr, ifindex, now);
    case opt::kMcastJoinSourceGroup: {
      Mreqn m{g.addr, Ipv4Address(), ifindex};
      const int err = join_group(host, s, m, kModeInclude, now);
      if (err != 0 && err != EADDRINUSE) return err;
      ifindex = m.ifindex;  // "greqs.gsr_interface = mreq.imr_ifindex"
      return change_source(host, s, true, kModeInclude, g.addr, Ipv4Address(), src.addr, ifindex, now);
    }
    default:  // MCAST_LEAVE_SOURCE_GROUP
      return change_source(host, s, false, kModeInclude, g.addr, Ipv4Address(), src.addr, ifindex, now);
  }
}

int mcast_msfilter(McastHost& host, McastSocketState& s, const UserBytes& u, int optlen, Clock::time_point now) {
  if (optlen < size::kGroupFilterHead) return EINVAL;
  if (optlen > host.limits().optmem_max) return ENOBUFS;
  if (!u.has(0, static_cast<std::size_t>(optlen))) return EFAULT;
  const std::uint32_t numsrc = u.u32(size::kGroupFilterNumsrc);
  // "numsrc >= (4G-140)/128 overflow in 32 bits" before the sysctl
  if (numsrc >= 0x1ffffffU || numsrc > static_cast<std::uint32_t>(host.limits().max_msf)) return ENOBUFS;
  if (group_filter_size(numsrc) > optlen) return EINVAL;
  const SockaddrIn g = storage_at(u, size::kGroupReqGroup);
  if (g.family != kAfInet) return EADDRNOTAVAIL;
  std::vector<Ipv4Address> srcs;
  for (std::uint32_t i = 0; i < numsrc; ++i) {
    const SockaddrIn a = storage_at(u, size::kGroupFilterHead + size::kSockaddrStorage * i);
    if (a.family != kAfInet) return EADDRNOTAVAIL;
    srcs.push_back(a.addr);
  }
  return set_filter(host, s, g.addr, Ipv4Address(), u.u32(size::kGroupFilterFmode), srcs,
                    static_cast<int>(u.u32(0)), now);
}

}  // namespace

bool is_mcast_sockopt(int optname) {
  return optname == opt::kMulticastIf || optname == opt::kUnicastIf ||
         (optname >= opt::kAddMembership && optname <= opt::kMcastMsfilter);
}

SockoptResult mcast_setsockopt(McastHost& host, McastSocketState& s, const McastSockFacts& f, int optname,
                               std::span<const std::uint8_t> optval, int optlen, Clock::time_point now) {
  if (optlen < 0) return {EINVAL};  // __sys_setsockopt
  const UserBytes u{optval};
  switch (optname) {
    case opt::kMulticastIf: return {multicast_if(host, s, f, u, optlen)};
    case opt::kUnicastIf: return {unicast_if(host, s, f, u, optlen)};
    case opt::kAddMembership:
    case opt::kDropMembership: return {membership(host, s, f, optname, u, optlen, now)};
    case opt::kMsfilter: return {msfilter(host, s, u, optlen, now)};
    case opt::kBlockSource:
    case opt::kUnblockSource:
    case opt::kAddSourceMembership:
    case opt::kDropSourceMembership: return {source_op(host, s, optname, u, optlen, now)};
    case opt::kMcastJoinGroup:
    case opt::kMcastLeaveGroup: return {mcast_group(host, s, optname, u, optlen, now)};
    case opt::kMcastJoinSourceGroup:
    case opt::kMcastLeaveSourceGroup:
    case opt::kMcastBlockSource:
    case opt::kMcastUnblockSource: return {mcast_source(host, s, optname, u, optlen, now)};
    case opt::kMcastMsfilter: return {mcast_msfilter(host, s, u, optlen, now)};
    default: return {ENOPROTOOPT};
  }
}

}  // namespace ipc::stack::mcast
