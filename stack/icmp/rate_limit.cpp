#include "stack/icmp/rate_limit.hpp"

#include <algorithm>

#include "stack/wire/icmp.hpp"

namespace ipc::stack::icmp {

namespace {
constexpr int kNrIcmpTypes = 18;    // NR_ICMP_TYPES
constexpr int kBurstFactor = 6;     // XRLIM_BURST_FACTOR (inetpeer.c)
constexpr auto kOneSecond = std::chrono::milliseconds(1000);
constexpr auto kMinRefill = std::chrono::milliseconds(1000 / 50);  // HZ / 50
// inet_getpeer starts a new peer's rate_last 60 s in the past, so that its
// first message finds a full bucket.
constexpr auto kNewPeerAge = std::chrono::seconds(60);

std::int64_t ms(Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }
}  // namespace

bool IcmpRateLimiter::exempt(const IcmpSettings& s, std::uint8_t type, std::uint8_t code) {
  if (type > kNrIcmpTypes) return true;
  // "Don't limit PMTU discovery."
  if (type == wire::icmp::type::kDestUnreachable && code == wire::icmp::unreach::kFragNeeded) return true;
  return ((1u << type) & s.ratemask) == 0;
}

bool IcmpRateLimiter::global_allow(const IcmpSettings& s, std::uint8_t type, std::uint8_t code, TimePoint now,
                                   bool& apply) {
  apply = false;
  if (exempt(s, type, code)) return true;
  // icmp_global_allow: credit left -> yes, without spending it yet.
  if (credit_ > 0) {
    apply = true;
    return true;
  }
  auto delta = stamp_ ? std::min<Clock::duration>(now - *stamp_, kOneSecond) : Clock::duration(kOneSecond);
  if (delta < kMinRefill) return false;
  std::int64_t incr = std::int64_t{s.msgs_per_sec} * ms(delta) / 1000;
  if (incr <= 0) return false;
  stamp_ = now;
  credit_ = static_cast<int>(std::min<std::int64_t>(credit_ + incr, s.msgs_burst));
  apply = true;
  return true;
}

bool IcmpRateLimiter::peer_allow(const IcmpSettings& s, wire::Ipv4Address dst, bool out_loopback, bool apply,
                                 TimePoint now) {
  if (!apply) return true;
  bool allowed = true;
  if (!out_loopback) {
    // inet_peer_xrlim_allow: tokens accrue one per jiffy up to 6 * timeout;
    // a message costs `timeout` tokens.
    auto [it, fresh] = peers_.try_emplace(dst);
    Peer& p = it->second;
    if (fresh) p.last = now - kNewPeerAge;
    const std::int64_t timeout = s.ratelimit_ms;
    std::int64_t token = p.tokens_ms;
    std::int64_t delta = ms(now - p.last);
    if (delta > 0) {
      p.last = now;
      token = std::min(token + delta, kBurstFactor * timeout);
    }
    allowed = token >= timeout;
    if (allowed) token -= timeout;
    p.tokens_ms = token;
  }
  if (allowed) credit_ -= 1;  // icmp_global_consume
  return allowed;
}

void IcmpRateLimiter::reset() {
  credit_ = 0;
  stamp_.reset();
  peers_.clear();
}

}  // namespace ipc::stack::icmp
