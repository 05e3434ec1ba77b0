// setsockopt/getsockopt at SOL_SOCKET, reproducing Linux's net/core/sock.c
// (sk_setsockopt, sk_getsockopt and their helpers: sock_setbindtodevice,
// sock_getbindtodevice, sock_bindtoindex_locked, sock_set_timeout,
// sock_get_timeout, sock_set_timestamp, __sock_set_rcvbuf) for AF_INET
// sockets. Typed state only; each quirk is commented where it is copied. The
// expected results are the suite's cases and the reference kernel (6.18,
// x86-64, HZ 250).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ipc::stack::sol_socket {

// Option numbers (asm-generic/socket.h, x86-64).
inline constexpr int kSoDebug = 1, kSoReuseaddr = 2, kSoType = 3, kSoError = 4,
                     kSoDontroute = 5, kSoBroadcast = 6, kSoSndbuf = 7, kSoRcvbuf = 8,
                     kSoKeepalive = 9, kSoOobinline = 10, kSoNoCheck = 11, kSoPriority = 12,
                     kSoLinger = 13, kSoBsdcompat = 14, kSoReuseport = 15, kSoPasscred = 16,
                     kSoRcvlowat = 18, kSoSndlowat = 19, kSoRcvtimeoOld = 20,
                     kSoSndtimeoOld = 21, kSoBindtodevice = 25, kSoTimestampOld = 29,
                     kSoAcceptconn = 30, kSoSndbufforce = 32, kSoRcvbufforce = 33,
                     kSoPasssec = 34, kSoTimestampnsOld = 35, kSoMark = 36, kSoProtocol = 38,
                     kSoDomain = 39, kSoPeekOff = 42, kSoBindtoifindex = 62,
                     kSoTimestampNew = 63, kSoTimestampnsNew = 64, kSoRcvtimeoNew = 66,
                     kSoSndtimeoNew = 67;

// Socket types as sk_type holds them.
inline constexpr int kSockStream = 1, kSockDgram = 2, kSockRaw = 3, kSockPacket = 10;

struct Device {
  int ifindex = 0;
  std::string name;
};

// What the socket layer around this one knows.
struct SolSocketFacts {
  int family = 2;  // sk_family (AF_INET)
  int type = kSockDgram;
  int protocol = 0;         // sk_protocol
  bool listening = false;   // sk_state == TCP_LISTEN (SO_ACCEPTCONN)
  bool cap_net_admin = true, cap_net_raw = true;
  int wmem_max = 4194304, rmem_max = 4194304;  // net.core.{w,r}mem_max
  int tcp_rmem_max = 33554432;                  // net.ipv4.tcp_rmem[2]
  std::vector<Device> devices;                  // the namespace's interfaces
};

inline constexpr long long kNoTimeout = -1;  // MAX_SCHEDULE_TIMEOUT

// The sock fields the options read and write.
struct SolSocketState {
  int sk_err = 0, sk_err_soft = 0;  // pending errors (positive errno); SO_ERROR clears
  bool broadcast = false, keepalive = false, dontroute = false, oobinline = false,
       no_check = false, debug = false, linger = false;
  bool reuseaddr = false;  // sk_reuse
  bool reuseport = false;
  bool rcvtstamp = false, rcvtstampns = false, tstamp_new = false;  // SOCK_RCVTSTAMP*
  int priority = 0;  // sk_priority (IP_TOS also writes it: rt_tos2priority)
  std::uint32_t mark = 0;
  int sndbuf = 212992, rcvbuf = 212992;
  bool sndbuf_locked = false, rcvbuf_locked = false;  // SOCK_{SND,RCV}BUF_LOCK
  long long lingertime_jiffies = 0;
  int bound_dev_if = 0;
  int rcvlowat = 1;
  long long rcvtimeo_jiffies = kNoTimeout, sndtimeo_jiffies = kNoTimeout;
  int peek_off = -1;
};

// sock_init_data and inet_create: buffer sizes (net.core.{w,r}mem_default,
// or tcp_{w,r}mem[1] for TCP: 16384/131072) and sk_reuse for the
// INET_PROTOSW_REUSE protocols (raw and ping sockets).
SolSocketState initial_sol_state(const SolSocketFacts&);

struct SockoptResult {
  int err = 0;                      // 0 or a positive errno
  std::vector<std::uint8_t> value;  // get: the bytes written
  int optlen = 0;                   // get: the optlen written back (as passed on error)
};

// Whether this layer answers (SOL_SOCKET, optname) itself; the others
// (SO_ATTACH_FILTER, SO_PEERCRED, SO_TIMESTAMPING, SO_TXTIME, ...) are not
// emulated, and the functions below answer ENOPROTOOPT for them.
bool is_sol_sockopt_handled(int optname);

// optval holds at least the bytes the caller passed; optlen may differ.
SockoptResult sol_setsockopt(SolSocketState&, const SolSocketFacts&, int optname,
                             std::span<const std::uint8_t> optval, int optlen);
// Not const: SO_ERROR reads and clears sk_err (then sk_err_soft).
SockoptResult sol_getsockopt(SolSocketState&, const SolSocketFacts&, int optname, int optlen);

}  // namespace ipc::stack::sol_socket
