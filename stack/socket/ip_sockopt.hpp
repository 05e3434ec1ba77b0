// setsockopt/getsockopt at IPPROTO_IP for the non-multicast-membership
// options, reproducing Linux's net/ipv4/ip_sockglue.c (ip_setsockopt,
// do_ip_setsockopt, __ip_sock_set_tos, ip_ra_control, ip_getsockopt,
// do_ip_getsockopt) and the generic checks around them (__sys_setsockopt,
// the netfilter and multicast-routing fallbacks). Typed state only: no
// packets. Each quirk is commented where it is copied, with the kernel
// function and condition; the expected results are the suite's
// cases/sockopt/*.toml (6.18), which win over older kernel sources.
#pragma once

#include <array>

#include <cstdint>
#include <span>
#include <vector>

#include "stack/socket/ip_options_set.hpp"

namespace ipc::stack::socket {

enum class SockType { Stream, Dgram, Raw };

// struct inet_sock's option fields (plus sk_priority, which IP_TOS sets).
struct IpOptionsState {
  int ttl = -1;  // uc_ttl; -1: use sysctl_ip_default_ttl at read time
  int tos = 0;   // u8 inet->tos
  int sk_priority = 0;  // SO_PRIORITY, set from the TOS by rt_tos2priority
  bool hdrincl = false, recverr = false, recverr_rfc4884 = false, pktinfo = false,
       recvttl = false, recvtos = false, recvopts = false, retopts = false, freebind = false,
       transparent = false, nodefrag = false, bind_address_no_port = false, passsec = false,
       recvorigdstaddr = false, checksum = false, recvfragsize = false;
  bool router_alert = false;  // RTALERT: the socket is on the netns ra_chain
  int pmtudisc = 1;
  int minttl = 0;
  std::uint32_t local_port_range = 0;  // lo | hi << 16, 0: none
  CompiledIpOptions options;           // inet_opt (empty: none)
  int mc_ttl = 1;
  bool mc_loop = true, mc_all = true;
};

struct SocketFacts {
  SockType type = SockType::Dgram;
  int protocol = 0;
  bool connected = false;  // a route is cached (sk_dst_get != NULL)
  int path_mtu = 0;        // dst_mtu of that route, for IP_MTU
  int local_port = 0;      // inet_num of a TCP/UDP socket (0 before bind)
  int default_ttl = 64;    // net.ipv4.ip_default_ttl
  bool no_pmtu_disc = false;  // net.ipv4.ip_no_pmtu_disc != 0
  bool cap_net_admin = true, cap_net_raw = true;
  IpOptionsContext options_ctx;  // for IP_OPTIONS (cap_net_raw is copied in)
  // IP_PKTOPTIONS (stream sockets): inet_rcv_saddr, inet->mc_index and
  // inet->rcv_tos (tcp_v4_syn_recv_sock fills the last two from the SYN).
  std::array<std::uint8_t, 4> rcv_saddr{};
  int mc_index = 0;
  int rcv_tos = 0;
};

struct SockoptResult {
  int err = 0;                       // 0 or a positive errno
  std::vector<std::uint8_t> value;   // get: the bytes written
  int optlen = 0;                    // get: the optlen written back (as passed on error)
};

// inet_create's defaults for a new socket.
IpOptionsState initial_ip_options(const SocketFacts&);

// Whether this layer answers (level SOL_IP, optname) itself. The multicast
// group, interface and source-filter options, IP_UNICAST_IF, IP_IPSEC_POLICY /
// IP_XFRM_POLICY, IP_PKTOPTIONS on TCP and multicast routing on a raw IGMP
// socket belong to other layers; for them the functions below answer
// ENOPROTOOPT, which is not what Linux does.
bool is_ip_sockopt_handled(const SocketFacts&, int optname);

SockoptResult ip_setsockopt(IpOptionsState&, const SocketFacts&, int level, int optname,
                            std::span<const std::uint8_t> optval, int optlen);
SockoptResult ip_getsockopt(const IpOptionsState&, const SocketFacts&, int level, int optname,
                            int optlen);

// Level SOL_IP.
SockoptResult ip_setsockopt(IpOptionsState&, const SocketFacts&, int optname,
                            std::span<const std::uint8_t> optval, int optlen);
SockoptResult ip_getsockopt(const IpOptionsState&, const SocketFacts&, int optname, int optlen);

}  // namespace ipc::stack::socket
