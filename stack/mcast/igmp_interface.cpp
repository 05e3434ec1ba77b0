// IGMP host timers and queries on one interface (net/ipv4/igmp.c:
// igmp_group_added, igmp_group_dropped, igmp_ifc_event, igmp_heard_query,
// igmp_heard_report, igmpv3_add_delrec, igmpv3_del_delrec, the timers).
#include "stack/mcast/igmp_interface.hpp"

#include <algorithm>

#include "stack/mcast/mcast_names.hpp"

namespace ipc::stack::mcast {

using wire::Ipv4Address;

namespace {
constexpr Ipv4Address kAllHosts{224, 0, 0, 1};
}

IgmpInterface::IgmpInterface(int ifindex, Ipv4Address addr, IgmpConfig cfg)
    : ifindex_(ifindex), addr_(addr), cfg_(std::move(cfg)) {
  mr_qrv_ = cfg_.qrv;  // ip_mc_init_dev: mr_qrv = sysctl_igmp_qrv
}

void IgmpInterface::up(Clock::time_point now) { inc_group(kAllHosts, kModeExclude, now); }

GroupRecord* IgmpInterface::find_mut(Ipv4Address group) {
  auto it = std::find_if(groups_.begin(), groups_.end(), [&](const GroupRecord& g) { return g.group == group; });
  return it == groups_.end() ? nullptr : &*it;
}

const GroupRecord* IgmpInterface::find(Ipv4Address group) const {
  auto it = std::find_if(groups_.begin(), groups_.end(), [&](const GroupRecord& g) { return g.group == group; });
  return it == groups_.end() ? nullptr : &*it;
}

bool IgmpInterface::check_mc_rcv(Ipv4Address group, Ipv4Address source, bool igmp) const {
  const GroupRecord* g = find(group);
  if (g == nullptr) return false;
  if (igmp || source.is_unspecified()) return true;  // "unspecified source; tentatively allow"
  auto s = std::find_if(g->sources.begin(), g->sources.end(), [&](const SourceRecord& r) { return r.addr == source; });
  if (s == g->sources.end()) return g->sfcount[kModeExclude] != 0;
  return s->count[kModeInclude] != 0 || s->count[kModeExclude] != g->sfcount[kModeExclude];
}

// IGMP_V1_SEEN / IGMP_V2_SEEN: forced, or an older querier heard within
// its Older Version Querier Present Timeout.
bool IgmpInterface::v1_seen(Clock::time_point now) const {
  return cfg_.force_igmp_version == 1 || (v1_until_ && now < *v1_until_);
}
bool IgmpInterface::v2_seen(Clock::time_point now) const {
  return cfg_.force_igmp_version == 2 || (v2_until_ && now < *v2_until_);
}

// 224.0.0.1 is never reported; 224.0.0.x only with igmp_link_local_mcast_reports.
bool IgmpInterface::reported(Ipv4Address group) const {
  if (group == kAllHosts) return false;
  return !group.is_local_multicast() || cfg_.llm_reports;
}

Clock::duration IgmpInterface::random_below(Clock::duration bound) {
  const auto jiffies = std::max<std::int64_t>(1, bound / cfg_.jiffy);
  const std::uint32_t r = cfg_.random ? cfg_.random(static_cast<std::uint32_t>(jiffies)) : 0;
  return cfg_.jiffy * (r % jiffies);
}

// unsolicited_report_interval: the v2 interval once an older querier (or a
// forced version) rules, else the v3 one; 0 counts as one jiffy.
Clock::duration IgmpInterface::unsolicited_interval(Clock::time_point now) const {
  Clock::duration d = (v1_seen(now) || v2_seen(now)) ? Clock::duration(cfg_.v2_unsolicited_interval)
                                                     : Clock::duration(cfg_.v3_unsolicited_interval);
  return d.count() == 0 ? Clock::duration(cfg_.jiffy) : d;
}

// igmp_start_timer: "tv = get_random_u32_below(max_delay); expires =
// jiffies + tv + 2".
void IgmpInterface::start_timer(GroupRecord& g, Clock::duration max_delay, Clock::time_point now) {
  g.tm_running = true;
  g.timer = now + random_below(max_delay) + 2 * cfg_.jiffy;
}

// igmp_mod_timer: a running timer that ends sooner than max_delay is kept.
void IgmpInterface::mod_timer(GroupRecord& g, Clock::duration max_delay, Clock::time_point now) {
  g.unsolicit_count = 0;
  if (g.tm_running && g.timer - now < max_delay) return;
  start_timer(g, max_delay, now);
}

// igmp_ifc_event: v3 only; qrv retransmissions, the first after 2 jiffies.
void IgmpInterface::ifc_event(Clock::time_point now) {
  if (v1_seen(now) || v2_seen(now)) return;
  mr_ifc_count_ = qrv();
  ifc_timer_ = now + random_below(cfg_.jiffy) + 2 * cfg_.jiffy;
}

void IgmpInterface::group_added(GroupRecord& g, Clock::time_point now) {
  if (!reported(g.group)) return;
  g.unsolicit_count = cfg_.qrv;
  if (v1_seen(now) || v2_seen(now)) {
    start_timer(g, cfg_.jiffy, now);  // IGMP_INITIAL_REPORT_DELAY (1 jiffy)
    return;
  }
  // v3: an EXCLUDE join is a filter mode change (TO_EX); an INCLUDE join
  // reports nothing until its sources are added.
  if (g.sfmode == kModeExclude) g.crcount = qrv();
  ifc_event(now);
}

void IgmpInterface::group_dropped(GroupRecord& g, Clock::time_point now) {
  if (!reported(g.group)) return;
  const bool was_reporter = g.reporter;
  g.tm_running = false;  // igmp_stop_timer
  g.reporter = false;
  g.unsolicit_count = 0;
  if (v1_seen(now)) return;  // v1 has no leave
  if (v2_seen(now)) {
    if (was_reporter) send_report(g, wire::igmp::type::kV2Leave);
    return;
  }
  add_delrec(g);
  ifc_event(now);
}

// igmpv3_add_delrec: the dropped group is kept on mc_tomb for its TO_IN {}
// (EXCLUDE) or BLOCK (INCLUDE) retransmissions.
void IgmpInterface::add_delrec(GroupRecord& g) {
  GroupRecord d;
  d.group = g.group;
  d.crcount = qrv();
  d.sfmode = g.sfmode;
  if (d.sfmode == kModeInclude) {
    d.tomb = std::move(g.tomb);
    d.sources = std::move(g.sources);
    g.tomb.clear();
    g.sources.clear();
    for (auto& s : d.sources) s.crcount = d.crcount;
  }
  tomb_.insert(tomb_.begin(), std::move(d));
}

// igmpv3_del_delrec: a rejoin takes back the pending deleted state.
void IgmpInterface::del_delrec(GroupRecord& g) {
  auto it = std::find_if(tomb_.begin(), tomb_.end(), [&](const GroupRecord& d) { return d.group == g.group; });
  if (it == tomb_.end()) return;
  if (g.sfmode == kModeInclude) {
    std::swap(g.tomb, it->tomb);
    std::swap(g.sources, it->sources);
    for (auto& s : g.sources) s.crcount = qrv();
  } else {
    g.crcount = qrv();
  }
  tomb_.erase(it);
}

// igmpv3_clear_delrec: an older querier cancels pending v3 change reports.
void IgmpInterface::clear_delrec() {
  tomb_.clear();
  for (auto& g : groups_) {
    g.tomb.clear();
    if (g.crcount == 0) continue;
    g.crcount = 0;
    for (auto& s : g.sources) s.crcount = 0;
  }
}

void IgmpInterface::on_query(const wire::IgmpQuery& q, std::size_t len, Clock::time_point now) {
  using namespace std::chrono;
  const Clock::duration tenth = milliseconds(100);
  Ipv4Address group = q.group;
  Clock::duration max_delay{};
  bool mark = false;
  if (len == 8) {
    if (q.max_resp_code == 0) {  // a v1 querier
      max_delay = seconds(10);   // IGMP_QUERY_RESPONSE_INTERVAL
      v1_until_ = now + mr_qrv_ * mr_qi_ + mr_qri_;
      group = Ipv4Address();
    } else {
      max_delay = q.max_resp_code * tenth;
      v2_until_ = now + mr_qrv_ * mr_qi_ + mr_qri_;
    }
    // cancel the interface change timer and the deleted records
    mr_ifc_count_ = 0;
    ifc_timer_.reset();
    clear_delrec();
  } else if (len < 12) {
    return;  // bogus
  } else if (v1_seen(now)) {
    max_delay = seconds(10);
    group = Ipv4Address();
  } else if (v2_seen(now)) {
    max_delay = std::max<Clock::duration>(wire::igmp::decode_v3_code(q.max_resp_code) * tenth, cfg_.jiffy);
  } else {
    max_delay = std::max<Clock::duration>(wire::igmp::decode_v3_code(q.max_resp_code) * tenth, cfg_.jiffy);
    mr_maxdelay_ = max_delay;
    // RFC 3376 4.1.6 / 4.1.7: a zero QRV or QQIC means the default.
    mr_qrv_ = q.qrv != 0 ? q.qrv : cfg_.qrv;
    const auto qqic = wire::igmp::decode_v3_code(q.qqic);
    mr_qi_ = qqic != 0 ? Clock::duration(seconds(qqic)) : Clock::duration(seconds(125));
    if (mr_qri_ >= mr_qi_) mr_qri_ = mr_qi_ - seconds(1);
    if (group.is_unspecified()) {
      if (!q.sources.empty()) return;  // no sources allowed
      // igmp_gq_start_timer: one report for all groups, the sooner timer wins.
      const auto exp = now + random_below(mr_maxdelay_) + 2 * cfg_.jiffy;
      if (!gq_timer_ || exp < *gq_timer_) gq_timer_ = exp;
      return;
    }
    mark = !q.sources.empty();
  }
  for (auto& g : groups_) {
    if (!group.is_unspecified() && group != g.group) continue;
    if (!reported(g.group)) continue;
    g.gsquery = g.tm_running ? (g.gsquery && mark) : mark;
    bool changed = !g.gsquery;
    if (g.gsquery) {
      if (g.sfmode == kModeExclude) {  // igmp_xmarksources
        std::size_t scount = 0;
        for (auto& s : g.sources) {
          if (scount == q.sources.size()) break;
          if (s.count[kModeInclude] != 0 || g.sfcount[kModeExclude] != s.count[kModeExclude]) continue;
          if (std::find(q.sources.begin(), q.sources.end(), s.addr) != q.sources.end()) ++scount;
        }
        g.gsquery = false;
        changed = scount != q.sources.size();
      } else {  // igmp_marksources
        std::size_t scount = 0;
        for (auto& s : g.sources) {
          if (scount == q.sources.size()) break;
          if (std::find(q.sources.begin(), q.sources.end(), s.addr) != q.sources.end()) {
            s.gsresp = true;
            ++scount;
          }
        }
        g.gsquery = scount != 0;
        changed = scount != 0;
      }
    }
    if (changed) mod_timer(g, max_delay, now);
  }
}

// igmp_heard_report: another member answered; ours is suppressed (v1/v2).
void IgmpInterface::on_report(Ipv4Address group, Clock::time_point) {
  if (!reported(group)) return;
  if (GroupRecord* g = find_mut(group)) {
    g->tm_running = false;
    g->reporter = false;
    g->unsolicit_count = 0;
  }
}

std::optional<Clock::time_point> IgmpInterface::next_deadline() const {
  std::optional<Clock::time_point> t;
  auto take = [&](Clock::time_point c) { t = t ? std::min(*t, c) : c; };
  if (ifc_timer_) take(*ifc_timer_);
  if (gq_timer_) take(*gq_timer_);
  for (const auto& g : groups_)
    if (g.tm_running) take(g.timer);
  return t;
}

void IgmpInterface::on_timer(Clock::time_point now) {
  for (;;) {
    const auto next = next_deadline();
    if (!next || *next > now) return;
    const auto at = *next;
    if (gq_timer_ && *gq_timer_ == at) {  // igmp_gq_timer_expire
      gq_timer_.reset();
      send_v3_report(nullptr);
      continue;
    }
    if (ifc_timer_ && *ifc_timer_ == at) {  // igmp_ifc_timer_expire
      ifc_timer_.reset();
      send_cr();
      if (mr_ifc_count_ != 0) {
        --mr_ifc_count_;
        ifc_timer_ = at + random_below(unsolicited_interval(at)) + 2 * cfg_.jiffy;
      }
      continue;
    }
    for (auto& g : groups_) {
      if (g.tm_running && g.timer == at) {
        group_timer_expire(g, at);
        break;
      }
    }
  }
}

// igmp_timer_expire: one report of the version in force; unsolicited
// reports repeat until unsolicit_count runs out.
void IgmpInterface::group_timer_expire(GroupRecord& g, Clock::time_point now) {
  g.tm_running = false;
  if (g.unsolicit_count != 0 && --g.unsolicit_count != 0) start_timer(g, unsolicited_interval(now), now);
  g.reporter = true;
  if (v1_seen(now))
    send_report(g, wire::igmp::type::kV1Report);
  else if (v2_seen(now))
    send_report(g, wire::igmp::type::kV2Report);
  else
    send_v3_report(&g);
}

std::vector<IgmpOutput> IgmpInterface::take_output() { return std::exchange(out_, {}); }

}  // namespace ipc::stack::mcast
