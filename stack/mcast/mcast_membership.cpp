#include "stack/mcast/mcast_membership.hpp"

#include <algorithm>
#include <cerrno>

#include "stack/mcast/mcast_names.hpp"

namespace ipc::stack::mcast {

using wire::Ipv4Address;

McastHost::McastHost(const McastEnv& env, McastLimits limits, IgmpConfig igmp)
    : env_(&env), limits_(limits), igmp_(std::move(igmp)) {}

IgmpInterface* McastHost::interface(int ifindex, Clock::time_point now) {
  auto it = ifaces_.find(ifindex);
  if (it != ifaces_.end()) return &it->second;
  if (!env_->ifindex_exists(ifindex)) return nullptr;
  IgmpConfig cfg = igmp_;
  cfg.loopback = env_->is_loopback(ifindex);
  it = ifaces_.emplace(ifindex, IgmpInterface(ifindex, env_->primary_addr(ifindex), cfg)).first;
  it->second.up(now);
  return &it->second;
}

const IgmpInterface* McastHost::find_interface(int ifindex) const {
  auto it = ifaces_.find(ifindex);
  return it == ifaces_.end() ? nullptr : &it->second;
}

bool McastHost::check_mc_rcv(int ifindex, Ipv4Address group, Ipv4Address source, bool igmp) const {
  const IgmpInterface* i = find_interface(ifindex);
  // An interface never touched has only joined 224.0.0.1 (ip_mc_up).
  if (i == nullptr) return env_->ifindex_exists(ifindex) && group == Ipv4Address(224, 0, 0, 1);
  return i->check_mc_rcv(group, source, igmp);
}

std::optional<Clock::time_point> McastHost::next_deadline() const {
  std::optional<Clock::time_point> t;
  for (const auto& [_, i] : ifaces_)
    if (auto d = i.next_deadline()) t = t ? std::min(*t, *d) : *d;
  return t;
}

void McastHost::on_timer(Clock::time_point now) {
  for (auto& [_, i] : ifaces_) i.on_timer(now);
}

std::vector<IgmpOutput> McastHost::take_output() {
  std::vector<IgmpOutput> out;
  for (auto& [_, i] : ifaces_)
    for (auto& o : i.take_output()) out.push_back(std::move(o));
  return out;
}

std::optional<int> find_dev(const McastEnv& env, Mreqn& imr) {
  if (imr.ifindex != 0) {
    // inetdev_by_index; imr is left as given
    if (!env.ifindex_exists(imr.ifindex)) return std::nullopt;
    return imr.ifindex;
  }
  int dev = 0;
  if (!imr.address.is_unspecified()) {
    // __ip_dev_find: no route fallback for an address that is not local
    auto local = env.ifindex_of_local_addr(imr.address);
    if (!local) return std::nullopt;
    dev = *local;
  } else {
    dev = env.output_ifindex(imr.multiaddr);
  }
  if (dev == 0) return std::nullopt;
  imr.ifindex = dev;
  return dev;
}

namespace {

auto find_membership(McastSocketState& s, Ipv4Address group, int ifindex) {
  return std::find_if(s.memberships.begin(), s.memberships.end(),
                      [&](const Membership& m) { return m.group == group && m.ifindex == ifindex; });
}

// ip_mc_leave_src: give back this socket's share of the interface filter.
void leave_src(IgmpInterface* dev, Membership& m, Clock::time_point now) {
  if (dev == nullptr) return;
  const std::vector<Ipv4Address> none;
  const auto& srcs = m.sources ? *m.sources : none;
  dev->del_src(m.group, m.sfmode, srcs, false, now);
  m.sources.reset();
}

}  // namespace

int join_group(McastHost& host, McastSocketState& s, Mreqn& imr, int mode, Clock::time_point now) {
  if (!imr.multiaddr.is_multicast()) return EINVAL;
  auto dev = find_dev(host.env(), imr);
  if (!dev) return ENODEV;
  IgmpInterface* in_dev = host.interface(*dev, now);
  if (in_dev == nullptr) return ENODEV;
  int count = 0;
  for (const auto& m : s.memberships) {
    if (m.group == imr.multiaddr && m.ifindex == imr.ifindex) return EADDRINUSE;
    ++count;
  }
  // the limit counts this socket's memberships only
  if (count >= host.limits().max_memberships) return ENOBUFS;
  s.memberships.insert(s.memberships.begin(), Membership{imr.multiaddr, imr.address, imr.ifindex, mode, {}});
  in_dev->inc_group(imr.multiaddr, mode, now);
  return 0;
}

int leave_group(McastHost& host, McastSocketState& s, Mreqn imr, Clock::time_point now) {
  auto dev = find_dev(host.env(), imr);
  // "if (!imr->imr_ifindex && !imr->imr_address.s_addr && !in_dev)": only a
  // failed route lookup is ENODEV; a bad index or address is a miss.
  if (imr.ifindex == 0 && imr.address.is_unspecified() && !dev) return ENODEV;
  IgmpInterface* in_dev = dev ? host.interface(*dev, now) : nullptr;
  for (auto it = s.memberships.begin(); it != s.memberships.end(); ++it) {
    if (it->group != imr.multiaddr) continue;
    if (imr.ifindex != 0) {
      if (it->ifindex != imr.ifindex) continue;
    } else if (!imr.address.is_unspecified() && imr.address != it->address) {
      continue;
    }
    leave_src(in_dev, *it, now);
    const Ipv4Address group = it->group;
    s.memberships.erase(it);
    if (in_dev != nullptr) in_dev->dec_group(group, now);
    return 0;
  }
  return EADDRNOTAVAIL;
}

int change_source(McastHost& host, McastSocketState& s, bool add, int omode, Ipv4Address group,
                  Ipv4Address interface, Ipv4Address source, int ifindex, Clock::time_point now) {
  if (!group.is_multicast()) return EINVAL;
  Mreqn imr{group, interface, ifindex};
  auto dev = find_dev(host.env(), imr);
  if (!dev) return ENODEV;
  IgmpInterface* in_dev = host.interface(*dev, now);
  if (in_dev == nullptr) return ENODEV;
  auto pmc = find_membership(s, group, imr.ifindex);
  if (pmc == s.memberships.end()) return EINVAL;  // must have a prior join
  if (pmc->sources) {
    // a source filter was set: the mode must stay
    if (pmc->sfmode != omode) return EINVAL;
  } else if (pmc->sfmode != omode) {
    // allow mode switches for empty-set filters
    in_dev->add_src(group, omode, {}, false, now);
    in_dev->del_src(group, pmc->sfmode, {}, false, now);
    pmc->sfmode = omode;
  }
  if (!add) {
    if (!pmc->sources) return EADDRNOTAVAIL;
    auto& psl = *pmc->sources;
    auto it = std::find(psl.begin(), psl.end(), source);
    if (it == psl.end()) return EADDRNOTAVAIL;  // source not found
    // (INCLUDE, empty) == LEAVE_GROUP
    if (psl.size() == 1 && omode == kModeInclude) return leave_group(host, s, imr, now);
    const Ipv4Address one[] = {source};
    in_dev->del_src(group, omode, one, true, now);
    psl.erase(it);
    return 0;
  }
  if (pmc->sources && static_cast<int>(pmc->sources->size()) >= host.limits().max_msf) return ENOBUFS;
  if (!pmc->sources) pmc->sources.emplace();
  auto& psl = *pmc->sources;
  // "address already there is an error", returned as EADDRNOTAVAIL
  if (std::find(psl.begin(), psl.end(), source) != psl.end()) return EADDRNOTAVAIL;
  psl.push_back(source);
  const Ipv4Address one[] = {source};
  in_dev->add_src(group, omode, one, true, now);
  return 0;
}

int set_filter(McastHost& host, McastSocketState& s, Ipv4Address group, Ipv4Address interface, std::uint32_t fmode,
               std::span<const Ipv4Address> sources, int ifindex, Clock::time_point now) {
  if (!group.is_multicast()) return EINVAL;
  if (fmode != kModeInclude && fmode != kModeExclude) return EINVAL;
  const int mode = static_cast<int>(fmode);
  Mreqn imr{group, interface, ifindex};
  auto dev = find_dev(host.env(), imr);
  if (!dev) return ENODEV;
  IgmpInterface* in_dev = host.interface(*dev, now);
  if (in_dev == nullptr) return ENODEV;
  // (INCLUDE, empty) == LEAVE_GROUP
  if (mode == kModeInclude && sources.empty()) return leave_group(host, s, imr, now);
  auto pmc = find_membership(s, group, imr.ifindex);
  if (pmc == s.memberships.end()) return EINVAL;  // must have a prior join
  in_dev->add_src(group, mode, sources, false, now);
  const std::vector<Ipv4Address> none;
  in_dev->del_src(group, pmc->sfmode, pmc->sources ? *pmc->sources : none, false, now);
  if (sources.empty())
    pmc->sources.reset();
  else
    pmc->sources.emplace(sources.begin(), sources.end());
  pmc->sfmode = mode;
  return 0;
}

void drop_socket(McastHost& host, McastSocketState& s, Clock::time_point now) {
  while (!s.memberships.empty()) {
    Membership m = s.memberships.front();
    s.memberships.erase(s.memberships.begin());
    IgmpInterface* in_dev = host.interface(m.ifindex, now);
    leave_src(in_dev, m, now);
    if (in_dev != nullptr) in_dev->dec_group(m.group, now);
  }
}

}  // namespace ipc::stack::mcast
