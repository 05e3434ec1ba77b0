// The IPPROTO_TCP level of setsockopt/getsockopt (do_tcp_setsockopt,
// do_tcp_getsockopt): the options the engine reads, with Linux's bounds and
// the values read back. Options not emulated answer ENOPROTOOPT.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stack/tcp/connection.hpp"

namespace ipc::stack::tcp {

// What the option layer needs to know about the socket and the namespace.
struct SockoptFacts {
  bool closed_or_listening = true;  // TCPF_CLOSE | TCPF_LISTEN
  int mss_cache = 536;              // tp->mss_cache (TCP_MSS_DEFAULT before a connection)
  int sysctl_syn_retries = 6;
  int sysctl_keepalive_time_s = 7200, sysctl_keepalive_intvl_s = 75, sysctl_keepalive_probes = 9;
  int sysctl_fin_timeout_s = 60;
};

struct SockoptResult {
  int err = 0;                       // 0 or a positive errno
  std::vector<std::uint8_t> value;   // get: the bytes written
  int optlen = 0;                    // get: the optlen written back
};

// `value` holds what the caller passed (optlen bytes, or fewer if unreadable).
SockoptResult tcp_setsockopt(Options& o, int optname, std::span<const std::uint8_t> value, int optlen);
SockoptResult tcp_getsockopt(const Options& o, const SockoptFacts& f, int optname, int optlen);

}  // namespace ipc::stack::tcp
