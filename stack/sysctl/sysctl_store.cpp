// SysctlTable::store: the write side of each handler kind, and the entries
// whose bounds or side effects involve other entries.
#include <cerrno>
#include <limits>

#include "stack/sysctl/sysctl_table.hpp"
#include "stack/sysctl/sysctl_text.hpp"

namespace ipc::stack::sysctl {
namespace {

constexpr long long kIntMax = std::numeric_limits<int>::max();

// do_proc_dointvec_conv: the magnitude must fit an int with its sign.
bool to_int(const ParsedNumber& n, long long& out) {
  if (n.negative) {
    if (n.magnitude > static_cast<std::uint64_t>(kIntMax) + 1) return false;
    out = -static_cast<long long>(n.magnitude);
  } else {
    if (n.magnitude > static_cast<std::uint64_t>(kIntMax)) return false;
    out = static_cast<long long>(n.magnitude);
  }
  return true;
}

// proc_dointvec_minmax over a vector entry's copy: each number written
// replaces its slot, every one within [min, max], or nothing is stored.
bool overlay(std::vector<long long>& values, const ParsedWrite& parsed, long long min, long long max) {
  for (std::size_t i = 0; i < parsed.numbers.size() && i < values.size(); ++i) {
    long long val = 0;
    if (!to_int(parsed.numbers[i], val) || val < min || val > max) return false;
    values[i] = val;
  }
  return true;
}

// "net/ipv4/conf/<dev>/<name>" -> dev, name; false for other paths.
bool split_conf(std::string_view path, std::string_view& dev, std::string_view& name) {
  constexpr std::string_view kPrefix = "net/ipv4/conf/";
  if (!path.starts_with(kPrefix)) return false;
  path.remove_prefix(kPrefix.size());
  const auto slash = path.find('/');
  if (slash == std::string_view::npos) return false;
  dev = path.substr(0, slash);
  name = path.substr(slash + 1);
  return true;
}

std::string conf_path_of(std::string_view dev, std::string_view name) {
  return "net/ipv4/conf/" + std::string(dev) + "/" + std::string(name);
}

}  // namespace

int SysctlTable::store(const std::string& path, const Entry& e, std::string_view text,
                       bool cap_net_admin) {
  // ipv4_sysctl_rtcache_flush flushes on any write and never parses it.
  if (e.kind == Kind::WriteOnly) return 0;
  std::string_view dev, name;
  const bool is_conf = split_conf(e.slot, dev, name);
  const bool is_forwarding = is_conf && name == "forwarding";
  // devinet_sysctl_forward: "if (write && !ns_capable(net->user_ns,
  // CAP_NET_ADMIN)) return -EPERM;" before the text is looked at.
  if (is_forwarding && !cap_net_admin) return EPERM;

  const std::size_t count = e.kind == Kind::IntTriple                                   ? 3
                            : e.kind == Kind::PortRange || e.kind == Kind::PingGroups ? 2
                                                                                       : 1;
  const ParsedWrite parsed = parse_numbers(text, count);
  if (parsed.err != 0) return parsed.err;
  if (parsed.numbers.empty()) return 0;  // an empty write changes nothing
  const ParsedNumber& n = parsed.numbers[0];
  std::vector<long long>& v = slots_[e.slot];

  switch (e.kind) {
    case Kind::Int: {
      long long val = 0;
      if (!to_int(n, val)) return EINVAL;
      long long max = e.max;
      // ipv4_privileged_ports: at most the low end of ip_local_port_range.
      if (path == "net/ipv4/ip_unprivileged_port_start")
        max = slot("net/ipv4/ip_local_port_range");
      if (val < e.min || val > max) return EINVAL;  // proc_dointvec_minmax
      const long long old = v[0];
      v[0] = val;
      if (is_forwarding) {
        // devinet_sysctl_forward: a change of conf/all (= ip_forward) runs
        // inet_forward_change: conf/default and every device follow, and
        // conf/all/accept_redirects becomes !on. conf/default and device
        // entries change only themselves.
        if (dev == "all" && old != val) {
          slots_[conf_path_of("default", "forwarding")][0] = val;
          for (const auto& d : devices_) slots_[conf_path_of(d, "forwarding")][0] = val;
          slots_[conf_path_of("all", "accept_redirects")][0] = val == 0 ? 1 : 0;
        }
      } else if (is_conf) {
        // devinet_conf_proc: set_bit(i, cnf->state); a conf/default write
        // is copied to every device that has not set its own value
        // (devinet_copy_dflt_conf).
        conf_written_.insert(e.slot);
        if (dev == "default") {
          for (const auto& d : devices_) {
            const std::string p = conf_path_of(d, name);
            if (!conf_written_.contains(p)) slots_[p][0] = val;
          }
        }
      }
      return 0;
    }
    case Kind::U8:
      // proc_dou8vec_minmax: an unsigned parse (negative -> EINVAL), at
      // most 255, then extra1/extra2.
      if (n.negative || n.magnitude > 255) return EINVAL;
      if (static_cast<long long>(n.magnitude) < e.min ||
          static_cast<long long>(n.magnitude) > e.max)
        return EINVAL;
      v[0] = static_cast<long long>(n.magnitude);
      return 0;
    case Kind::ULong: {
      // proc_doulongvec_minmax: negative -> EINVAL. ipfrag_high_thresh has
      // extra1 = &low_thresh, ipfrag_low_thresh extra2 = &high_thresh.
      if (n.negative) return EINVAL;
      const auto high = static_cast<std::uint64_t>(slot("net/ipv4/ipfrag_high_thresh"));
      const auto low = static_cast<std::uint64_t>(slot("net/ipv4/ipfrag_low_thresh"));
      if (path == "net/ipv4/ipfrag_high_thresh" && n.magnitude < low) return EINVAL;
      if (path == "net/ipv4/ipfrag_low_thresh" && n.magnitude > high) return EINVAL;
      if (n.magnitude > static_cast<std::uint64_t>(std::numeric_limits<long long>::max()))
        return EINVAL;
      v[0] = static_cast<long long>(n.magnitude);
      return 0;
    }
    case Kind::Seconds: {
      // do_proc_dointvec_jiffies_conv: "if (*lvalp > INT_MAX / HZ) return 1";
      // negative values are stored.
      if (n.magnitude > static_cast<std::uint64_t>(kIntMax / kHz)) return EINVAL;
      const auto mag = static_cast<long long>(n.magnitude);
      v[0] = (n.negative ? -mag : mag) * kHz;
      return 0;
    }
    case Kind::Millis: {
      // proc_dointvec_ms_jiffies(_minmax) as registered for these entries:
      // negative -> EINVAL, then the bound in milliseconds; stored rounded up
      // to whole jiffies.
      if (n.negative) return EINVAL;
      if (n.magnitude > static_cast<std::uint64_t>(kIntMax)) return EINVAL;
      const auto ms = static_cast<long long>(n.magnitude);
      if (ms < e.min || ms > e.max) return EINVAL;
      const long long jif = ms_to_jiffies(ms);
      if (jif > kIntMax) return EINVAL;
      v[0] = jif;
      return 0;
    }
    case Kind::UserHz: {
      // do_proc_dointvec_userhz_jiffies_conv: "if (USER_HZ < HZ && *lvalp >
      // (LONG_MAX / HZ) * USER_HZ) return 1"; the sign is applied after the
      // conversion.
      if (n.magnitude > static_cast<std::uint64_t>(kIntMax)) return EINVAL;
      const long long jif = userhz_to_jiffies(static_cast<long long>(n.magnitude));
      if (jif > kIntMax) return EINVAL;
      v[0] = n.negative ? -jif : jif;
      return 0;
    }
    case Kind::PortRange: {
      // ipv4_local_port_range: proc_dointvec_minmax over a copy, each end
      // 1..65535 (a single number replaces only the low end), then "if
      // ((range[1] < range[0]) || (range[0] < net->ipv4.sysctl_ip_prot_sock))
      // ret = -EINVAL".
      std::vector<long long> range = v;
      if (!overlay(range, parsed, e.min, e.max)) return EINVAL;
      if (range[1] < range[0] || range[0] < slot("net/ipv4/ip_unprivileged_port_start"))
        return EINVAL;
      v = range;
      return 0;
    }
    case Kind::IntTriple: {
      // proc_dointvec_minmax over the vector: each number written replaces
      // its slot, all checked before any is stored.
      std::vector<long long> vals = v;
      if (!overlay(vals, parsed, e.min, e.max)) return EINVAL;
      v = vals;
      return 0;
    }
    case Kind::PingGroups: {
      // ipv4_ping_group_range: proc_dointvec_minmax on a copy with bounds
      // 0..GID_T_MAX; an empty range (high < low) is stored as 1 0.
      std::vector<long long> range = v;
      if (!overlay(range, parsed, e.min, e.max)) return EINVAL;
      if (range[1] < range[0]) range = {1, 0};
      v = range;
      return 0;
    }
    case Kind::ReadOnly:
    case Kind::WriteOnly:
      break;
  }
  return EACCES;
}

}  // namespace ipc::stack::sysctl
