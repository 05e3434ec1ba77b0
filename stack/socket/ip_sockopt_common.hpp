// Internal to ip_sockopt_*.cpp: the checks setsockopt and getsockopt share.
#pragma once

#include "stack/socket/ip_sockopt.hpp"

namespace ipc::stack::socket::detail {

// ip_mroute_opt(): MRT_BASE <= optname <= MRT_MAX.
bool is_mroute_opt(int optname);
// ip_mroute_{set,get}sockopt: "sk->sk_type != SOCK_RAW || inet_num !=
// IPPROTO_IGMP" -> EOPNOTSUPP, before the option is looked at.
bool is_raw_igmp(const SocketFacts& f);
// inet_num: the protocol for SOCK_RAW (inet_create), the local port otherwise.
int inet_num(const SocketFacts& f);
// nf_setsockopt / nf_getsockopt for PF_INET after do_ip_*sockopt said
// ENOPROTOOPT: ip_tables and arp_tables (built in on the reference kernel).
int netfilter_set(const SocketFacts& f, int optname);
int netfilter_get(const SocketFacts& f, int optname);

}  // namespace ipc::stack::socket::detail
