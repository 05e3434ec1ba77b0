#include "stack/cmsg/errqueue.hpp"

#include <algorithm>

#include "stack/cmsg/cmsg_abi.hpp"

namespace ipc::stack::cmsg {

std::array<std::uint8_t, 32> recverr_payload(const SockExtendedErr& ee, bool offender_known,
                                             wire::Ipv4Address offender) {
  std::array<std::uint8_t, 32> b{};
  put_le32(b, 0, ee.ee_errno);
  b[4] = ee.ee_origin;
  b[5] = ee.ee_type;
  b[6] = ee.ee_code;
  b[7] = ee.ee_pad;
  put_le32(b, 8, ee.ee_info);
  put_le32(b, 12, ee.ee_data);
  // "memset(sin, 0, sizeof(*sin))": AF_UNSPEC and zeros unless known.
  if (offender_known) {
    auto sin = sockaddr_in_bytes(kAfInet, offender, 0);
    std::copy(sin.begin(), sin.end(), b.begin() + 16);
  }
  return b;
}

ErrQueueRead ip_recv_error(const ErrQueueEntry& e, std::uint64_t len, std::uint64_t controllen,
                           const socket::IpOptionsState& ip, const SolSocketRecvFlags& f, std::int64_t now_ns) {
  ErrQueueRead r;
  // "copied = skb->len; if (copied > len) { msg->msg_flags |= MSG_TRUNC; copied = len; }"
  std::uint64_t copied = e.payload.size();
  if (copied > len) {
    r.msg_flags |= kMsgTrunc;
    copied = len;
  }
  r.data.assign(e.payload.begin(), e.payload.begin() + static_cast<std::ptrdiff_t>(copied));
  r.ret = static_cast<int>(copied);

  ControlWriter w(controllen);
  put_sock_recv_timestamp(w, f, e.meta, now_ns, true);

  // ipv4_datagram_support_addr: ICMP or LOCAL origin, or a non-zero port.
  const std::uint8_t origin = e.ee.ee_origin;
  if (origin == kEeOriginIcmp || origin == kEeOriginLocal || e.port != 0)
    r.name = sockaddr_in_bytes(kAfInet, e.addr, e.port);

  // ipv4_datagram_support_cmsg: ICMP yes, LOCAL no; other origins (timestamps)
  // only with SOF_TIMESTAMPING_OPT_CMSG and a known ipi_ifindex, and then
  // ipi_spec_dst becomes the header's saddr.
  DatagramMeta meta = e.meta;
  bool support_cmsg = false;
  if (origin == kEeOriginIcmp) {
    support_cmsg = true;
  } else if (origin != kEeOriginLocal && (f.tsflags & kTsOptCmsg) && meta.ifindex != 0) {
    meta.spec_dst = meta.saddr;
    support_cmsg = true;
  }
  // The offender is ip_hdr(skb)->saddr, and the quoted packet's IP cmsgs
  // (ip_cmsg_recv, i.e. offset 0) come before IP_RECVERR.
  if (support_cmsg && has_ip_cmsg_flags(ip)) put_ip_cmsgs(w, ip, meta);
  w.put(kSolIp, kIpRecvErr, recverr_payload(e.ee, support_cmsg, meta.saddr));

  r.msg_flags |= w.msg_flags() | kMsgErrqueue;
  r.control = w.bytes();
  r.controllen = w.used();
  return r;
}

}  // namespace ipc::stack::cmsg
