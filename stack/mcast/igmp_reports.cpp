// The IGMP messages a host sends (net/ipv4/igmp.c: is_in, add_grec,
// igmpv3_send_cr, igmpv3_send_report, igmp_send_report), built with
// stack/wire/igmp.hpp. All records of one send go in one message: the
// suite's filters (at most igmp_max_msf sources per socket) fit one MTU, so
// igmpv3_newpack's MTU split is not modelled.
#include <algorithm>

#include "stack/mcast/igmp_interface.hpp"
#include "stack/mcast/mcast_names.hpp"

namespace ipc::stack::mcast {

using wire::Ipv4Address;
namespace rec = wire::igmp::record;

namespace {

constexpr Ipv4Address kAllRouters{224, 0, 0, 2};
constexpr Ipv4Address kV3Routers{224, 0, 0, 22};

// is_in: whether a source belongs in a record of `type`.
bool is_in(const GroupRecord& g, const SourceRecord& s, std::uint8_t type, bool gdeleted, bool sdeleted) {
  switch (type) {
    case rec::kModeIsInclude:
    case rec::kModeIsExclude:
      if (gdeleted || sdeleted) return false;
      if (!(g.gsquery && !s.gsresp)) {
        if (g.sfmode == kModeInclude) return true;
        // not if this source is excluded in all filters
        if (s.count[kModeInclude] != 0) return type == rec::kModeIsInclude;
        return g.sfcount[kModeExclude] == s.count[kModeExclude];
      }
      return false;
    case rec::kChangeToInclude:
      if (gdeleted || sdeleted) return false;
      return s.count[kModeInclude] != 0;
    case rec::kChangeToExclude:
      if (gdeleted || sdeleted) return false;
      if (g.sfcount[kModeExclude] == 0 || s.count[kModeInclude] != 0) return false;
      return g.sfcount[kModeExclude] == s.count[kModeExclude];
    case rec::kAllowNewSources:
      if (gdeleted || s.crcount == 0) return false;
      return (g.sfmode == kModeInclude) != sdeleted;
    case rec::kBlockOldSources:
      if (g.sfmode == kModeInclude) return gdeleted || (s.crcount != 0 && sdeleted);
      return s.crcount != 0 && !gdeleted && !sdeleted;
    default:
      return false;
  }
}

// igmpv3_clear_zeros
void clear_zeros(std::vector<SourceRecord>& list) {
  std::erase_if(list, [](const SourceRecord& s) { return s.crcount == 0; });
}

}  // namespace

void IgmpInterface::add_grec(std::vector<wire::IgmpGroupRecord>& out, GroupRecord& g, std::uint8_t type,
                             bool gdeleted, bool sdeleted) {
  if (!reported(g.group)) return;
  const bool isquery = type == rec::kModeIsInclude || type == rec::kModeIsExclude;
  const bool change_sources = type == rec::kAllowNewSources || type == rec::kBlockOldSources;
  std::vector<SourceRecord>& list = sdeleted ? g.tomb : g.sources;
  std::vector<Ipv4Address> srcs;
  for (auto it = list.begin(); it != list.end();) {
    SourceRecord& s = *it;
    if (!is_in(g, s, type, gdeleted, sdeleted)) {
      ++it;
      continue;
    }
    // RFC 3376 5.1: no source-list change records during a filter mode change.
    const bool mode_change = (gdeleted && g.sfmode == kModeExclude) || (!gdeleted && g.crcount != 0);
    if (!(mode_change && change_sources && s.crcount != 0)) {
      if (isquery) s.gsresp = false;
      srcs.push_back(s.addr);
      if (!(change_sources && s.crcount != 0)) {
        ++it;
        continue;
      }
    }
    // decrease_sf_crcount
    --s.crcount;
    if ((sdeleted || gdeleted) && s.crcount == 0) {
      it = list.erase(it);
      continue;
    }
    ++it;
  }
  if (srcs.empty()) {
    if (change_sources) return;
    if (g.crcount == 0 && !isquery) return;
  }
  out.push_back(wire::IgmpGroupRecord{type, g.group, std::move(srcs), {}});
  if (isquery) g.gsquery = false;  // clear query state on report
}

// igmpv3_send_cr: the interface change report.
void IgmpInterface::send_cr() {
  std::vector<wire::IgmpGroupRecord> recs;
  // deleted groups
  for (auto it = tomb_.begin(); it != tomb_.end();) {
    GroupRecord& d = *it;
    if (d.sfmode == kModeInclude) {
      add_grec(recs, d, rec::kBlockOldSources, true, false);
      add_grec(recs, d, rec::kBlockOldSources, true, true);
    }
    if (d.crcount != 0) {
      if (d.sfmode == kModeExclude) add_grec(recs, d, rec::kChangeToInclude, true, false);
      --d.crcount;
      if (d.crcount == 0) {
        clear_zeros(d.tomb);
        clear_zeros(d.sources);
      }
    }
    if (d.crcount == 0 && d.tomb.empty() && d.sources.empty())
      it = tomb_.erase(it);
    else
      ++it;
  }
  // change records
  for (auto& g : groups_) {
    std::uint8_t type = rec::kAllowNewSources, dtype = rec::kBlockOldSources;
    if (g.sfcount[kModeExclude] != 0) std::swap(type, dtype);
    add_grec(recs, g, type, false, false);
    add_grec(recs, g, dtype, false, true);  // deleted sources
    if (g.crcount != 0) {  // filter mode changes
      add_grec(recs, g, g.sfmode == kModeExclude ? rec::kChangeToExclude : rec::kChangeToInclude, false, false);
      --g.crcount;
    }
  }
  if (recs.empty()) return;
  emit(wire::IgmpRepr{wire::IgmpV3Report{std::move(recs)}}, kV3Routers);
}

// igmpv3_send_report: current-state records, for one group or (nullptr)
// all of them.
void IgmpInterface::send_v3_report(GroupRecord* one) {
  std::vector<wire::IgmpGroupRecord> recs;
  auto add = [&](GroupRecord& g) {
    add_grec(recs, g, g.sfcount[kModeExclude] != 0 ? rec::kModeIsExclude : rec::kModeIsInclude, false, false);
  };
  if (one != nullptr) {
    add(*one);
  } else {
    for (auto& g : groups_) add(g);
  }
  if (recs.empty()) return;
  emit(wire::IgmpRepr{wire::IgmpV3Report{std::move(recs)}}, kV3Routers);
}

// igmp_send_report for v1/v2 reports and the v2 leave (to 224.0.0.2).
void IgmpInterface::send_report(GroupRecord& g, std::uint8_t type) {
  if (type == wire::igmp::type::kV2Leave) {
    emit(wire::IgmpRepr{wire::IgmpLeave{g.group}}, kAllRouters);
    return;
  }
  const int version = type == wire::igmp::type::kV1Report ? 1 : 2;
  emit(wire::IgmpRepr{wire::IgmpReport{version, g.group}}, g.group);
}

void IgmpInterface::emit(const wire::IgmpRepr& repr, Ipv4Address dst) {
  if (cfg_.loopback) return;
  IgmpOutput o;
  o.ifindex = ifindex_;
  o.src = addr_;
  o.dst = dst;
  o.payload.resize(repr.buffer_len());
  if (!repr.emit(o.payload)) return;
  out_.push_back(std::move(o));
}

}  // namespace ipc::stack::mcast
