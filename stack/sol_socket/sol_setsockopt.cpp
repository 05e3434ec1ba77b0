// sk_setsockopt (net/core/sock.c) for the options SolSocketState holds.
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "stack/sol_socket/sol_sockopt.hpp"

namespace ipc::stack::sol_socket {
namespace {

constexpr long long kHz = 250;
constexpr int kIfNameSize = 16;  // IFNAMSIZ
// SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF: 2 * (2048 + the skb overhead) on the
// reference kernel; SO_SNDBUF 0 reads back 4608, SO_RCVBUF 0 2304.
constexpr int kMinSndbuf = 4608, kMinRcvbuf = 2304;

SockoptResult fail(int err) { return {err, {}, 0}; }

std::int64_t read_i64(std::span<const std::uint8_t> v, std::size_t at) {
  std::int64_t x = 0;
  std::memcpy(&x, v.data() + at, sizeof x);
  return x;
}

// sock_bindtoindex_locked: rebinding a bound socket needs CAP_NET_RAW; a
// negative index is EINVAL. The index itself is not checked (a missing
// device is accepted here; SO_BINDTODEVICE checks the name first).
int bind_to_index(SolSocketState& s, const SolSocketFacts& f, int ifindex) {
  if (s.bound_dev_if != 0 && !f.cap_net_raw) return EPERM;
  if (ifindex < 0) return EINVAL;
  s.bound_dev_if = ifindex;
  return 0;
}

// sock_setbindtodevice: optlen < 0 -> EINVAL; at most IFNAMSIZ - 1 bytes of
// the name are read; "" (or optlen 0) unbinds; an unknown name -> ENODEV.
int set_bindtodevice(SolSocketState& s, const SolSocketFacts& f,
                     std::span<const std::uint8_t> optval, int optlen) {
  if (optlen < 0) return EINVAL;
  const auto len = static_cast<std::size_t>(std::min(optlen, kIfNameSize - 1));
  if (optval.size() < len) return EFAULT;
  std::string name(reinterpret_cast<const char*>(optval.data()), len);
  name = name.substr(0, name.find('\0'));
  int index = 0;
  if (!name.empty()) {
    const auto dev = std::find_if(f.devices.begin(), f.devices.end(),
                                  [&](const Device& d) { return d.name == name; });
    if (dev == f.devices.end()) return ENODEV;
    index = dev->ifindex;
  }
  return bind_to_index(s, f, index);
}

// sock_copy_user_timeval + sock_set_timeout: a 16-byte timeval (the old
// layout is {long, long} on x86-64, the new one {s64, s64}); usec outside
// 0..999999 -> EDOM; a negative tv_sec sets timeout 0 ("a negative timeout
// is not allowed", warned once); 0/0 means no timeout; otherwise
// sec * HZ + usec rounded up to whole jiffies.
int set_timeout(long long& timeo, std::span<const std::uint8_t> optval, int optlen) {
  constexpr int kTimevalSize = 16;
  if (optlen < kTimevalSize) return EINVAL;
  if (optval.size() < static_cast<std::size_t>(kTimevalSize)) return EFAULT;
  const std::int64_t sec = read_i64(optval, 0), usec = read_i64(optval, 8);
  if (usec < 0 || usec >= 1000000) return EDOM;
  if (sec < 0) {
    timeo = 0;
    return 0;
  }
  timeo = kNoTimeout;
  if (sec == 0 && usec == 0) return 0;
  if (sec < LONG_MAX / kHz - 1) timeo = sec * kHz + (usec + 1000000 / kHz - 1) / (1000000 / kHz);
  return 0;
}

// sock_set_timestamp.
void set_timestamp(SolSocketState& s, int optname, bool on) {
  if (!on) {
    s.rcvtstamp = s.rcvtstampns = false;
    return;
  }
  s.tstamp_new = optname == kSoTimestampNew || optname == kSoTimestampnsNew;
  s.rcvtstampns = !(optname == kSoTimestampOld || optname == kSoTimestampNew);
  s.rcvtstamp = true;
}

}  // namespace

SockoptResult sol_setsockopt(SolSocketState& s, const SolSocketFacts& f, int optname,
                             std::span<const std::uint8_t> optval, int optlen) {
  // sk_setsockopt: SO_BINDTODEVICE takes a string and is handled first;
  // every other option needs at least an int ("if (optlen < sizeof(int))
  // return -EINVAL"), unknown ones too.
  if (optname == kSoBindtodevice) return fail(set_bindtodevice(s, f, optval, optlen));
  if (optlen < static_cast<int>(sizeof(int))) return fail(EINVAL);
  if (optval.size() < sizeof(int)) return fail(EFAULT);
  int val = 0;
  std::memcpy(&val, optval.data(), sizeof val);
  const bool on = val != 0;

  switch (optname) {
    case kSoDebug:
      // "if (val && !sockopt_capable(CAP_NET_ADMIN)) ret = -EACCES".
      if (on && !f.cap_net_admin) return fail(EACCES);
      s.debug = on;
      return {};
    case kSoReuseaddr:
      s.reuseaddr = on;
      return {};
    case kSoReuseport:
      s.reuseport = on;
      return {};
    case kSoDontroute:
      s.dontroute = on;
      return {};
    case kSoBroadcast:
      s.broadcast = on;
      return {};
    case kSoKeepalive:
      s.keepalive = on;
      return {};
    case kSoOobinline:
      s.oobinline = on;
      return {};
    case kSoNoCheck:
      s.no_check = on;
      return {};
    case kSoBsdcompat:
      return {};  // accepted and ignored
    case kSoSndbufforce:
    case kSoSndbuf: {
      long long v = 0;
      if (optname == kSoSndbufforce) {
        // "if (!sockopt_capable(CAP_NET_ADMIN)) ret = -EPERM"; negative -> 0.
        if (!f.cap_net_admin) return fail(EPERM);
        v = std::max(val, 0);
      } else {
        // "val = min_t(u32, val, READ_ONCE(sysctl_wmem_max))": a negative
        // value is a huge u32 and becomes wmem_max.
        v = std::min<long long>(static_cast<std::uint32_t>(val), f.wmem_max);
      }
      v = std::min<long long>(v, INT_MAX / 2);
      s.sndbuf_locked = true;
      s.sndbuf = static_cast<int>(std::max<long long>(v * 2, kMinSndbuf));
      return {};
    }
    case kSoRcvbufforce:
    case kSoRcvbuf: {
      long long v = 0;
      if (optname == kSoRcvbufforce) {
        if (!f.cap_net_admin) return fail(EPERM);
        v = std::max(val, 0);
      } else {
        v = std::min<long long>(static_cast<std::uint32_t>(val), f.rmem_max);
      }
      // __sock_set_rcvbuf.
      v = std::min<long long>(v, INT_MAX / 2);
      s.rcvbuf_locked = true;
      s.rcvbuf = static_cast<int>(std::max<long long>(v * 2, kMinRcvbuf));
      return {};
    }
    case kSoPriority:
      // sk_set_prio_allowed: 0..TC_PRIO_INTERACTIVE (6) for anyone, other
      // values with CAP_NET_RAW or CAP_NET_ADMIN; EPERM leaves it unchanged.
      if (!((val >= 0 && val <= 6) || f.cap_net_raw || f.cap_net_admin)) return fail(EPERM);
      s.priority = val;
      return {};
    case kSoMark:
      // CAP_NET_RAW or CAP_NET_ADMIN, whatever the value.
      if (!f.cap_net_raw && !f.cap_net_admin) return fail(EPERM);
      s.mark = static_cast<std::uint32_t>(val);
      return {};
    case kSoLinger: {
      // "if (optlen < sizeof(ling)) ret = -EINVAL"; l_onoff 0 clears the
      // flag and keeps sk_lingertime; a huge l_linger (as unsigned long)
      // saturates at MAX_SCHEDULE_TIMEOUT.
      if (optlen < 8) return fail(EINVAL);
      if (optval.size() < 8) return fail(EFAULT);
      int onoff = 0, seconds = 0;
      std::memcpy(&onoff, optval.data(), 4);
      std::memcpy(&seconds, optval.data() + 4, 4);
      if (onoff == 0) {
        s.linger = false;
        return {};
      }
      const auto t = static_cast<unsigned long>(static_cast<long>(seconds));
      s.lingertime_jiffies = t >= static_cast<unsigned long>(LONG_MAX / kHz)
                                 ? LONG_MAX
                                 : static_cast<long long>(t) * kHz;
      s.linger = true;
      return {};
    }
    case kSoPasscred:
    case kSoPasssec:
      // Only for AF_UNIX / AF_NETLINK since 6.16 (sk_may_scm_recv).
      return fail(EOPNOTSUPP);
    case kSoTimestampOld:
    case kSoTimestampnsOld:
    case kSoTimestampNew:
    case kSoTimestampnsNew:
      set_timestamp(s, optname, on);
      return {};
    case kSoRcvlowat:
      // "if (val < 0) val = INT_MAX"; TCP (tcp_set_rcvlowat) caps it at half
      // the receive buffer limit: sk_rcvbuf if locked, else tcp_rmem[2].
      if (val < 0) val = INT_MAX;
      if (f.type == kSockStream)
        val = std::min(val, (s.rcvbuf_locked ? s.rcvbuf : f.tcp_rmem_max) >> 1);
      s.rcvlowat = val != 0 ? val : 1;
      return {};
    case kSoSndlowat:
      return fail(ENOPROTOOPT);
    case kSoRcvtimeoOld:
    case kSoRcvtimeoNew:
      return fail(set_timeout(s.rcvtimeo_jiffies, optval, optlen));
    case kSoSndtimeoOld:
    case kSoSndtimeoNew:
      return fail(set_timeout(s.sndtimeo_jiffies, optval, optlen));
    case kSoBindtoifindex:
      return fail(bind_to_index(s, f, val));
    case kSoPeekOff:
      // sk_setsockopt: "if (!sock->ops->set_peek_off) ret = -EOPNOTSUPP"
      // (raw sockets have none); UDP and TCP store any value.
      if (f.type == kSockRaw) return fail(EOPNOTSUPP);
      s.peek_off = val;
      return {};
    default:
      // SO_TYPE, SO_PROTOCOL, SO_DOMAIN, SO_ERROR, SO_ACCEPTCONN and unknown
      // numbers: "default: ret = -ENOPROTOOPT".
      return fail(ENOPROTOOPT);
  }
}

}  // namespace ipc::stack::sol_socket
