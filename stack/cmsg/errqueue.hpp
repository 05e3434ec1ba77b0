// A MSG_ERRQUEUE read on an IPv4 socket: ip_recv_error (net/ipv4/ip_sockglue.c).
// The entry is what ip_icmp_error / ip_local_error queued (the skb pulled to
// its payload, with struct sock_exterr_skb); the result is the data, the
// msg_name, the control buffer (the quoted packet's IP cmsgs, then IP_RECVERR
// = struct sock_extended_err + the offender's sockaddr_in) and msg_flags.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "stack/cmsg/recv_cmsgs.hpp"
#include "stack/cmsg/sockaddr.hpp"
#include "stack/socket/ip_sockopt.hpp"
#include "stack/wire/address.hpp"

namespace ipc::stack::cmsg {

// SO_EE_ORIGIN_* (include/uapi/linux/errqueue.h).
inline constexpr std::uint8_t kEeOriginNone = 0, kEeOriginLocal = 1, kEeOriginIcmp = 2, kEeOriginIcmp6 = 3,
                              kEeOriginTimestamping = 4, kEeOriginZerocopy = 5, kEeOriginTxtime = 6;

// struct sock_extended_err (16 bytes; ee_data doubles as the RFC 4884 struct).
struct SockExtendedErr {
  std::uint32_t ee_errno = 0;
  std::uint8_t ee_origin = 0, ee_type = 0, ee_code = 0, ee_pad = 0;
  std::uint32_t ee_info = 0;
  std::uint32_t ee_data = 0;
};

struct ErrQueueEntry {
  SockExtendedErr ee;
  // *(skb_network_header + serr->addr_offset): the quoted header's daddr for
  // ip_icmp_error, the destination for ip_local_error.
  wire::Ipv4Address addr;
  std::uint16_t port = 0;             // serr->port, host order
  std::vector<std::uint8_t> payload;  // the skb's data (the quoted payload; empty for LOCAL)
  // The queued skb's own IP header and cb: for an ICMP error that is the ICMP
  // packet (saddr = the offender, its TTL and TOS feed IP_TTL / IP_TOS). For
  // IP_ORIGDSTADDR note that the transport header was reset to the payload,
  // so dst_port is payload bytes 2..3 (nullopt below 4 bytes).
  DatagramMeta meta;
};

struct ErrQueueRead {
  int ret = 0;                        // bytes copied (never the full length)
  std::vector<std::uint8_t> data;     // the copied payload
  // msg_name (addr_len 16) when ipv4_datagram_support_addr; nullopt: no
  // address, and inet_recvmsg's addr_len stays 0 (msg_namelen 0).
  std::optional<std::array<std::uint8_t, kSockaddrInLen>> name;
  std::vector<std::uint8_t> control;
  std::uint64_t controllen = 0;
  int msg_flags = 0;                  // MSG_ERRQUEUE | MSG_TRUNC? | MSG_CTRUNC?
};

// The bytes of the IP_RECVERR cmsg's data: errhdr {ee; offender} (32 bytes).
std::array<std::uint8_t, 32> recverr_payload(const SockExtendedErr& ee, bool offender_known,
                                             wire::Ipv4Address offender);

// ip_recv_error for a dequeued entry (an empty queue is EAGAIN, the caller's).
// `len`: the iovec's total length.
ErrQueueRead ip_recv_error(const ErrQueueEntry& e, std::uint64_t len, std::uint64_t controllen,
                           const socket::IpOptionsState& ip, const SolSocketRecvFlags& f, std::int64_t now_ns);

}  // namespace ipc::stack::cmsg
