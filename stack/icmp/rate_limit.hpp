// ICMP output rate limiting (net/ipv4/icmp.c, net/ipv4/inetpeer.c, 6.12+
// order): the host-wide token bucket (icmp_global_allow, icmp_msgs_per_sec /
// icmp_msgs_burst) is checked first without spending, then the per-destination
// bucket (icmpv4_xrlim_allow -> inet_peer_xrlim_allow, icmp_ratelimit), and
// only a message that passes both spends host-wide credit
// (icmp_global_consume). Types outside icmp_ratemask, and frag needed, are
// never limited (icmpv4_mask_allow).
//
// icmp_global_consume spends a random 0..2 credits; this model spends 1, the
// mean, so that it is deterministic. Peers are never garbage-collected here
// (inetpeer's gc): reset() between cases.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "stack/icmp/settings.hpp"
#include "stack/wire/address.hpp"

namespace ipc::stack::icmp {

class IcmpRateLimiter {
 public:
  // icmpv4_mask_allow: true when (type, code) is exempt from both limits.
  static bool exempt(const IcmpSettings&, std::uint8_t type, std::uint8_t code);

  // icmpv4_global_allow. Returns false when the host-wide bucket is empty and
  // cannot be refilled yet. `apply` tells the per-destination step whether
  // limits apply at all (false for exempt types).
  bool global_allow(const IcmpSettings&, std::uint8_t type, std::uint8_t code, TimePoint now, bool& apply);

  // icmpv4_xrlim_allow: the per-destination bucket of `dst` (the ICMP
  // message's destination). No limit when !apply or when the output device is
  // loopback. Spends host-wide credit when it allows.
  bool peer_allow(const IcmpSettings&, wire::Ipv4Address dst, bool out_loopback, bool apply, TimePoint now);

  void reset();
  int global_credit() const { return credit_; }

 private:
  struct Peer {
    std::int64_t tokens_ms = 0;  // rate_tokens
    TimePoint last;              // rate_last
  };
  int credit_ = 0;                  // icmp_global_credit (may go negative)
  std::optional<TimePoint> stamp_;  // icmp_global_stamp; none = long ago
  std::map<wire::Ipv4Address, Peer> peers_;
};

}  // namespace ipc::stack::icmp
