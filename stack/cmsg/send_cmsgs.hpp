// Parsing a sendmsg control buffer on an IPv4 datagram socket into the
// kernel's struct ipcm_cookie: ip_cmsg_send (net/ipv4/ip_sockglue.c),
// __sock_cmsg_send (net/core/sock.c) for SOL_SOCKET, udp_cmsg_send
// (net/ipv4/udp.c) for SOL_UDP, and ____sys_sendmsg's checks on
// msg_controllen (net/socket.c). Each quirk is commented where it is copied.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "stack/cmsg/cmsg_abi.hpp"
#include "stack/socket/ip_options_set.hpp"
#include "stack/wire/address.hpp"

namespace ipc::stack::cmsg {

// struct sockcm_cookie.
struct SockcmCookie {
  std::uint64_t transmit_time = 0;  // SCM_TXTIME
  std::uint32_t mark = 0;           // SO_MARK (ipcm_init_sk: sk_mark)
  std::uint32_t tsflags = 0;        // sk_tsflags, TX record bits replaced by SO_TIMESTAMPING
  std::uint32_t ts_opt_id = 0;      // SCM_TS_OPT_ID (tsflags then has kSockcmFlagTsOptId)
  std::uint32_t priority = 0;       // SO_PRIORITY / IP_TOS (ipcm_init_sk: sk_priority)
  std::uint32_t dmabuf_id = 0;      // SCM_DEVMEM_DMABUF
};
inline constexpr std::uint32_t kSockcmFlagTsOptId = 1u << 31;  // SOCKCM_FLAG_TS_OPT_ID
// SOF_TIMESTAMPING_TX_RECORD_MASK: TX_HARDWARE | TX_SOFTWARE | TX_SCHED | TX_ACK | TX_COMPLETION.
inline constexpr std::uint32_t kTsTxRecordMask = kTsTxHardware | kTsTxSoftware | kTsTxSched | kTsTxAck | kTsTxCompletion;

// struct ipcm_cookie.
struct IpcmCookie {
  SockcmCookie sockc;
  wire::Ipv4Address addr;  // source (ipcm_init_sk: inet_saddr; IP_PKTINFO ipi_spec_dst)
  int oif = 0;             // ipcm_init_sk: sk_bound_dev_if; IP_PKTINFO ipi_ifindex
  std::optional<socket::CompiledIpOptions> opt;  // IP_RETOPTS (nullopt: the socket's own)
  std::uint8_t protocol = 0;  // ipcm_init_sk: inet_num; IP_PROTOCOL
  std::uint8_t ttl = 0;       // 0: not given
  std::int16_t tos = -1;      // -1: not given
  std::uint16_t gso_size = 0; // UDP_SEGMENT
};

// What the parsers need to know about the socket.
struct SendFacts {
  bool cap_net_raw = true, cap_net_admin = true;  // ns_capable in the socket's netns
  bool txtime = false;         // SOCK_TXTIME (SO_TXTIME set)
  std::uint32_t sk_tsflags = 0;
  bool is_tcp = false;
  socket::IpOptionsContext options_ctx;  // for IP_RETOPTS (cap_net_raw should match)
};

// ipcm_init_sk with the socket's values.
IpcmCookie ipcm_init_sk(wire::Ipv4Address inet_saddr, int bound_dev_if, std::uint8_t inet_num,
                        std::uint32_t sk_mark, std::uint32_t sk_tsflags, std::uint32_t sk_priority);

// ____sys_sendmsg before the protocol sees the buffer: msg_controllen >
// INT_MAX -> ENOBUFS; a buffer larger than the on-stack 36 bytes comes from
// sock_kmalloc, which refuses more than net.core.optmem_max (with what the
// socket already holds) -> ENOBUFS. 0 when the copy goes ahead.
int check_send_controllen(std::uint64_t controllen, std::uint64_t optmem_max, std::uint64_t omem_alloc = 0);

// __sock_cmsg_send for one SOL_SOCKET header: 0 or a positive errno.
int sock_cmsg_send(int type, std::span<const std::uint8_t> data, std::uint64_t cmsg_len, const SendFacts& f,
                   SockcmCookie& sockc);

// ip_cmsg_send (AF_INET socket, so no IPV6_PKTINFO): 0 or a positive errno.
// `ipc` is updated header by header, as the kernel does, also on failure.
int ip_cmsg_send(std::span<const std::uint8_t> control, const SendFacts& f, IpcmCookie& ipc);

// udp_sendmsg's pair: udp_cmsg_send walks the whole buffer for SOL_UDP first
// (UDP_SEGMENT; any other SOL_UDP type -> EINVAL) and ip_cmsg_send runs only
// if some header had another level. 0 or a positive errno.
int udp_cmsg_send(std::span<const std::uint8_t> control, const SendFacts& f, IpcmCookie& ipc);

// rt_tos2priority (include/net/route.h): what IP_TOS puts in sockc.priority.
std::uint32_t rt_tos2priority(std::uint8_t tos);

}  // namespace ipc::stack::cmsg
