// getsockopt side of the multicast options (do_ip_getsockopt, ip_mc_msfget,
// ip_get_mcast_msfilter / ip_mc_gsfget).
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "stack/mcast/mcast_names.hpp"
#include "stack/mcast/mcast_sockopt.hpp"
#include "stack/socket/sockopt_int.hpp"

namespace ipc::stack::mcast {

using wire::Ipv4Address;
using socket::SockoptResult;

namespace {

SockoptResult error(int err, int optlen) {
  SockoptResult r;
  r.err = err;
  r.optlen = optlen;
  return r;
}

void put_u32(std::vector<std::uint8_t>& out, std::size_t off, std::uint32_t v) { std::memcpy(out.data() + off, &v, 4); }
void put_addr(std::vector<std::uint8_t>& out, std::size_t off, Ipv4Address a) {
  a.write(std::span<std::uint8_t>(out).subspan(off));
}
void put_sockaddr_in(std::vector<std::uint8_t>& out, std::size_t off, Ipv4Address a) {
  const std::uint16_t family = kAfInet;
  std::memcpy(out.data() + off, &family, 2);
  put_addr(out, off + 4, a);
}

const Membership* find_membership(const McastSocketState& s, Ipv4Address group, int ifindex) {
  auto it = std::find_if(s.memberships.begin(), s.memberships.end(),
                         [&](const Membership& m) { return m.group == group && m.ifindex == ifindex; });
  return it == s.memberships.end() ? nullptr : &*it;
}

// ip_mc_msfget: the header is written back with the mode and the full
// source count; min(count, the caller's imsf_numsrc) sources follow, and
// optlen says IP_MSFILTER_SIZE(copied) even when they do not fit (EFAULT).
SockoptResult msfilter_get(const McastHost& host, const McastSocketState& s, std::span<const std::uint8_t> buf,
                           int optlen) {
  if (optlen < size::kMsfilterHead) return error(EINVAL, optlen);
  if (buf.size() < static_cast<std::size_t>(size::kMsfilterHead)) return error(EFAULT, optlen);
  std::vector<std::uint8_t> msf(buf.begin(), buf.begin() + size::kMsfilterHead);
  const Ipv4Address group = Ipv4Address::from_bytes(buf);
  std::uint32_t want;
  std::memcpy(&want, buf.data() + 12, 4);
  if (!group.is_multicast()) return error(EINVAL, optlen);
  Mreqn imr{group, Ipv4Address::from_bytes(buf.subspan(4)), 0};
  if (!find_dev(host.env(), imr)) return error(ENODEV, optlen);
  const Membership* pmc = find_membership(s, group, imr.ifindex);
  if (pmc == nullptr) return error(EADDRNOTAVAIL, optlen);
  const std::vector<Ipv4Address> none;
  const auto& psl = pmc->sources ? *pmc->sources : none;
  const auto count = static_cast<std::uint32_t>(psl.size());
  const std::uint32_t copy = std::min(count, want);
  put_u32(msf, 8, static_cast<std::uint32_t>(pmc->sfmode));
  put_u32(msf, 12, count);
  SockoptResult r;
  r.optlen = static_cast<int>(msfilter_size(copy));
  msf.resize(static_cast<std::size_t>(r.optlen));
  for (std::uint32_t i = 0; i < copy; ++i) put_addr(msf, 16 + 4 * i, psl[i]);
  if (msf.size() > buf.size()) r.err = EFAULT;  // the copy runs past the buffer
  msf.resize(std::min(msf.size(), buf.size()));
  r.value = std::move(msf);
  return r;
}

// ip_get_mcast_msfilter + ip_mc_gsfget: the group must be AF_INET and
// multicast (EINVAL); gf_interface is compared as given, so 0 finds nothing.
SockoptResult group_filter_get(const McastSocketState& s, std::span<const std::uint8_t> buf, int optlen) {
  if (optlen < size::kGroupFilterHead) return error(EINVAL, optlen);
  if (buf.size() < static_cast<std::size_t>(size::kGroupFilterHead)) return error(EFAULT, optlen);
  std::vector<std::uint8_t> gsf(buf.begin(), buf.begin() + size::kGroupFilterHead);
  std::uint32_t iface, want;
  std::uint16_t family;
  std::memcpy(&iface, buf.data(), 4);
  std::memcpy(&family, buf.data() + size::kGroupReqGroup, 2);
  std::memcpy(&want, buf.data() + size::kGroupFilterNumsrc, 4);
  const Ipv4Address group = Ipv4Address::from_bytes(buf.subspan(size::kGroupReqGroup + 4));
  if (family != kAfInet || !group.is_multicast()) return error(EINVAL, optlen);
  const Membership* pmc = find_membership(s, group, static_cast<int>(iface));
  if (pmc == nullptr) return error(EADDRNOTAVAIL, optlen);
  const std::vector<Ipv4Address> none;
  const auto& psl = pmc->sources ? *pmc->sources : none;
  const auto count = static_cast<std::uint32_t>(psl.size());
  const std::uint32_t copy = std::min(count, want);
  put_u32(gsf, size::kGroupFilterFmode, static_cast<std::uint32_t>(pmc->sfmode));
  put_u32(gsf, size::kGroupFilterNumsrc, count);
  SockoptResult r;
  r.optlen = static_cast<int>(group_filter_size(copy));
  gsf.resize(static_cast<std::size_t>(r.optlen), 0);
  for (std::uint32_t i = 0; i < copy; ++i)
    put_sockaddr_in(gsf, size::kGroupFilterHead + size::kSockaddrStorage * i, psl[i]);
  // ip_mc_gsfget copies the sources before optlen and the header are
  // written back: running out of buffer leaves optlen as passed.
  if (gsf.size() > buf.size()) {
    r.err = EFAULT;
    r.optlen = optlen;
  }
  gsf.resize(std::min(gsf.size(), buf.size()));
  r.value = std::move(gsf);
  return r;
}

}  // namespace

SockoptResult mcast_getsockopt(const McastHost& host, const McastSocketState& s, const McastSockFacts&,
                               int optname, std::span<const std::uint8_t> buf, int optlen) {
  if (optlen < 0) return error(EINVAL, optlen);  // "if (len < 0) return -EINVAL"
  switch (optname) {
    case opt::kMulticastIf: {
      // "len = min_t(unsigned int, len, sizeof(struct in_addr))": mc_addr only
      SockoptResult r;
      r.optlen = std::min(optlen, size::kInAddr);
      r.value.resize(4);
      s.mc_addr.write(r.value);
      r.value.resize(static_cast<std::size_t>(r.optlen));
      return r;
    }
    case opt::kUnicastIf: {
      // "val = (__force int)htonl((__u32) inet->uc_index)"
      const int val = static_cast<int>(__builtin_bswap32(static_cast<std::uint32_t>(s.uc_index)));
      const socket::SockoptOut out = socket::write_int(val, optlen);
      SockoptResult r;
      r.value = out.value;
      r.optlen = out.optlen;
      return r;
    }
    case opt::kMsfilter: return msfilter_get(host, s, buf, optlen);
    case opt::kMcastMsfilter: return group_filter_get(s, buf, optlen);
    default:
      // the set-only options: no case in do_ip_getsockopt, and netfilter
      // knows none of 35..48 either
      return error(ENOPROTOOPT, optlen);
  }
}

}  // namespace ipc::stack::mcast
