#include "stack/cmsg/recv_cmsgs.hpp"

#include <array>

#include "stack/cmsg/cmsg_abi.hpp"
#include "stack/cmsg/sockaddr.hpp"

namespace ipc::stack::cmsg {
namespace {

void put_u32(ControlWriter& w, int level, int type, std::uint32_t v) {
  std::array<std::uint8_t, 4> b{};
  put_le32(b, 0, v);
  w.put(level, type, b);
}

// {s64 sec; s64 usec-or-nsec}: __kernel_old_timeval, __kernel_sock_timeval,
// __kernel_old_timespec and __kernel_timespec are all this on x86-64.
void put_pair(std::span<std::uint8_t> b, std::size_t off, std::int64_t sec, std::int64_t frac) {
  put_le64(b, off, static_cast<std::uint64_t>(sec));
  put_le64(b, off + 8, static_cast<std::uint64_t>(frac));
}

constexpr std::int64_t kNsPerSec = 1000000000;

}  // namespace

void put_sock_recv_timestamp(ControlWriter& w, const SolSocketRecvFlags& f, const DatagramMeta& m,
                             std::int64_t now_ns, bool err_queue) {
  const std::uint32_t ts = f.tsflags;
  std::int64_t kt = m.tstamp_ns;
  // sock_recv_timestamp: only these call __sock_recv_timestamp (no hardware
  // stamps exist here); otherwise sock_write_timestamp, which is SIOCGSTAMP's.
  bool wanted = f.rcvtstamp || (ts & kTsRxSoftware) || (kt != 0 && (ts & kTsSoftware));
  if (!wanted) return;

  // __sock_recv_timestamp: "Race occurred between timestamp enabling and
  // packet receiving. Fill in the current time for now."
  if (f.rcvtstamp && kt == 0) kt = now_ns;

  if (f.rcvtstamp) {
    std::array<std::uint8_t, 16> b{};
    std::int64_t sec = kt / kNsPerSec, ns = kt % kNsPerSec;
    if (!f.rcvtstampns) {
      // skb_get_timestamp / skb_get_new_timestamp: microseconds.
      put_pair(b, 0, sec, ns / 1000);
      w.put(kSolSocket, f.tstamp_new ? kSoTimestampNew : kSoTimestampOld, b);
    } else {
      put_pair(b, 0, sec, ns);
      w.put(kSolSocket, f.tstamp_new ? kSoTimestampNsNew : kSoTimestampNsOld, b);
    }
  }

  // SO_TIMESTAMPING software stamp: "tsflags & SOF_TIMESTAMPING_SOFTWARE &&
  // (tsflags & SOF_TIMESTAMPING_RX_SOFTWARE || skb_is_err_queue(skb) ||
  // !(tsflags & SOF_TIMESTAMPING_OPT_RX_FILTER))" and a non-zero stamp
  // (ktime_to_timespec64_cond). ts[1] (legacy) and ts[2] (raw hardware) stay 0.
  bool sw = (ts & kTsSoftware) && ((ts & kTsRxSoftware) || err_queue || !(ts & kTsOptRxFilter)) && kt != 0;
  if (sw) {
    std::array<std::uint8_t, 48> b{};  // struct scm_timestamping{,64}: 3 timespecs
    put_pair(b, 0, kt / kNsPerSec, kt % kNsPerSec);
    w.put(kSolSocket, f.tstamp_new ? kSoTimestampingNew : kSoTimestampingOld, b);
  }
}

void put_sock_recv_cmsgs(ControlWriter& w, const SolSocketRecvFlags& f, const DatagramMeta& m,
                         std::int64_t now_ns) {
  // sock_recv_cmsgs: FLAGS_RECV_CMSGS = RXQ_OVFL | RCVTSTAMP | RCVMARK |
  // RCVPRIORITY | TIMESTAMPING_ANY (tsflags & (SOFTWARE | RAW_HARDWARE)).
  bool any = f.rxq_ovfl || f.rcvtstamp || f.rcvmark || f.rcvpriority ||
             (f.tsflags & (kTsSoftware | kTsRawHardware));
  if (!any) return;
  // __sock_recv_cmsgs order: timestamp, drops, mark, priority.
  put_sock_recv_timestamp(w, f, m, now_ns, false);
  if (f.rxq_ovfl && m.dropcount != 0) put_u32(w, kSolSocket, kSoRxqOvfl, m.dropcount);
  if (f.rcvmark) put_u32(w, kSolSocket, kSoMark, m.mark);
  if (f.rcvpriority) put_u32(w, kSolSocket, kSoPriority, m.priority);
}

bool has_ip_cmsg_flags(const socket::IpOptionsState& ip) {
  return ip.pktinfo || ip.recvttl || ip.recvtos || ip.recvopts || ip.retopts || ip.passsec ||
         ip.recvorigdstaddr || ip.checksum || ip.recvfragsize;
}

void put_ip_cmsgs(ControlWriter& w, const socket::IpOptionsState& ip, const DatagramMeta& m) {
  // ip_cmsg_recv_offset walks the flag bits in this fixed order, whatever
  // order they were set in.
  if (ip.pktinfo) {
    // ip_cmsg_recv_pktinfo: struct in_pktinfo {int ipi_ifindex; in_addr
    // ipi_spec_dst; in_addr ipi_addr}, ipi_addr = iph->daddr.
    std::array<std::uint8_t, 12> b{};
    put_le32(b, 0, static_cast<std::uint32_t>(m.ifindex));
    m.spec_dst.write(std::span(b).subspan(4));
    m.daddr.write(std::span(b).subspan(8));
    w.put(kSolIp, kIpPktinfo, b);
  }
  // ip_cmsg_recv_ttl: an int (sizeof(int)), not a byte.
  if (ip.recvttl) put_u32(w, kSolIp, kIpTtl, m.ttl);
  if (ip.recvtos) {
    // ip_cmsg_recv_tos: put_cmsg(..., 1, &ip_hdr(skb)->tos): one byte, ECN kept.
    std::array<std::uint8_t, 1> b{m.tos};
    w.put(kSolIp, kIpTos, b);
  }
  // ip_cmsg_recv_opts / ip_cmsg_recv_retopts: "if (IPCB(skb)->opt.optlen == 0) return;"
  if (ip.recvopts && !m.options.empty()) w.put(kSolIp, kIpRecvOpts, m.options);
  if (ip.retopts && !m.options.empty()) {
    if (!m.echo_options) {
      w.set_ctrunc();  // "if (ip_options_echo(...)) { msg->msg_flags |= MSG_CTRUNC; return; }"
    } else {
      // An echo of only NOPs is empty: a bare 16-byte header still goes out.
      w.put(kSolIp, kIpRetOpts, *m.echo_options);
    }
  }
  // ip_cmsg_recv_security: nothing without an LSM that labels packets.
  if (ip.passsec && m.security_context) w.put(kSolIp, kScmSecurity, *m.security_context);
  if (ip.recvorigdstaddr && m.dst_port) {
    // ip_cmsg_recv_dstaddr: sockaddr_in of iph->daddr and ports[1].
    w.put(kSolIp, kIpOrigDstAddr, sockaddr_in_bytes(kAfInet, m.daddr, *m.dst_port));
  }
  // ip_cmsg_recv_checksum: only for CHECKSUM_COMPLETE skbs; a __wsum.
  if (ip.checksum && m.checksum) put_u32(w, kSolIp, kIpChecksum, *m.checksum);
  // ip_cmsg_recv_fragsize: "if (IPCB(skb)->frag_max_size == 0) return;" an int.
  if (ip.recvfragsize && m.frag_max_size != 0) put_u32(w, kSolIp, kIpRecvFragsize, m.frag_max_size);
}

RecvControl datagram_recv_control(std::uint64_t controllen, const socket::IpOptionsState& ip,
                                  const SolSocketRecvFlags& f, const DatagramMeta& m, std::int64_t now_ns) {
  ControlWriter w(controllen);
  put_sock_recv_cmsgs(w, f, m, now_ns);
  if (has_ip_cmsg_flags(ip)) put_ip_cmsgs(w, ip, m);
  return {w.bytes(), w.used(), w.msg_flags()};
}

}  // namespace ipc::stack::cmsg
