#include "stack/sol_socket/sol_sockopt.hpp"

namespace ipc::stack::sol_socket {

SolSocketState initial_sol_state(const SolSocketFacts& f) {
  SolSocketState s;
  if (f.type == kSockStream) {
    // tcp_init_sock: sk_sndbuf = tcp_wmem[1], sk_rcvbuf = tcp_rmem[1].
    s.sndbuf = 16384;
    s.rcvbuf = 131072;
  }
  // inetsw_array: raw and ping (SOCK_DGRAM + IPPROTO_ICMP) carry
  // INET_PROTOSW_REUSE, so inet_create sets sk_reuse = SK_CAN_REUSE.
  s.reuseaddr = f.type == kSockRaw || (f.type == kSockDgram && f.protocol == 1);
  return s;
}

bool is_sol_sockopt_handled(int optname) {
  switch (optname) {
    case kSoDebug: case kSoReuseaddr: case kSoType: case kSoError: case kSoDontroute:
    case kSoBroadcast: case kSoSndbuf: case kSoRcvbuf: case kSoKeepalive: case kSoOobinline:
    case kSoNoCheck: case kSoPriority: case kSoLinger: case kSoBsdcompat: case kSoReuseport:
    case kSoPasscred: case kSoRcvlowat: case kSoSndlowat: case kSoRcvtimeoOld:
    case kSoSndtimeoOld: case kSoBindtodevice: case kSoTimestampOld: case kSoAcceptconn:
    case kSoSndbufforce: case kSoRcvbufforce: case kSoPasssec: case kSoTimestampnsOld:
    case kSoMark: case kSoProtocol: case kSoDomain: case kSoPeekOff: case kSoBindtoifindex:
    case kSoTimestampNew: case kSoTimestampnsNew: case kSoRcvtimeoNew: case kSoSndtimeoNew:
      return true;
    default:
      return false;
  }
}

}  // namespace ipc::stack::sol_socket
