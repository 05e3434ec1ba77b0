#include "stack/tcp/tcp_sockopt.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ipc::stack::tcp {

namespace {
// include/uapi/linux/tcp.h
constexpr int kNodelay = 1, kMaxseg = 2, kCork = 3, kKeepidle = 4, kKeepintvl = 5, kKeepcnt = 6, kSyncnt = 7,
              kLinger2 = 8, kQuickack = 12, kUserTimeout = 18;
// include/net/tcp.h
constexpr int kMinMss = 88;             // TCP_MIN_MSS
constexpr int kMaxWindow = 32767;       // MAX_TCP_WINDOW
constexpr int kMaxKeepidle = 32767;     // MAX_TCP_KEEPIDLE
constexpr int kMaxKeepintvl = 32767;    // MAX_TCP_KEEPINTVL
constexpr int kMaxKeepcnt = 127;        // MAX_TCP_KEEPCNT
constexpr int kMaxSyncnt = 127;         // MAX_TCP_SYNCNT
constexpr int kFinTimeoutMax = 120;     // TCP_FIN_TIMEOUT_MAX / HZ

SockoptResult int_result(int val, int optlen) {
  // A negative length is EINVAL (seen on the reference kernel), else at
  // most an int is written.
  SockoptResult r;
  if (optlen < 0) {
    r.err = EINVAL;
    r.optlen = optlen;
    return r;
  }
  const int len = std::min(optlen, static_cast<int>(sizeof(int)));
  r.value.resize(static_cast<std::size_t>(len));
  std::memcpy(r.value.data(), &val, r.value.size());
  r.optlen = len;
  return r;
}
}  // namespace

SockoptResult tcp_setsockopt(Options& o, int optname, std::span<const std::uint8_t> value, int optlen) {
  SockoptResult r;
  // do_tcp_setsockopt: "if (optlen < sizeof(int)) return -EINVAL", then
  // copy_from_sockptr of an int.
  if (optlen < static_cast<int>(sizeof(int))) {
    r.err = EINVAL;
    return r;
  }
  if (value.size() < sizeof(int)) {
    r.err = EFAULT;
    return r;
  }
  int val = 0;
  std::memcpy(&val, value.data(), sizeof val);
  switch (optname) {
    case kMaxseg:
      if (val && (val < kMinMss || val > kMaxWindow)) r.err = EINVAL;
      else o.user_mss = val;
      break;
    case kNodelay: o.nodelay = val != 0; break;
    case kCork: o.cork = val != 0; break;
    case kQuickack: o.quickack = val != 0; break;
    case kKeepidle:
      if (val < 1 || val > kMaxKeepidle) r.err = EINVAL;
      else o.keepidle_s = val;
      break;
    case kKeepintvl:
      if (val < 1 || val > kMaxKeepintvl) r.err = EINVAL;
      else o.keepintvl_s = val;
      break;
    case kKeepcnt:
      if (val < 1 || val > kMaxKeepcnt) r.err = EINVAL;
      else o.keepcnt = val;
      break;
    case kSyncnt:
      if (val < 1 || val > kMaxSyncnt) r.err = EINVAL;
      else o.syncnt = val;
      break;
    case kLinger2:
      // tcp_sock_set_linger2 stores -1, 0, a capped value, or val seconds.
      o.linger2_s = val < 0 ? -1 : std::min(val, kFinTimeoutMax);
      break;
    case kUserTimeout:
      if (val < 0) r.err = EINVAL;
      else o.user_timeout_ms = val;
      break;
    default:
      r.err = ENOPROTOOPT;
  }
  return r;
}

SockoptResult tcp_getsockopt(const Options& o, const SockoptFacts& f, int optname, int optlen) {
  int val = 0;
  switch (optname) {
    case kMaxseg:
      val = (o.user_mss && f.closed_or_listening) ? o.user_mss : f.mss_cache;
      break;
    case kNodelay: val = o.nodelay; break;
    case kCork: val = o.cork; break;
    case kQuickack: val = 1; break;  // !inet_csk_in_pingpong_mode: no interactive mode modelled
    case kKeepidle: val = o.keepidle_s ? o.keepidle_s : f.sysctl_keepalive_time_s; break;
    case kKeepintvl: val = o.keepintvl_s ? o.keepintvl_s : f.sysctl_keepalive_intvl_s; break;
    case kKeepcnt: val = o.keepcnt ? o.keepcnt : f.sysctl_keepalive_probes; break;
    case kSyncnt: val = o.syncnt ? o.syncnt : f.sysctl_syn_retries; break;
    case kLinger2: val = o.linger2_s < 0 ? -1 : (o.linger2_s ? o.linger2_s : f.sysctl_fin_timeout_s); break;
    case kUserTimeout: val = o.user_timeout_ms; break;
    default: {
      SockoptResult r;
      r.err = ENOPROTOOPT;
      r.optlen = optlen;
      return r;
    }
  }
  return int_result(val, optlen);
}

}  // namespace ipc::stack::tcp
