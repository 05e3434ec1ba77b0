#include "stack/icmp/pmtu_cache.hpp"

#include <algorithm>

namespace ipc::stack::icmp {

namespace {
constexpr int kIpMaxMtu = 0xfff0;  // IP_MAX_MTU
}

std::optional<PmtuException> PmtuCache::lookup(wire::Ipv4Address dst, TimePoint now) const {
  auto it = entries_.find(dst);
  if (it == entries_.end() || now >= it->second.expires) return std::nullopt;
  return it->second;
}

int PmtuCache::mtu(wire::Ipv4Address dst, int route_mtu, TimePoint now) const {
  auto e = lookup(dst, now);
  return std::min(e ? e->mtu : route_mtu, kIpMaxMtu);
}

bool PmtuCache::locked(wire::Ipv4Address dst, TimePoint now) const {
  auto e = lookup(dst, now);
  return e && e->locked;
}

void PmtuCache::update(wire::Ipv4Address dst, std::uint32_t new_mtu, int route_mtu, TimePoint now,
                       bool route_mtu_locked) {
  auto current = lookup(dst, now);
  if (!current) entries_.erase(dst);  // expired: forgotten
  // ip_mtu_locked: a locked route metric or a locked exception.
  if (route_mtu_locked || (current && current->locked)) return;
  const int old_mtu = mtu(dst, route_mtu, now);
  // Only a smaller (or equal: it refreshes) MTU is learnt.
  if (static_cast<std::uint32_t>(old_mtu) < new_mtu) return;
  int learnt = static_cast<int>(new_mtu);
  bool lock = false;
  if (learnt < settings_.min_pmtu) {
    lock = true;
    learnt = std::min(old_mtu, settings_.min_pmtu);
  }
  // The same MTU again within the first half of its lifetime changes nothing.
  if (current && current->mtu == learnt && !lock && now < current->expires - settings_.mtu_expires / 2) return;
  // update_or_create_fnhe.
  entries_[dst] = PmtuException{learnt, lock, now + settings_.mtu_expires};
}

}  // namespace ipc::stack::icmp
