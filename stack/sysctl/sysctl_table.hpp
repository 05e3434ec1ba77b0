// The per-namespace /proc/sys/net entries the reference stack emulates, as
// a fresh network namespace of the reference kernel shows them: default
// values, the text read back, write validation with Linux's errno, and the
// entries that do not exist (ENOENT). Paths are relative to /proc/sys and
// '/'-separated ("net/ipv4/ip_default_ttl"), as the probe protocol's sysctl
// op carries them. Handlers followed: net/ipv4/sysctl_net_ipv4.c
// (ipv4_table, ipv4_net_table), net/ipv4/devinet.c (conf/*),
// net/core/neighbour.c (neigh/<dev>/*), net/ipv4/ip_fragment.c
// (ip4_frags_ns_ctl_table), net/ipv4/route.c (route/*),
// net/core/sysctl_net_core.c, kernel/sysctl.c (the proc_do* converters).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::stack::sysctl {

struct SysctlResult {
  int err = 0;                       // 0 or a positive errno
  std::optional<std::string> value;  // read: the text; write: the text read back
                                     // (none for a write-only entry)
};

struct PortRange {
  int low = 0, high = 0;
};

// The ARP parameters of one device (neigh/<dev>/*), in the units the stack
// uses.
struct NeighParams {
  long long base_reachable_time_ms = 0, retrans_time_ms = 0, gc_stale_time_ms = 0,
            delay_first_probe_time_ms = 0, interval_probe_time_ms = 0, anycast_delay_ms = 0,
            proxy_delay_ms = 0, locktime_ms = 0;
  int ucast_solicit = 0, mcast_solicit = 0, app_solicit = 0, mcast_resolicit = 0,
      proxy_qlen = 0, unres_qlen = 0, unres_qlen_bytes = 0;
};

class SysctlTable {
 public:
  // `devices`: the namespace's interface names ("lo", "dut0", ...); each
  // gets conf/<dev>/ and neigh/<dev>/ entries.
  explicit SysctlTable(std::vector<std::string> devices);

  SysctlResult read(std::string_view path) const;
  // Writes `text` (as written to the file) and reads the entry back.
  // cap_net_admin: conf/*/forwarding and ip_forward need it
  // (devinet_sysctl_forward: -EPERM).
  SysctlResult write(std::string_view path, std::string_view text, bool cap_net_admin = true);
  // Every entry back to its fresh-namespace value.
  void reset();

  // Typed views for the stack.
  int ip_default_ttl() const;
  PortRange ip_local_port_range() const;
  int ip_unprivileged_port_start() const;
  int ip_no_pmtu_disc() const;
  bool ip_nonlocal_bind() const;
  int ip_forward() const;
  int ip_dynaddr() const;
  std::uint64_t ipfrag_high_thresh() const;
  std::uint64_t ipfrag_low_thresh() const;
  long long ipfrag_time_ms() const;
  int ipfrag_max_dist() const;
  long long icmp_ratelimit_ms() const;
  int icmp_ratemask() const;
  int icmp_msgs_per_sec() const;
  int icmp_msgs_burst() const;
  bool icmp_echo_ignore_all() const;
  bool icmp_echo_ignore_broadcasts() const;
  bool icmp_ignore_bogus_error_responses() const;
  bool icmp_errors_use_inbound_ifaddr() const;
  int igmp_max_memberships() const;
  int igmp_max_msf() const;
  int igmp_qrv() const;
  PortRange ping_group_range() const;  // gids, low > high: nobody
  int route_min_pmtu() const;
  long long route_mtu_expires_ms() const;
  // An integer entry in the unit the stack uses (jiffies entries in
  // milliseconds), for the protocol settings read when used (net/ipv4/tcp_*).
  long long integer(std::string_view path) const;
  // Every value of a vector entry (tcp_rmem: min, default, max).
  std::vector<long long> values(std::string_view path) const;
  // conf/<dev>/<name> ("all", "default" or a device), e.g. rp_filter,
  // accept_local, route_localnet, accept_source_route.
  std::optional<int> conf(std::string_view dev, std::string_view name) const;
  std::optional<NeighParams> neigh(std::string_view dev) const;

 private:
  // How an entry converts and checks (the kernel handler it follows).
  enum class Kind {
    Int,          // proc_dointvec(_minmax)
    U8,           // proc_dou8vec_minmax
    ULong,        // proc_doulongvec_minmax (the ipfrag thresholds)
    Seconds,      // proc_dointvec_jiffies: seconds shown, jiffies stored
    Millis,       // proc_dointvec_ms_jiffies: milliseconds shown
    UserHz,       // proc_dointvec_userhz_jiffies: 1/100 s shown
    PortRange,    // ipv4_local_port_range
    IntTriple,    // proc_dointvec_minmax over three ints (tcp_rmem, tcp_wmem)
    PingGroups,   // ipv4_ping_group_range
    ReadOnly,     // mode 0444
    WriteOnly,    // mode 0200 (route/flush)
  };
  struct Entry {
    Kind kind = Kind::Int;
    std::string slot;  // storage key; two entries may share one (unit twins, ip_forward)
    long long min = -2147483648LL, max = 2147483647LL;  // in the shown unit
  };

  void add(std::string path, Kind kind, std::vector<long long> value, long long min,
           long long max, std::string slot = {});
  void add_conf(const std::string& dev);
  void add_neigh(const std::string& dev);
  std::string show(const Entry& e) const;
  int store(const std::string& path, const Entry& e, std::string_view text, bool cap_net_admin);
  long long slot(std::string_view key) const;
  long long jiffies_slot_ms(std::string_view key) const;

  std::vector<std::string> devices_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::map<std::string, std::vector<long long>, std::less<>> slots_, defaults_;
  // devinet's cnf->state bits: conf/<dev>/<name> written since creation, so
  // conf/default no longer overrides it (devinet_copy_dflt_conf).
  std::set<std::string, std::less<>> conf_written_;
};

}  // namespace ipc::stack::sysctl
