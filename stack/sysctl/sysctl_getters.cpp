// SysctlTable's typed views: the values the stack reads, in its own units.
#include "stack/sysctl/sysctl_table.hpp"
#include "stack/sysctl/sysctl_text.hpp"

namespace ipc::stack::sysctl {
namespace {
const std::string kV4 = "net/ipv4/";
}  // namespace

int SysctlTable::ip_default_ttl() const { return static_cast<int>(slot(kV4 + "ip_default_ttl")); }
PortRange SysctlTable::ip_local_port_range() const {
  const auto& v = slots_.find(kV4 + "ip_local_port_range")->second;
  return {static_cast<int>(v[0]), static_cast<int>(v[1])};
}
int SysctlTable::ip_unprivileged_port_start() const {
  return static_cast<int>(slot(kV4 + "ip_unprivileged_port_start"));
}
int SysctlTable::ip_no_pmtu_disc() const { return static_cast<int>(slot(kV4 + "ip_no_pmtu_disc")); }
bool SysctlTable::ip_nonlocal_bind() const { return slot(kV4 + "ip_nonlocal_bind") != 0; }
int SysctlTable::ip_forward() const { return static_cast<int>(slot(kV4 + "conf/all/forwarding")); }
int SysctlTable::ip_dynaddr() const { return static_cast<int>(slot(kV4 + "ip_dynaddr")); }
std::uint64_t SysctlTable::ipfrag_high_thresh() const {
  return static_cast<std::uint64_t>(slot(kV4 + "ipfrag_high_thresh"));
}
std::uint64_t SysctlTable::ipfrag_low_thresh() const {
  return static_cast<std::uint64_t>(slot(kV4 + "ipfrag_low_thresh"));
}
long long SysctlTable::ipfrag_time_ms() const { return jiffies_slot_ms(kV4 + "ipfrag_time"); }
int SysctlTable::ipfrag_max_dist() const { return static_cast<int>(slot(kV4 + "ipfrag_max_dist")); }
long long SysctlTable::icmp_ratelimit_ms() const { return jiffies_slot_ms(kV4 + "icmp_ratelimit"); }
int SysctlTable::icmp_ratemask() const { return static_cast<int>(slot(kV4 + "icmp_ratemask")); }
int SysctlTable::icmp_msgs_per_sec() const {
  return static_cast<int>(slot(kV4 + "icmp_msgs_per_sec"));
}
int SysctlTable::icmp_msgs_burst() const { return static_cast<int>(slot(kV4 + "icmp_msgs_burst")); }
bool SysctlTable::icmp_echo_ignore_all() const { return slot(kV4 + "icmp_echo_ignore_all") != 0; }
bool SysctlTable::icmp_echo_ignore_broadcasts() const {
  return slot(kV4 + "icmp_echo_ignore_broadcasts") != 0;
}
bool SysctlTable::icmp_ignore_bogus_error_responses() const {
  return slot(kV4 + "icmp_ignore_bogus_error_responses") != 0;
}
bool SysctlTable::icmp_errors_use_inbound_ifaddr() const {
  return slot(kV4 + "icmp_errors_use_inbound_ifaddr") != 0;
}
int SysctlTable::igmp_max_memberships() const {
  return static_cast<int>(slot(kV4 + "igmp_max_memberships"));
}
int SysctlTable::igmp_max_msf() const { return static_cast<int>(slot(kV4 + "igmp_max_msf")); }
int SysctlTable::igmp_qrv() const { return static_cast<int>(slot(kV4 + "igmp_qrv")); }
PortRange SysctlTable::ping_group_range() const {
  const auto& v = slots_.find(kV4 + "ping_group_range")->second;
  return {static_cast<int>(v[0]), static_cast<int>(v[1])};
}
int SysctlTable::route_min_pmtu() const { return static_cast<int>(slot(kV4 + "route/min_pmtu")); }
long long SysctlTable::route_mtu_expires_ms() const {
  return jiffies_slot_ms(kV4 + "route/mtu_expires");
}

std::optional<int> SysctlTable::conf(std::string_view dev, std::string_view name) const {
  const auto it =
      slots_.find(kV4 + "conf/" + std::string(dev) + "/" + std::string(name));
  if (it == slots_.end()) return std::nullopt;
  return static_cast<int>(it->second[0]);
}

std::optional<NeighParams> SysctlTable::neigh(std::string_view dev) const {
  const std::string d = kV4 + "neigh/" + std::string(dev) + "/";
  if (!slots_.contains(d + "ucast_solicit")) return std::nullopt;
  NeighParams p;
  p.base_reachable_time_ms = jiffies_slot_ms(d + "base_reachable_time");
  p.retrans_time_ms = jiffies_slot_ms(d + "retrans_time");
  p.gc_stale_time_ms = jiffies_slot_ms(d + "gc_stale_time");
  p.delay_first_probe_time_ms = jiffies_slot_ms(d + "delay_first_probe_time");
  p.interval_probe_time_ms = jiffies_slot_ms(d + "interval_probe_time_ms");
  p.anycast_delay_ms = jiffies_slot_ms(d + "anycast_delay");
  p.proxy_delay_ms = jiffies_slot_ms(d + "proxy_delay");
  p.locktime_ms = jiffies_slot_ms(d + "locktime");
  p.ucast_solicit = static_cast<int>(slot(d + "ucast_solicit"));
  p.mcast_solicit = static_cast<int>(slot(d + "mcast_solicit"));
  p.app_solicit = static_cast<int>(slot(d + "app_solicit"));
  p.mcast_resolicit = static_cast<int>(slot(d + "mcast_resolicit"));
  p.proxy_qlen = static_cast<int>(slot(d + "proxy_qlen"));
  p.unres_qlen = static_cast<int>(slot(d + "unres_qlen"));
  p.unres_qlen_bytes = static_cast<int>(slot(d + "unres_qlen_bytes"));
  return p;
}

long long SysctlTable::integer(std::string_view path) const {
  const auto it = entries_.find(path);
  if (it == entries_.end()) return 0;
  switch (it->second.kind) {
    case Kind::Seconds:
    case Kind::Millis:
    case Kind::UserHz:
      return jiffies_slot_ms(it->second.slot);
    default:
      return slot(it->second.slot);
  }
}

std::vector<long long> SysctlTable::values(std::string_view path) const {
  const auto it = entries_.find(path);
  if (it == entries_.end()) return {};
  return slots_.find(it->second.slot)->second;
}

}  // namespace ipc::stack::sysctl
