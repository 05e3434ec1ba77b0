// The interface's per-group source filter: the union of the sockets'
// filters, counted per source and mode (ip_mc_add_src, ip_mc_del_src,
// ip_mc_add1_src, ip_mc_del1_src, sf_markstate, sf_setstate in
// net/ipv4/igmp.c). Changes that alter what IGMPv3 reports start the
// interface change timer (igmp_ifc_event).
#include <algorithm>
#include <cerrno>

#include "stack/mcast/igmp_interface.hpp"
#include "stack/mcast/mcast_names.hpp"

namespace ipc::stack::mcast {

using wire::Ipv4Address;

namespace {

std::vector<SourceRecord>::iterator find_src(std::vector<SourceRecord>& list, Ipv4Address a) {
  return std::find_if(list.begin(), list.end(), [&](const SourceRecord& s) { return s.addr == a; });
}

// Whether the source is in the interface's current filter (sf_markstate and
// sf_setstate compute it the same way).
bool source_in(const GroupRecord& g, const SourceRecord& s) {
  if (g.sfcount[kModeExclude] != 0)
    return g.sfcount[kModeExclude] == s.count[kModeExclude] && s.count[kModeInclude] == 0;
  return s.count[kModeInclude] != 0;
}

}  // namespace

void IgmpInterface::markstate(GroupRecord& g) {
  for (auto& s : g.sources) s.oldin = source_in(g, s);
}

// sf_setstate: sources that entered the filter get qrv retransmissions and
// leave the tomb; sources that left it get (or refresh) a tomb entry.
int IgmpInterface::setstate(GroupRecord& g) {
  int rv = 0;
  const int q = qrv();  // pmc->interface->mr_qrv
  for (auto& s : g.sources) {
    const bool in = source_in(g, s);
    if (in) {
      if (!s.oldin) {
        auto d = find_src(g.tomb, s.addr);
        if (d != g.tomb.end()) g.tomb.erase(d);
        s.crcount = q;
        ++rv;
      }
    } else if (s.oldin) {
      s.crcount = 0;
      auto d = find_src(g.tomb, s.addr);
      if (d == g.tomb.end()) {
        g.tomb.insert(g.tomb.begin(), s);  // prepended to pmc->tomb
        d = g.tomb.begin();
      }
      d->crcount = q;
      ++rv;
    }
  }
  return rv;
}

// ip_mc_del1_src: -ESRCH when the source or its count is missing; 1 when a
// source that was in the filter moved to the tomb.
int IgmpInterface::del1_src(GroupRecord& g, int mode, Ipv4Address src, Clock::time_point now) {
  auto it = find_src(g.sources, src);
  if (it == g.sources.end() || it->count[mode] == 0) return -ESRCH;
  --it->count[mode];
  if (it->count[kModeInclude] != 0 || it->count[kModeExclude] != 0) return 0;
  SourceRecord s = *it;
  g.sources.erase(it);
  if (s.oldin && !v1_seen(now) && !v2_seen(now)) {
    s.crcount = qrv();
    g.tomb.insert(g.tomb.begin(), s);
    return 1;
  }
  return 0;
}

int IgmpInterface::add_src(Ipv4Address group, int mode, std::span<const Ipv4Address> srcs, bool delta,
                           Clock::time_point now) {
  GroupRecord* g = find_mut(group);
  if (g == nullptr) return ESRCH;  // "MCA not found?? bug"
  markstate(*g);
  const bool was_exclude = g->sfmode == kModeExclude;
  if (!delta) ++g->sfcount[mode];
  for (Ipv4Address a : srcs) {
    auto it = find_src(g->sources, a);
    if (it == g->sources.end()) {
      g->sources.push_back(SourceRecord{a});  // appended (psf_prev->sf_next)
      it = g->sources.end() - 1;
    }
    ++it->count[mode];
  }
  if (was_exclude != (g->sfcount[kModeExclude] != 0)) {
    // filter mode change
    if (g->sfcount[kModeExclude] != 0)
      g->sfmode = kModeExclude;
    else if (g->sfcount[kModeInclude] != 0)
      g->sfmode = kModeInclude;
    g->crcount = qrv();
    mr_ifc_count_ = g->crcount;
    for (auto& s : g->sources) s.crcount = 0;
    ifc_event(now);
  } else if (setstate(*g) != 0) {
    ifc_event(now);
  }
  return 0;
}

int IgmpInterface::del_src(Ipv4Address group, int mode, std::span<const Ipv4Address> srcs, bool delta,
                           Clock::time_point now) {
  GroupRecord* g = find_mut(group);
  if (g == nullptr) return ESRCH;
  markstate(*g);
  if (!delta) {
    if (g->sfcount[mode] == 0) return EINVAL;
    --g->sfcount[mode];
  }
  int err = 0;
  bool changerec = false;
  for (Ipv4Address a : srcs) {
    const int rv = del1_src(*g, mode, a, now);
    changerec |= rv > 0;
    if (err == 0 && rv < 0) err = -rv;
  }
  if (g->sfmode == kModeExclude && g->sfcount[kModeExclude] == 0 && g->sfcount[kModeInclude] != 0) {
    // filter mode change
    g->sfmode = kModeInclude;
    g->crcount = qrv();
    mr_ifc_count_ = g->crcount;
    for (auto& s : g->sources) s.crcount = 0;
    ifc_event(now);
  } else if (setstate(*g) != 0 || changerec) {
    ifc_event(now);
  }
  return err;
}

// ip_mc_inc_group: a further user adds its mode count; the first creates
// the record and reports it (igmp_group_added).
void IgmpInterface::inc_group(Ipv4Address group, int mode, Clock::time_point now) {
  if (GroupRecord* g = find_mut(group)) {
    ++g->users;
    add_src(group, mode, {}, false, now);
    return;
  }
  GroupRecord g;
  g.group = group;
  g.users = 1;
  g.sfmode = mode;
  g.sfcount[mode] = 1;
  groups_.insert(groups_.begin(), std::move(g));
  del_delrec(groups_.front());
  group_added(groups_.front(), now);
}

// __ip_mc_dec_group: the last user drops the record (igmp_group_dropped,
// then ip_mc_clear_src).
void IgmpInterface::dec_group(Ipv4Address group, Clock::time_point now) {
  auto it = std::find_if(groups_.begin(), groups_.end(), [&](const GroupRecord& g) { return g.group == group; });
  if (it == groups_.end()) return;
  if (--it->users != 0) return;
  GroupRecord g = std::move(*it);
  groups_.erase(it);
  group_dropped(g, now);
}

}  // namespace ipc::stack::mcast
