// A socket of the reference stack: its kind, its option state and its
// queues. Protocol code (udp.cpp, raw.cpp) fills the queues; the syscall
// edge (stack/api) reads them.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "stack/mcast/mcast_membership.hpp"
#include "stack/socket/ip_sockopt.hpp"
#include "stack/sol_socket/sol_sockopt.hpp"
#include "stack/wire/address.hpp"

namespace ipc::stack::core {

using wire::Ipv4Address;
using Clock = std::chrono::steady_clock;

// What a queued packet charges to the receive buffer beyond its bytes
// (skb->truesize: the sk_buff and shared info, rounded as SKB_TRUESIZE).
inline constexpr std::size_t kSkbTruesizeOverhead = 768;

// What arrived with a datagram, for recvmsg's address and control messages.
struct Datagram {
  std::vector<std::uint8_t> data;  // UDP payload, or the whole IP packet on a raw socket
  Ipv4Address src, dst;            // IP source and destination
  std::uint16_t src_port = 0, dst_port = 0;
  int ifindex = 0;                 // arriving device
  Ipv4Address spec_dst;            // ipi_spec_dst: the local address the reply would use
  std::uint8_t ttl = 0, tos = 0;
  std::vector<std::uint8_t> options;      // IP options as received (after this hop's processing)
  std::vector<std::uint8_t> echo_options; // ip_options_echo of them (IP_RETOPTS)
  std::uint16_t frag_max_size = 0;        // largest fragment, 0 if not reassembled
  std::uint16_t udp_check = 0;            // raw UDP checksum field, for IP_CHECKSUM
  Clock::time_point stamp{};
  std::chrono::system_clock::time_point wall_stamp{};
};

// An entry of the error queue (sock_exterr_skb): the extended error plus the
// offending packet's payload as the error queue returns it.
struct QueuedError {
  std::uint32_t ee_errno = 0;
  std::uint8_t origin = 0;  // SO_EE_ORIGIN_*
  std::uint8_t type = 0, code = 0;
  std::uint32_t info = 0, data = 0;
  Ipv4Address offender;       // the error's sender (serr->addr_offset)
  bool has_offender = false;
  std::vector<std::uint8_t> payload;  // what recvmsg(MSG_ERRQUEUE) returns as data
  Ipv4Address addr;            // msg_name: the quoted destination
  std::uint16_t port = 0;      // the quoted destination port
  Datagram meta;               // for IP_PKTINFO etc. on the quoted packet
  std::size_t truesize = 0;    // what it charges to the receive buffer (set by queue_error)
};

enum class Kind { Udp, Raw, Unsupported, Ping, Tcp };  // Ping: SOCK_DGRAM + IPPROTO_ICMP

struct TcpSock;  // stack/core/tcp_sock.hpp

struct Socket {
  int type = 0;      // SOCK_DGRAM, SOCK_RAW, SOCK_STREAM (without flag bits)
  int protocol = 0;  // as given, or resolved (IPPROTO_UDP for a datagram socket)
  Kind kind = Kind::Udp;
  bool nonblock = false;
  std::uint64_t id = 0;  // key in the UDP port table

  socket::IpOptionsState ip;

  sol_socket::SolSocketState sol;  // SOL_SOCKET options, sk_err
  bool shut_rd = false, shut_wr = false;

  // Raw sockets: bind and connect state (inet_rcv_saddr, inet_daddr).
  Ipv4Address raw_local;
  std::optional<Ipv4Address> raw_peer;
  bool raw_unhashed_port = false;       // after connect(AF_UNSPEC): getsockname port 0
  bool raw_unhashed = false;            // after connect(AF_UNSPEC), until the next connect: receives nothing
  bool raw_local_from_connect = false;  // raw_local was filled in by connect()
  // UDP: connected (TCP_ESTABLISHED in sk_state).
  bool connected = false;
  Ipv4Address peer; std::uint16_t peer_port = 0;
  int cached_path_mtu = 0;  // dst_mtu of the connected route (IP_MTU)
  // Ping sockets: the echo identifier (inet_num / inet_sport); 0 until bound.
  // The local address is raw_local (inet_rcv_saddr == inet_saddr); the
  // peer is connected/peer/peer_port as on UDP.
  std::uint16_t ping_ident = 0;
  bool ping_addr_lock = false;  // SOCK_BINDADDR_LOCK (ping_bind to an address)
  bool ping_port_lock = false;  // SOCK_BINDPORT_LOCK (ping_bind to an ident)

  // IP_OPTIONS was set, even to nothing: Linux keeps an inet_opt of length
  // 0 then, and raw_sendmsg with IP_HDRINCL refuses to send (EINVAL).
  bool ip_options_set = false;
  mcast::McastSocketState mc;  // memberships, IP_MULTICAST_IF, IP_UNICAST_IF

  // TCP: the connection, or the listener's queues (tcp_sock.hpp).
  std::shared_ptr<TcpSock> tcp;

  std::deque<Datagram> rx;
  std::size_t rx_bytes = 0;
  std::deque<QueuedError> errq;
  std::optional<Clock::time_point> last_rx_stamp;
  std::optional<std::chrono::system_clock::time_point> last_rx_wall;
};

}  // namespace ipc::stack::core
