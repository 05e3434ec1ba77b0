// sk_getsockopt (net/core/sock.c) for the options SolSocketState holds.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "stack/sol_socket/sol_sockopt.hpp"

namespace ipc::stack::sol_socket {
namespace {

constexpr long long kHz = 250;

// sk_getsockopt's tail: "if (len > lv) len = lv; copy_to_sockptr(optval,
// &v, len)": the first min(len, size) bytes of the value, whatever they are
// (optlen 1 of an int gives its low byte).
SockoptResult out_bytes(const void* data, int size, int len) {
  SockoptResult r;
  r.optlen = std::min(len, size);
  r.value.resize(static_cast<std::size_t>(r.optlen));
  if (!r.value.empty()) std::memcpy(r.value.data(), data, r.value.size());  // not with null, even for 0 bytes
  return r;
}
SockoptResult out_int(int v, int len) { return out_bytes(&v, sizeof v, len); }

// sock_get_timeout: MAX_SCHEDULE_TIMEOUT reads 0/0; otherwise whole
// seconds and the remaining jiffies in microseconds.
SockoptResult out_timeout(long long timeo, int len) {
  std::int64_t tv[2] = {0, 0};
  if (timeo != kNoTimeout) {
    tv[0] = timeo / kHz;
    tv[1] = (timeo % kHz) * 1000000 / kHz;
  }
  return out_bytes(tv, sizeof tv, len);
}

}  // namespace

SockoptResult sol_getsockopt(SolSocketState& s, const SolSocketFacts& f, int optname,
                             int optlen) {
  // "if (len < 0) return -EINVAL" before anything is read (SO_ERROR is not
  // cleared then).
  if (optlen < 0) return {EINVAL, {}, optlen};
  const int len = optlen;
  switch (optname) {
    case kSoDebug: return out_int(s.debug, len);
    case kSoDontroute: return out_int(s.dontroute, len);
    case kSoBroadcast: return out_int(s.broadcast, len);
    case kSoSndbuf: return out_int(s.sndbuf, len);
    case kSoRcvbuf: return out_int(s.rcvbuf, len);
    case kSoReuseaddr: return out_int(s.reuseaddr, len);
    case kSoReuseport: return out_int(s.reuseport, len);
    case kSoKeepalive: return out_int(s.keepalive, len);
    case kSoType: return out_int(f.type, len);
    case kSoProtocol: return out_int(f.protocol, len);
    case kSoDomain: return out_int(f.family, len);
    case kSoError: {
      // "v.val = -sock_error(sk); if (v.val == 0) v.val = xchg(&sk->sk_err_soft, 0)".
      int v = s.sk_err;
      s.sk_err = 0;
      if (v == 0) std::swap(v, s.sk_err_soft);
      return out_int(v, len);
    }
    case kSoOobinline: return out_int(s.oobinline, len);
    case kSoNoCheck: return out_int(s.no_check, len);
    case kSoPriority: return out_int(s.priority, len);
    case kSoLinger: {
      // l_onoff = the flag, l_linger = sk_lingertime / HZ as an int (a
      // saturated MAX_SCHEDULE_TIMEOUT shows its truncated quotient).
      const int ling[2] = {s.linger ? 1 : 0, static_cast<int>(s.lingertime_jiffies / kHz)};
      return out_bytes(ling, sizeof ling, len);
    }
    case kSoTimestampOld:
      return out_int(s.rcvtstamp && !s.tstamp_new && !s.rcvtstampns, len);
    case kSoTimestampnsOld: return out_int(s.rcvtstampns && !s.tstamp_new, len);
    case kSoTimestampNew: return out_int(s.rcvtstamp && s.tstamp_new && !s.rcvtstampns, len);
    case kSoTimestampnsNew: return out_int(s.rcvtstampns && s.tstamp_new, len);
    case kSoRcvtimeoOld:
    case kSoRcvtimeoNew: return out_timeout(s.rcvtimeo_jiffies, len);
    case kSoSndtimeoOld:
    case kSoSndtimeoNew: return out_timeout(s.sndtimeo_jiffies, len);
    case kSoRcvlowat: return out_int(s.rcvlowat, len);
    case kSoSndlowat: return out_int(1, len);  // "v.val = 1"
    case kSoPasscred:
    case kSoPasssec: return {EOPNOTSUPP, {}, optlen};
    case kSoAcceptconn: return out_int(f.listening, len);
    case kSoMark: return out_int(static_cast<int>(s.mark), len);
    case kSoPeekOff:
      if (f.type == kSockRaw) return {EOPNOTSUPP, {}, optlen};
      return out_int(s.peek_off, len);
    case kSoBindtoifindex: return out_int(s.bound_dev_if, len);
    case kSoBindtodevice: {
      // sock_getbindtodevice: unbound -> optlen 0; else len < IFNAMSIZ ->
      // EINVAL; the name and its NUL, optlen strlen + 1.
      if (s.bound_dev_if == 0) return {0, {}, 0};
      if (len < 16) return {EINVAL, {}, optlen};
      const auto dev = std::find_if(f.devices.begin(), f.devices.end(),
                                    [&](const Device& d) { return d.ifindex == s.bound_dev_if; });
      if (dev == f.devices.end()) return {ENODEV, {}, optlen};  // netdev_get_name
      SockoptResult r;
      r.value.assign(dev->name.begin(), dev->name.end());
      r.value.push_back(0);
      r.optlen = static_cast<int>(r.value.size());
      return r;
    }
    default:
      // SO_SNDBUFFORCE, SO_RCVBUFFORCE, SO_BSDCOMPAT and unknown numbers.
      return {ENOPROTOOPT, {}, optlen};
  }
}

}  // namespace ipc::stack::sol_socket
