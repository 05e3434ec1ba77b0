#include "stack/link/neighbour_cache.hpp"

#include <algorithm>
#include <utility>

namespace ipc::stack::link {

namespace {

using std::chrono::milliseconds;

// NUD_VALID, NUD_CONNECTED, NUD_IN_TIMER from include/net/neighbour.h.
bool valid(NudState s) {
  return s == NudState::Permanent || s == NudState::Reachable || s == NudState::Probe || s == NudState::Stale ||
         s == NudState::Delay;
}
bool connected(NudState s) { return s == NudState::Permanent || s == NudState::Reachable; }
bool in_timer(NudState s) {
  return s == NudState::Incomplete || s == NudState::Reachable || s == NudState::Delay || s == NudState::Probe;
}

constexpr milliseconds kMinTimer{10};  // HZ/100

}  // namespace

const char* to_string(NudState s) {
  switch (s) {
    case NudState::None: return "NONE";
    case NudState::Incomplete: return "INCOMPLETE";
    case NudState::Reachable: return "REACHABLE";
    case NudState::Stale: return "STALE";
    case NudState::Delay: return "DELAY";
    case NudState::Probe: return "PROBE";
    case NudState::Failed: return "FAILED";
    case NudState::Permanent: return "PERMANENT";
  }
  return "?";
}

void Effects::append(Effects&& o) {
  for (auto& s : o.solicits) solicits.push_back(std::move(s));
  for (auto& t : o.transmits) transmits.push_back(std::move(t));
  for (auto& u : o.unreachable) unreachable.push_back(std::move(u));
  for (auto& d : o.discarded) discarded.push_back(std::move(d));
}

NeighbourCache::NeighbourCache(NeighbourConfig config, std::uint64_t seed, Clock::time_point now)
    : config_(config), rng_(seed), reachable_time_(0), last_rand_(now) {
  // neigh_table_init: parms.reachable_time = neigh_rand_reach_time(base).
  reachable_time_ = rand_reach_time();
}

// neigh_rand_reach_time: uniformly in [base/2, 3*base/2).
milliseconds NeighbourCache::rand_reach_time() {
  const auto base = config_.base_reachable_time.count();
  if (base <= 0) return milliseconds{0};
  std::uniform_int_distribution<long long> d(0, base - 1);
  return milliseconds{d(rng_) + base / 2};
}

// neigh_periodic_work: re-randomise reachable_time every 300 s.
void NeighbourCache::maybe_rerandomise(Clock::time_point now) {
  if (now > last_rand_ + std::chrono::seconds(300)) {
    last_rand_ = now;
    reachable_time_ = rand_reach_time();
  }
}

// neigh_alloc: updated = used = now; confirmed far enough back not to count.
NeighbourCache::Entry& NeighbourCache::create(Ipv4Address addr, Clock::time_point now) {
  auto [it, inserted] = entries_.try_emplace(addr);
  if (inserted) {
    it->second.updated = it->second.used = now;
    it->second.confirmed = now - 2 * config_.base_reachable_time;
  }
  return it->second;
}

// neigh_max_probes: ucast + app + (PROBE ? mcast_reprobes : mcast).
unsigned NeighbourCache::max_probes(const Entry& e) const {
  return config_.ucast_solicit + (e.state == NudState::Probe ? 0u : config_.mcast_solicit);
}

// neigh_probe + arp_solicit: the newest queued packet gives the source hint;
// while probes < ucast_solicit the request is unicast to the cached address,
// after that broadcast. INCOMPLETE starts with probes = ucast_solicit, so it
// only broadcasts; PROBE starts at 0 and only unicasts.
Solicit NeighbourCache::probe(Ipv4Address addr, Entry& e) {
  Solicit s{addr, std::nullopt, std::nullopt};
  if (!e.queue.empty()) s.source_hint = e.queue.back().source;
  if (e.probes < config_.ucast_solicit) s.unicast = e.ha;
  ++e.probes;
  return s;
}

// neigh_invalidate: every queued packet goes to error_report
// (arp_error_report -> dst_link_failure -> ICMP host unreachable).
Effects NeighbourCache::invalidate(Ipv4Address addr, Entry& e) {
  Effects fx;
  for (auto& p : e.queue) fx.unreachable.push_back({addr, std::move(p)});
  e.queue.clear();
  e.queue_bytes = 0;
  return fx;
}

// neigh_resolve_output -> neigh_event_send -> __neigh_event_send.
Effects NeighbourCache::event_send(Ipv4Address addr, Entry& e, std::optional<Packet> pkt, Clock::time_point now) {
  Effects fx;
  if (connected(e.state)) {  // neigh_hh_output: `used` is not touched
    if (pkt) fx.transmits.push_back({e.ha, std::move(*pkt)});
    return fx;
  }
  e.used = now;  // neigh_event_send_probe
  if (e.state == NudState::Delay || e.state == NudState::Probe) {
    if (pkt) fx.transmits.push_back({e.ha, std::move(*pkt)});
    return fx;
  }
  if (e.state != NudState::Stale && e.state != NudState::Incomplete) {  // NONE or FAILED
    if (config_.mcast_solicit == 0) {
      e.state = NudState::Failed;
      e.updated = now;
      if (pkt) fx.discarded.push_back(std::move(*pkt));
      return fx;
    }
    e.probes = config_.ucast_solicit;
    e.state = NudState::Incomplete;
    e.updated = now;
    e.timer = now + std::max(config_.retrans_time, kMinTimer);
    // immediate_ok: the first request goes out now (after queueing, below).
    if (pkt) {
      e.queue_bytes += pkt->charge();
      e.queue.push_back(std::move(*pkt));
    }
    fx.solicits.push_back(probe(addr, e));
    return fx;
  }
  if (e.state == NudState::Stale) {
    e.state = NudState::Delay;
    e.updated = now;
    e.timer = now + config_.delay_first_probe_time;
    if (pkt) fx.transmits.push_back({e.ha, std::move(*pkt)});
    return fx;
  }
  // INCOMPLETE: queue, dropping the oldest while over unres_qlen_bytes (a
  // single packet larger than the limit is still queued on an empty queue).
  if (pkt) {
    while (!e.queue.empty() && e.queue_bytes + pkt->charge() > config_.unres_qlen_bytes) {
      e.queue_bytes -= e.queue.front().charge();
      fx.discarded.push_back(std::move(e.queue.front()));
      e.queue.erase(e.queue.begin());
    }
    e.queue_bytes += pkt->charge();
    e.queue.push_back(std::move(*pkt));
  }
  return fx;
}

Effects NeighbourCache::output(Ipv4Address addr, Packet pkt, Clock::time_point now) {
  // ip_neigh_for_gw: __neigh_create when there is no entry yet.
  Entry& e = create(addr, now);
  return event_send(addr, e, std::move(pkt), now);
}

std::optional<MacAddress> NeighbourCache::lookup(Ipv4Address addr) const {
  auto it = entries_.find(addr);
  if (it == entries_.end() || !valid(it->second.state)) return std::nullopt;
  return it->second.ha;
}

// neigh_update (no NEIGH_UPDATE_F_WEAK_OVERRIDE / ISROUTER: ARP never uses them).
Effects NeighbourCache::update(Ipv4Address addr, Entry& e, std::optional<MacAddress> lladdr, NudState next,
                               unsigned flags, Clock::time_point now) {
  Effects fx;
  const NudState old = e.state;
  if (!(flags & kAdmin) && old == NudState::Permanent) return fx;  // -EPERM

  if (!valid(next)) {
    e.timer.reset();
    e.state = next;
    if ((old == NudState::Incomplete || old == NudState::Probe) && next == NudState::Failed) fx = invalidate(addr, e);
    return fx;
  }

  // "lladdr != neigh->ha" in Linux: a new address, or any address while invalid.
  bool changed = false;
  if (lladdr) {
    changed = !(valid(old) && *lladdr == e.ha);
  } else if (!valid(old)) {
    return fx;  // -EINVAL
  }
  if (connected(next)) e.confirmed = now;

  if (valid(old)) {
    if (changed && !(flags & kOverride)) return fx;
    if (!changed && next == NudState::Stale && !(flags & kAdmin)) next = old;
  }

  if (next != old || changed) e.updated = now;
  if (next != old) {
    e.timer.reset();
    if (next == NudState::Probe) e.probes = 0;
    if (in_timer(next)) e.timer = now + (next == NudState::Reachable ? reachable_time_ : milliseconds{0});
    e.state = next;
  }
  if (changed) {
    e.ha = *lladdr;
    if (!connected(next)) e.confirmed = now - 2 * config_.base_reachable_time;
  }
  if (next == old) return fx;

  if (!valid(old)) {
    // The queue goes out through n->output: directly when connected,
    // otherwise through neigh_resolve_output (STALE turns into DELAY).
    std::vector<Packet> queued = std::move(e.queue);
    e.queue.clear();
    e.queue_bytes = 0;
    for (auto& p : queued) {
      if (!valid(e.state)) break;
      fx.append(event_send(addr, e, std::move(p), now));
    }
  }
  return fx;
}

// neigh_timer_handler.
Effects NeighbourCache::timer_handler(Ipv4Address addr, Entry& e, Clock::time_point now) {
  Effects fx;
  e.timer.reset();
  if (!in_timer(e.state)) return fx;

  Clock::time_point next = now + std::chrono::seconds(1);
  if (e.state == NudState::Reachable) {
    if (now <= e.confirmed + reachable_time_) {
      next = e.confirmed + reachable_time_;
    } else if (now <= e.used + config_.delay_first_probe_time) {
      e.state = NudState::Delay;
      e.updated = now;
      next = now + config_.delay_first_probe_time;
    } else {
      e.state = NudState::Stale;
      e.updated = now;
    }
  } else if (e.state == NudState::Delay) {
    if (now <= e.confirmed + config_.delay_first_probe_time) {
      e.state = NudState::Reachable;
      e.updated = now;
      next = e.confirmed + reachable_time_;
    } else {
      e.state = NudState::Probe;
      e.updated = now;
      e.probes = 0;
      next = now + std::max(config_.retrans_time, kMinTimer);
    }
  } else {  // PROBE or INCOMPLETE
    next = now + std::max(config_.retrans_time, kMinTimer);
  }

  if ((e.state == NudState::Incomplete || e.state == NudState::Probe) && e.probes >= max_probes(e)) {
    e.state = NudState::Failed;
    return invalidate(addr, e);
  }
  if (in_timer(e.state)) e.timer = std::max(next, now + kMinTimer);
  if (e.state == NudState::Incomplete || e.state == NudState::Probe) fx.solicits.push_back(probe(addr, e));
  return fx;
}

Effects NeighbourCache::tick(Clock::time_point now) {
  maybe_rerandomise(now);
  Effects fx;
  // Each handler re-arms at least HZ/100 ahead, so this terminates.
  for (;;) {
    auto due = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->second.timer && *it->second.timer <= now && (due == entries_.end() || *it->second.timer < *due->second.timer))
        due = it;
    if (due == entries_.end()) break;
    fx.append(timer_handler(due->first, due->second, now));
  }
  return fx;
}

std::optional<NeighbourCache::Clock::time_point> NeighbourCache::next_deadline() const {
  std::optional<Clock::time_point> best;
  for (const auto& [addr, e] : entries_)
    if (e.timer && (!best || *e.timer < *best)) best = e.timer;
  return best;
}

// neigh_periodic_work: nothing below gc_thresh1; permanent and timer-driven
// entries stay; FAILED ones and those unused for gc_stale_time go.
void NeighbourCache::gc(Clock::time_point now) {
  maybe_rerandomise(now);
  if (entries_.size() < config_.gc_thresh1) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    if (e.state == NudState::Permanent || in_timer(e.state)) {
      ++it;
      continue;
    }
    if (e.used < e.confirmed && e.confirmed <= now) e.used = e.confirmed;
    const bool in_range = e.used < now && now < e.used + config_.gc_stale_time;
    if (e.state == NudState::Failed || !in_range)
      it = entries_.erase(it);
    else
      ++it;
  }
}

// __ipv4_confirm_neigh / neigh_confirm: only the timestamp moves; the timer
// handler acts on it (REACHABLE stays, DELAY goes back to REACHABLE).
void NeighbourCache::confirm(Ipv4Address addr, Clock::time_point now) {
  auto it = entries_.find(addr);
  if (it != entries_.end()) it->second.confirmed = now;
}

// arp_process, for Ethernet/IPv4 packets that passed arp_rcv's checks.
ArpOutcome NeighbourCache::process_arp(const ArpInput& in, Clock::time_point now) {
  ArpOutcome out;
  const auto& a = in.arp;
  const Ipv4Address sip = a.sender_proto, tip = a.target_proto;
  if (a.operation != wire::arp::kOpRequest && a.operation != wire::arp::kOpReply) return out;
  if (tip.is_multicast() || tip.is_loopback()) return out;  // route_localnet off

  // RFC 2131 duplicate address detection probe: answer, learn nothing.
  if (sip.is_unspecified()) {
    out.send_reply = a.operation == wire::arp::kOpRequest && in.target_is_local;
    return out;
  }

  // A request for one of our addresses: neigh_event_ns creates or updates the
  // sender's entry as STALE with override, then we reply.
  if (a.operation == wire::arp::kOpRequest && in.target_is_local) {
    Entry& e = create(sip, now);
    out.effects = update(sip, e, a.sender_hw, NudState::Stale, kOverride, now);
    out.send_reply = true;
    return out;
  }

  // "Update our ARP tables": only existing entries unless arp_accept.
  auto it = entries_.find(sip);
  bool is_garp = false;
  if (it != entries_.end() || config_.arp_accept) {
    // arp_is_garp: tip == sip, replies also need tha == sha, sip unicast.
    is_garp = tip == sip;
    if (is_garp && a.operation == wire::arp::kOpReply) is_garp = a.target_hw == a.sender_hw;
    if (is_garp && !in.sender_is_unicast) is_garp = false;
  }
  if (config_.arp_accept && it == entries_.end() &&
      (is_garp || (a.operation == wire::arp::kOpReply && in.sender_is_unicast))) {
    create(sip, now);
    it = entries_.find(sip);
  }
  if (it == entries_.end()) return out;

  Entry& e = it->second;
  // Back-to-back replies: the first one wins for locktime, unless gratuitous.
  const bool override = now > e.updated + config_.locktime || is_garp;
  // Broadcast replies and requests do not assert reachability.
  NudState state = NudState::Reachable;
  if (a.operation != wire::arp::kOpReply || !in.to_host) state = NudState::Stale;
  out.effects = update(sip, e, a.sender_hw, state, override ? kOverride : 0u, now);
  return out;
}

// neigh_add with NLM_F_CREATE | NLM_F_REPLACE: neigh_update(ADMIN | OVERRIDE).
Effects NeighbourCache::add_permanent(Ipv4Address addr, MacAddress mac, Clock::time_point now) {
  Entry& e = create(addr, now);
  return update(addr, e, mac, NudState::Permanent, kAdmin | kOverride, now);
}

// neigh_delete: neigh_update(NUD_FAILED, ADMIN | OVERRIDE) then neigh_remove_one.
Effects NeighbourCache::remove(Ipv4Address addr, Clock::time_point now) {
  auto it = entries_.find(addr);
  if (it == entries_.end()) return {};
  Effects fx = update(addr, it->second, std::nullopt, NudState::Failed, kAdmin | kOverride, now);
  entries_.erase(it);
  return fx;
}

Effects NeighbourCache::flush(Clock::time_point now) {
  Effects fx;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.state == NudState::Permanent) {
      ++it;
      continue;
    }
    fx.append(update(it->first, it->second, std::nullopt, NudState::Failed, kAdmin | kOverride, now));
    it = entries_.erase(it);
  }
  return fx;
}

std::optional<NeighbourInfo> NeighbourCache::info(Ipv4Address addr) const {
  auto it = entries_.find(addr);
  if (it == entries_.end()) return std::nullopt;
  const Entry& e = it->second;
  return NeighbourInfo{e.state, e.ha, e.queue.size(), e.queue_bytes, e.probes};
}

}  // namespace ipc::stack::link
