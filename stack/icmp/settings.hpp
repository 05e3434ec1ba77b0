// The sysctls the ICMP layer reads, with Linux's defaults (net/ipv4/icmp.c
// icmp_sk_init, net/ipv4/sysctl_net_ipv4.c, net/ipv4/route.c).
#pragma once

#include <chrono>
#include <cstdint>

namespace ipc::stack::icmp {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct IcmpSettings {
  bool echo_ignore_all = false;              // net.ipv4.icmp_echo_ignore_all
  bool echo_ignore_broadcasts = true;        // net.ipv4.icmp_echo_ignore_broadcasts
  bool ignore_bogus_error_responses = true;  // net.ipv4.icmp_ignore_bogus_error_responses
  bool errors_use_inbound_ifaddr = false;    // net.ipv4.icmp_errors_use_inbound_ifaddr
  // net.ipv4.icmp_ratelimit, in milliseconds (proc_dointvec_ms_jiffies). The
  // kernel keeps jiffies; this model counts milliseconds (HZ = 1000).
  int ratelimit_ms = 1000;
  std::uint32_t ratemask = 0x1818;  // net.ipv4.icmp_ratemask: types 3, 4, 11, 12
  int msgs_per_sec = 1000;          // net.ipv4.icmp_msgs_per_sec
  int msgs_burst = 50;              // net.ipv4.icmp_msgs_burst
  std::uint8_t ip_default_ttl = 64;  // net.ipv4.ip_default_ttl: the ICMP socket's uc_ttl is -1
  int ip_no_pmtu_disc = 0;           // net.ipv4.ip_no_pmtu_disc (icmp_unreach reads it for frag needed)
};

}  // namespace ipc::stack::icmp
