#include "stack/sysctl/sysctl_table.hpp"

#include <cerrno>
#include <limits>

#include "stack/sysctl/sysctl_text.hpp"

namespace ipc::stack::sysctl {
namespace {

constexpr long long kIntMin = std::numeric_limits<int>::min();
constexpr long long kIntMax = std::numeric_limits<int>::max();
constexpr long long kULongMax = -1;  // marker: no upper bound for a ULong entry
// GID_T_MAX: ((gid_t)~0U) >> 1, the bound of ping_group_range.
constexpr long long kGidMax = 2147483647LL;

// The devinet entries of conf/<dev>/ with their fresh values: ipv4_devconf
// (conf/all) and ipv4_devconf_dflt (conf/default and every new device).
// accept_source_route is 0 for "all" but 1 for default and devices; lo also
// gets disable_policy/disable_xfrm 1 (devinet_init_net / loopback setup).
struct ConfDefault {
  const char* name;
  long long all, dflt;
};
constexpr ConfDefault kConf[] = {
    {"accept_local", 0, 0}, {"accept_redirects", 1, 1}, {"accept_source_route", 0, 1},
    {"arp_accept", 0, 0}, {"arp_announce", 0, 0}, {"arp_evict_nocarrier", 1, 1},
    {"arp_filter", 0, 0}, {"arp_ignore", 0, 0}, {"arp_notify", 0, 0},
    {"bc_forwarding", 0, 0}, {"bootp_relay", 0, 0}, {"disable_policy", 0, 0},
    {"disable_xfrm", 0, 0}, {"drop_gratuitous_arp", 0, 0},
    {"drop_unicast_in_l2_multicast", 0, 0}, {"force_igmp_version", 0, 0},
    {"forwarding", 0, 0}, {"igmpv2_unsolicited_report_interval", 10000, 10000},
    {"igmpv3_unsolicited_report_interval", 1000, 1000},
    {"ignore_routes_with_linkdown", 0, 0}, {"log_martians", 0, 0},
    {"mc_forwarding", 0, 0}, {"medium_id", 0, 0}, {"promote_secondaries", 0, 0},
    {"proxy_arp", 0, 0}, {"proxy_arp_pvlan", 0, 0}, {"route_localnet", 0, 0},
    {"rp_filter", 0, 0}, {"secure_redirects", 1, 1}, {"send_redirects", 1, 1},
    {"shared_media", 1, 1}, {"src_valid_mark", 0, 0}, {"tag", 0, 0},
};

std::string conf_path(std::string_view dev, std::string_view name) {
  return "net/ipv4/conf/" + std::string(dev) + "/" + std::string(name);
}

}  // namespace

SysctlTable::SysctlTable(std::vector<std::string> devices) : devices_(std::move(devices)) {
  const std::string v4 = "net/ipv4/";
  // ipv4_net_table: u8 entries (proc_dou8vec_minmax) with their bounds.
  add(v4 + "ip_default_ttl", Kind::U8, {64}, 1, 255);  // IPDEFTTL, ip_ttl_min/max
  add(v4 + "ip_dynaddr", Kind::U8, {0}, 0, 255);
  add(v4 + "ip_no_pmtu_disc", Kind::U8, {0}, 0, 255);
  add(v4 + "ip_nonlocal_bind", Kind::U8, {0}, 0, 255);
  add(v4 + "ip_autobind_reuse", Kind::U8, {0}, 0, 1);
  add(v4 + "ip_early_demux", Kind::U8, {1}, 0, 255);
  add(v4 + "udp_early_demux", Kind::U8, {1}, 0, 255);
  add(v4 + "ip_forward_update_priority", Kind::U8, {1}, 0, 1);
  add(v4 + "ip_forward_use_pmtu", Kind::U8, {0}, 0, 255);
  add(v4 + "fwmark_reflect", Kind::U8, {0}, 0, 255);
  add(v4 + "icmp_echo_ignore_all", Kind::U8, {0}, 0, 1);
  add(v4 + "icmp_echo_enable_probe", Kind::U8, {0}, 0, 1);
  add(v4 + "icmp_echo_ignore_broadcasts", Kind::U8, {1}, 0, 1);
  add(v4 + "icmp_ignore_bogus_error_responses", Kind::U8, {1}, 0, 1);
  add(v4 + "icmp_errors_use_inbound_ifaddr", Kind::U8, {0}, 0, 1);
  add(v4 + "igmp_link_local_mcast_reports", Kind::U8, {1}, 0, 255);
  // proc_dointvec / proc_dointvec_minmax entries.
  add(v4 + "icmp_ratemask", Kind::Int, {6168}, kIntMin, kIntMax);
  add(v4 + "icmp_msgs_per_sec", Kind::Int, {1000}, 0, kIntMax);
  add(v4 + "icmp_msgs_burst", Kind::Int, {50}, 0, kIntMax);
  add(v4 + "igmp_max_memberships", Kind::Int, {20}, kIntMin, kIntMax);
  add(v4 + "igmp_max_msf", Kind::Int, {10}, kIntMin, kIntMax);
  add(v4 + "igmp_qrv", Kind::Int, {2}, 1, kIntMax);
  add(v4 + "ipfrag_max_dist", Kind::Int, {64}, 0, kIntMax);
  add(v4 + "udp_rmem_min", Kind::Int, {4096}, 1, kIntMax);
  add(v4 + "udp_wmem_min", Kind::Int, {4096}, 1, kIntMax);
  // Upper bound: the low end of ip_local_port_range (ipv4_privileged_ports).
  add(v4 + "ip_unprivileged_port_start", Kind::Int, {1024}, 0, kIntMax);
  // ipv4_local_port_range: 32768..60999 (inet_init_net).
  add(v4 + "ip_local_port_range", Kind::PortRange, {32768, 60999}, 1, 65535);
  // ping_group_range starts as "nobody": 1 0 (inet_init_net).
  add(v4 + "ping_group_range", Kind::PingGroups, {1, 0}, 0, kGidMax);
  add(v4 + "icmp_ratelimit", Kind::Millis, {ms_to_jiffies(1000)}, 0, kIntMax);
  // ip4_frags_ns_ctl_table (ipv4_frags_init_net): 4 MiB / 3 MiB / 30 s; the
  // bounds of the thresholds are each other's live value.
  add(v4 + "ipfrag_high_thresh", Kind::ULong, {4194304}, 0, kULongMax);
  add(v4 + "ipfrag_low_thresh", Kind::ULong, {3145728}, 0, kULongMax);
  add(v4 + "ipfrag_time", Kind::Seconds, {30 * kHz}, kIntMin, kIntMax);
  // TCP (ipv4_net_table), as a fresh namespace of the reference kernel shows
  // them; tcp_rmem/tcp_wmem are copied from init_net, whose maxima depend on
  // the machine's memory (tcp_init): these are the reference machine's.
  add(v4 + "tcp_syn_retries", Kind::U8, {6}, 1, 127);  // tcp_syn_retries_min/max
  add(v4 + "tcp_synack_retries", Kind::U8, {5}, 0, 255);
  add(v4 + "tcp_syn_linear_timeouts", Kind::U8, {4}, 0, 127);  // MAX_TCP_SYNCNT
  add(v4 + "tcp_timestamps", Kind::U8, {1}, 0, 255);
  add(v4 + "tcp_sack", Kind::U8, {1}, 0, 255);
  add(v4 + "tcp_window_scaling", Kind::U8, {1}, 0, 255);
  add(v4 + "tcp_ecn", Kind::U8, {2}, 0, 2);
  add(v4 + "tcp_retries1", Kind::U8, {3}, 0, 255);
  add(v4 + "tcp_retries2", Kind::U8, {15}, 0, 255);
  add(v4 + "tcp_orphan_retries", Kind::U8, {0}, 0, 255);
  add(v4 + "tcp_keepalive_probes", Kind::U8, {9}, 0, 255);
  add(v4 + "tcp_tw_reuse", Kind::U8, {2}, 0, 2);
  add(v4 + "tcp_syncookies", Kind::U8, {1}, 0, 255);
  add(v4 + "tcp_mtu_probing", Kind::U8, {0}, 0, 255);
  add(v4 + "tcp_reflect_tos", Kind::U8, {0}, 0, 1);
  add(v4 + "tcp_moderate_rcvbuf", Kind::U8, {1}, 0, 255);
  add(v4 + "tcp_slow_start_after_idle", Kind::U8, {1}, 0, 255);
  add(v4 + "tcp_fin_timeout", Kind::Seconds, {60 * kHz}, kIntMin, kIntMax);
  add(v4 + "tcp_keepalive_time", Kind::Seconds, {7200 * kHz}, kIntMin, kIntMax);
  add(v4 + "tcp_keepalive_intvl", Kind::Seconds, {75 * kHz}, kIntMin, kIntMax);
  add(v4 + "tcp_rmem", Kind::IntTriple, {4096, 131072, 33554432}, 1, kIntMax);
  add(v4 + "tcp_wmem", Kind::IntTriple, {4096, 16384, 4194304}, 1, kIntMax);
  add(v4 + "tcp_base_mss", Kind::Int, {1024}, kIntMin, kIntMax);
  add(v4 + "tcp_min_snd_mss", Kind::Int, {48}, 48, 65495);  // TCP_MIN_SND_MSS .. 65535 - 40
  add(v4 + "tcp_max_syn_backlog", Kind::Int, {2048}, kIntMin, kIntMax);
  add(v4 + "tcp_rto_min_us", Kind::Int, {200000}, 1, kIntMax);
  add(v4 + "tcp_adv_win_scale", Kind::Int, {1}, -31, 31);
  // ipv4_route_netns_table: min_pmtu >= ip_min_valid_pmtu (68), 552 by
  // default; mtu_expires 10 min; flush is write-only.
  add(v4 + "route/min_pmtu", Kind::Int, {552}, 68, kIntMax);
  add(v4 + "route/mtu_expires", Kind::Seconds, {600 * kHz}, kIntMin, kIntMax);
  add(v4 + "route/min_adv_mss", Kind::Int, {256}, kIntMin, kIntMax);
  add(v4 + "route/flush", Kind::WriteOnly, {0}, kIntMin, kIntMax);
  // ipv4_net_table's ip_forward is conf/all/forwarding's int.
  add(v4 + "ip_forward", Kind::Int, {0}, kIntMin, kIntMax, conf_path("all", "forwarding"));
  add_conf("all");
  add_conf("default");
  for (const auto& dev : devices_) {
    add_conf(dev);
    add_neigh(dev);
  }
  // net/core: the per-namespace socket limits. The buffer sizes are
  // read-only outside the initial namespace (sysctl_core_net_init makes
  // them 0444), so a write is EACCES.
  add("net/core/somaxconn", Kind::Int, {4096}, 0, kIntMax);
  add("net/core/optmem_max", Kind::Int, {131072}, 0, kIntMax);
  add("net/core/tstamp_allow_data", Kind::U8, {1}, 0, 1);
  add("net/core/rmem_max", Kind::ReadOnly, {4194304}, 0, 0);
  add("net/core/wmem_max", Kind::ReadOnly, {4194304}, 0, 0);
  add("net/core/rmem_default", Kind::ReadOnly, {212992}, 0, 0);
  add("net/core/wmem_default", Kind::ReadOnly, {212992}, 0, 0);
  // The one IPv6 entry the suite reads: ip6frag_time, IPV6_FRAG_TIMEOUT 60 s.
  add("net/ipv6/ip6frag_time", Kind::Seconds, {60 * kHz}, kIntMin, kIntMax);
}

void SysctlTable::add(std::string path, Kind kind, std::vector<long long> value, long long min,
                      long long max, std::string slot) {
  if (slot.empty()) slot = path;
  if (!slots_.contains(slot)) {
    slots_[slot] = value;
    defaults_[slot] = std::move(value);
  }
  entries_[std::move(path)] = Entry{kind, std::move(slot), min, max};
}

void SysctlTable::add_conf(const std::string& dev) {
  for (const auto& c : kConf) {
    long long v = dev == "all" ? c.all : c.dflt;
    const std::string name = c.name;
    if (dev == "lo" && (name == "disable_policy" || name == "disable_xfrm")) v = 1;
    // DEVINET_SYSCTL_RO_ENTRY(MC_FORWARDING): mode 0444.
    const Kind kind = name == "mc_forwarding" ? Kind::ReadOnly : Kind::Int;
    add(conf_path(dev, name), kind, {v}, kIntMin, kIntMax);
  }
}

// neigh_sysctl_register for a device: arp_tbl.parms (net/ipv4/arp.c) copied
// by neigh_parms_alloc. There is no neigh/default in a non-initial
// namespace, and the table-wide gc_* entries exist only there.
void SysctlTable::add_neigh(const std::string& dev) {
  const std::string d = "net/ipv4/neigh/" + dev + "/";
  // neigh_proc_dointvec_zero_intmax: counters 0..INT_MAX.
  add(d + "mcast_solicit", Kind::Int, {3}, 0, kIntMax);
  add(d + "ucast_solicit", Kind::Int, {3}, 0, kIntMax);
  add(d + "app_solicit", Kind::Int, {0}, 0, kIntMax);
  add(d + "mcast_resolicit", Kind::Int, {0}, 0, kIntMax);
  add(d + "proxy_qlen", Kind::Int, {64}, 0, kIntMax);
  add(d + "unres_qlen_bytes", Kind::Int, {212992}, 0, kIntMax);  // SK_WMEM_MAX
  add(d + "unres_qlen", Kind::Int, {101}, 0, kIntMax);
  // Time entries, stored in jiffies. The seconds and USER_HZ entries have no
  // lower bound (neigh_proc_dointvec_jiffies / _userhz_jiffies); the
  // millisecond ones refuse negatives, interval_probe_time_ms also 0
  // (neigh_proc_dointvec_ms_jiffies_positive).
  add(d + "base_reachable_time", Kind::Seconds, {30 * kHz}, kIntMin, kIntMax);
  add(d + "base_reachable_time_ms", Kind::Millis, {30 * kHz}, 0, kIntMax,
      d + "base_reachable_time");
  add(d + "retrans_time", Kind::UserHz, {kHz}, kIntMin, kIntMax);
  add(d + "retrans_time_ms", Kind::Millis, {kHz}, 0, kIntMax, d + "retrans_time");
  add(d + "gc_stale_time", Kind::Seconds, {60 * kHz}, kIntMin, kIntMax);
  add(d + "delay_first_probe_time", Kind::Seconds, {5 * kHz}, kIntMin, kIntMax);
  add(d + "interval_probe_time_ms", Kind::Millis, {5 * kHz}, 1, kIntMax);
  add(d + "anycast_delay", Kind::UserHz, {kHz}, kIntMin, kIntMax);
  add(d + "proxy_delay", Kind::UserHz, {kHz * 8 / 10}, kIntMin, kIntMax);
  add(d + "locktime", Kind::UserHz, {kHz}, kIntMin, kIntMax);
}

void SysctlTable::reset() {
  slots_ = defaults_;
  conf_written_.clear();
}

std::string SysctlTable::show(const Entry& e) const {
  const auto& v = slots_.at(e.slot);
  switch (e.kind) {
    case Kind::Seconds:
      return std::to_string(v[0] / kHz);
    case Kind::Millis:
      return std::to_string(jiffies_to_ms(v[0]));
    case Kind::UserHz:
      // do_proc_dointvec_userhz_jiffies_conv prints the sign, then the
      // magnitude converted: -1 written is stored as -2 jiffies, read "-0".
      if (v[0] < 0) return "-" + std::to_string(jiffies_to_userhz(-v[0]));
      return std::to_string(jiffies_to_userhz(v[0]));
    default:
      return format_numbers(v);
  }
}

SysctlResult SysctlTable::read(std::string_view path) const {
  const auto it = entries_.find(path);
  if (it == entries_.end()) {
    // A directory opens but cannot be read as a file.
    const std::string dir = std::string(path) + "/";
    const auto below = entries_.lower_bound(dir);
    if (!path.empty() && below != entries_.end() && below->first.starts_with(dir))
      return {EISDIR, std::nullopt};
    return {ENOENT, std::nullopt};
  }
  // proc_sys_permission / test_perm: no read bit -> EACCES, even for root.
  if (it->second.kind == Kind::WriteOnly) return {EACCES, std::nullopt};
  return {0, show(it->second)};
}

SysctlResult SysctlTable::write(std::string_view path, std::string_view text,
                                bool cap_net_admin) {
  const auto it = entries_.find(path);
  if (it == entries_.end()) {
    SysctlResult r = read(path);
    return {r.err, std::nullopt};
  }
  if (it->second.kind == Kind::ReadOnly) return {EACCES, std::nullopt};
  if (const int err = store(it->first, it->second, text, cap_net_admin); err != 0)
    return {err, std::nullopt};
  // The probe answers a write with what a read then shows; a write-only
  // entry still succeeded.
  SysctlResult r = read(path);
  if (r.err != 0) return {0, std::nullopt};
  return r;
}

long long SysctlTable::slot(std::string_view key) const { return slots_.find(key)->second[0]; }

long long SysctlTable::jiffies_slot_ms(std::string_view key) const {
  return jiffies_to_ms(slot(key));
}

}  // namespace ipc::stack::sysctl
