// The control messages a datagram read (recvmsg on UDP, raw and ping
// sockets) writes: the SOL_SOCKET ones of sock_recv_cmsgs (net/socket.c
// __sock_recv_cmsgs, __sock_recv_timestamp, sock_recv_drops/mark/priority)
// followed by the SOL_IP ones of ip_cmsg_recv_offset (net/ipv4/ip_sockglue.c),
// in the kernel's fixed order and sizes, into a ControlWriter (put_cmsg).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "stack/cmsg/control_writer.hpp"
#include "stack/socket/ip_sockopt.hpp"
#include "stack/wire/address.hpp"

namespace ipc::stack::cmsg {

// The socket-level receive flags (struct sock sk_flags / sk_tsflags).
struct SolSocketRecvFlags {
  bool rcvtstamp = false;    // SOCK_RCVTSTAMP: SO_TIMESTAMP or SO_TIMESTAMPNS on
  bool rcvtstampns = false;  // SOCK_RCVTSTAMPNS: it was SO_TIMESTAMPNS
  bool tstamp_new = false;   // SOCK_TSTAMP_NEW: set through a *_NEW option name
  std::uint32_t tsflags = 0; // sk_tsflags (SO_TIMESTAMPING)
  bool rxq_ovfl = false;     // SO_RXQ_OVFL
  bool rcvmark = false;      // SO_RCVMARK
  bool rcvpriority = false;  // SO_RCVPRIORITY
};

// What the receive path knows about one datagram (the skb and its control
// block). The IP layer computes these; this module only lays them out.
struct DatagramMeta {
  // PKTINFO_SKB_CB: ipi_ifindex = inet_iif(skb), ipi_spec_dst =
  // fib_compute_spec_dst(skb), both from ipv4_pktinfo_prepare. (On an ICMP
  // error's skb nobody called it: the cb still holds IPCB, so ifindex is the
  // iif and spec_dst the options' faddr, normally 0.)
  int ifindex = 0;
  wire::Ipv4Address spec_dst;
  wire::Ipv4Address daddr;  // iph->daddr (ipi_addr, IP_ORIGDSTADDR)
  wire::Ipv4Address saddr;  // iph->saddr (the error queue's offender)
  std::uint8_t ttl = 0, tos = 0;
  // The header's options as ip_options_compile left them on input (RR/TS
  // filled in): IP_RECVOPTS. Empty: IPCB(skb)->opt.optlen == 0, and then
  // neither IP_RECVOPTS nor IP_RETOPTS is put.
  std::vector<std::uint8_t> options;
  // ip_options_echo + ip_options_undo of those options (IP_RETOPTS);
  // nullopt: ip_options_echo failed (MSG_CTRUNC, no cmsg).
  std::optional<std::vector<std::uint8_t>> echo_options;
  // ports[1] of the transport header (IP_ORIGDSTADDR), host order; nullopt
  // when skb_transport_offset + 4 > skb->len (no cmsg).
  std::optional<std::uint16_t> dst_port;
  std::uint16_t frag_max_size = 0;         // IPCB frag_max_size (0: no IP_RECVFRAGSIZE)
  std::optional<std::uint32_t> checksum;   // skb->csum when CHECKSUM_COMPLETE, offset-adjusted
  std::optional<std::vector<std::uint8_t>> security_context;  // IP_PASSSEC; nullopt: no LSM
  std::int64_t tstamp_ns = 0;              // skb->tstamp (0: not stamped)
  std::uint32_t dropcount = 0, mark = 0, priority = 0;
};

// sock_recv_cmsgs: the SOL_SOCKET timestamp/drops/mark/priority cmsgs.
// `now_ns` stands in for __net_timestamp when a stamp is asked for and the
// skb has none.
void put_sock_recv_cmsgs(ControlWriter& w, const SolSocketRecvFlags& f, const DatagramMeta& m,
                         std::int64_t now_ns);
// sock_recv_timestamp alone (ip_recv_error calls it directly). `err_queue`:
// skb_is_err_queue, which bypasses SOF_TIMESTAMPING_OPT_RX_FILTER.
void put_sock_recv_timestamp(ControlWriter& w, const SolSocketRecvFlags& f, const DatagramMeta& m,
                             std::int64_t now_ns, bool err_queue);
// ip_cmsg_recv_offset: the SOL_IP cmsgs the socket's flags ask for.
void put_ip_cmsgs(ControlWriter& w, const socket::IpOptionsState& ip, const DatagramMeta& m);
// Whether any IP receive flag is on (inet_cmsg_flags(inet) != 0).
bool has_ip_cmsg_flags(const socket::IpOptionsState& ip);

struct RecvControl {
  std::vector<std::uint8_t> control;  // the bytes written (msg_controllen of them)
  std::uint64_t controllen = 0;       // msg_controllen after the call
  int msg_flags = 0;                  // MSG_CTRUNC or 0 (the data path adds MSG_TRUNC)
};

// udp_recvmsg / raw_recvmsg / ping_recvmsg: sock_recv_cmsgs then, when any
// IP flag is on, ip_cmsg_recv_offset. (TCP never calls the IP part.)
RecvControl datagram_recv_control(std::uint64_t controllen, const socket::IpOptionsState& ip,
                                  const SolSocketRecvFlags& f, const DatagramMeta& m, std::int64_t now_ns);

}  // namespace ipc::stack::cmsg
