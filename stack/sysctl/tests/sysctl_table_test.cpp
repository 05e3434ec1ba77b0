// Entries and rules beyond the suite's cases, with the values the reference
// kernel showed in a fresh network namespace.
#include "stack/sysctl/sysctl_table.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace ipc::stack::sysctl {
namespace {

SysctlTable fresh() { return SysctlTable({"lo", "dut0"}); }

TEST(SysctlTable, FreshNamespaceDefaults) {
  const SysctlTable t = fresh();
  const std::pair<const char*, const char*> rows[] = {
      {"net/ipv4/icmp_ratelimit", "1000"},
      {"net/ipv4/icmp_ratemask", "6168"},
      {"net/ipv4/icmp_echo_ignore_broadcasts", "1"},
      {"net/ipv4/icmp_echo_ignore_all", "0"},
      {"net/ipv4/icmp_msgs_per_sec", "1000"},
      {"net/ipv4/ipfrag_time", "30"},
      {"net/ipv4/ipfrag_max_dist", "64"},
      {"net/ipv4/ping_group_range", "1\t0"},
      {"net/ipv4/route/min_pmtu", "552"},
      {"net/ipv4/route/mtu_expires", "600"},
      {"net/ipv4/conf/all/accept_source_route", "0"},
      {"net/ipv4/conf/default/accept_source_route", "1"},
      {"net/ipv4/conf/dut0/accept_source_route", "1"},
      {"net/ipv4/conf/lo/disable_policy", "1"},
      {"net/ipv4/conf/dut0/disable_policy", "0"},
      {"net/ipv4/neigh/dut0/interval_probe_time_ms", "5000"},
      {"net/ipv4/neigh/dut0/unres_qlen_bytes", "212992"},
      {"net/core/somaxconn", "4096"},
      {"net/ipv4/tcp_rmem", "4096\t131072\t33554432"},
      {"net/ipv4/tcp_syn_retries", "6"},
      {"net/ipv4/tcp_fin_timeout", "60"},
      {"net/core/rmem_max", "4194304"},
      {"net/core/wmem_default", "212992"},
  };
  for (const auto& [path, value] : rows) {
    const SysctlResult r = t.read(path);
    EXPECT_EQ(r.err, 0) << path;
    EXPECT_EQ(r.value, std::optional<std::string>(value)) << path;
  }
  EXPECT_EQ(t.ip_default_ttl(), 64);
  EXPECT_EQ(t.ip_local_port_range().low, 32768);
  EXPECT_EQ(t.ip_local_port_range().high, 60999);
  EXPECT_EQ(t.icmp_ratelimit_ms(), 1000);
  EXPECT_EQ(t.ipfrag_time_ms(), 30000);
  EXPECT_EQ(t.igmp_max_memberships(), 20);
  EXPECT_EQ(t.igmp_max_msf(), 10);
  EXPECT_EQ(t.route_min_pmtu(), 552);
  EXPECT_EQ(t.route_mtu_expires_ms(), 600000);
  EXPECT_TRUE(t.icmp_echo_ignore_broadcasts());
  ASSERT_TRUE(t.neigh("dut0"));
  EXPECT_EQ(t.neigh("dut0")->retrans_time_ms, 1000);
  EXPECT_EQ(t.neigh("dut0")->proxy_delay_ms, 800);
  EXPECT_FALSE(t.neigh("default"));
}

struct WriteRow {
  const char* path;
  const char* text;
  int err;
  const char* after;  // read back afterwards
};

// Each row on a fresh table; the expected errno and read-back were seen on
// the reference kernel.
TEST(SysctlTable, WriteRules) {
  const WriteRow rows[] = {
      {"net/ipv4/icmp_ratelimit", "0", 0, "0"},
      {"net/ipv4/icmp_ratelimit", "1001", 0, "1004"},
      {"net/ipv4/icmp_ratelimit", "-1", EINVAL, "1000"},
      {"net/ipv4/icmp_ratemask", "-1", 0, "-1"},
      {"net/ipv4/icmp_echo_ignore_broadcasts", "2", EINVAL, "1"},
      {"net/ipv4/icmp_echo_ignore_broadcasts", "0", 0, "0"},
      {"net/ipv4/igmp_max_memberships", "-1", 0, "-1"},
      {"net/ipv4/ipfrag_time", "-1", 0, "-1"},
      {"net/ipv4/ipfrag_time", "8589934", 0, "8589934"},
      {"net/ipv4/ipfrag_time", "8589935", EINVAL, "30"},
      {"net/ipv4/ipfrag_max_dist", "-1", EINVAL, "64"},
      {"net/ipv4/route/min_pmtu", "67", EINVAL, "552"},
      {"net/ipv4/route/min_pmtu", "68", 0, "68"},
      {"net/ipv4/route/mtu_expires", "-1", 0, "-1"},
      {"net/ipv4/ping_group_range", "0 2147483647", 0, "0\t2147483647"},
      {"net/ipv4/ping_group_range", "5 2", 0, "1\t0"},
      {"net/ipv4/ping_group_range", "0 4294967295", EINVAL, "1\t0"},
      {"net/ipv4/ping_group_range", "-1 0", EINVAL, "1\t0"},
      {"net/ipv4/ip_default_ttl", "", 0, "64"},
      {"net/ipv4/ip_default_ttl", "0x10", 0, "16"},
      {"net/ipv4/ip_forward", "-2147483648", 0, "-2147483648"},
      {"net/ipv4/ip_forward", "2147483648", EINVAL, "0"},
      {"net/ipv4/ipfrag_low_thresh", "18446744073709551615", EINVAL, "3145728"},
      {"net/ipv4/ipfrag_high_thresh", "99999999999", 0, "99999999999"},
      {"net/ipv4/neigh/lo/gc_stale_time", "-1", 0, "-1"},
      {"net/ipv4/neigh/lo/gc_stale_time", "2147483647", EINVAL, "60"},
      {"net/ipv4/neigh/lo/retrans_time", "-1", 0, "-0"},
      {"net/ipv4/neigh/lo/retrans_time_ms", "15", 0, "16"},
      {"net/ipv4/neigh/lo/locktime", "7", 0, "6"},
      {"net/ipv4/neigh/lo/interval_probe_time_ms", "0", EINVAL, "5000"},
      {"net/ipv4/neigh/lo/proxy_qlen", "-1", EINVAL, "64"},
      {"net/ipv4/neigh/lo/base_reachable_time_ms", "1001", 0, "1004"},
      {"net/ipv4/conf/all/rp_filter", "-1", 0, "-1"},
      {"net/core/somaxconn", "5", 0, "5"},
      // Read off a fresh namespace of the reference kernel.
      {"net/ipv4/tcp_rmem", "8192", 0, "8192\t131072\t33554432"},
      {"net/ipv4/tcp_rmem", "0 1 2", EINVAL, "4096\t131072\t33554432"},
      {"net/ipv4/tcp_syn_retries", "0", EINVAL, "6"},
      {"net/ipv4/tcp_syn_retries", "127", 0, "127"},
      {"net/ipv4/tcp_tw_reuse", "3", EINVAL, "2"},
      {"net/ipv4/tcp_ecn", "3", EINVAL, "2"},
      {"net/ipv4/tcp_rto_min_us", "1", 0, "1"},
  };
  for (const auto& row : rows) {
    SysctlTable t = fresh();
    const SysctlResult w = t.write(row.path, row.text);
    EXPECT_EQ(w.err, row.err) << row.path << " <- " << row.text;
    EXPECT_EQ(t.read(row.path).value, std::optional<std::string>(row.after))
        << row.path << " <- " << row.text;
  }
}

TEST(SysctlTable, PermissionsAndMissingEntries) {
  SysctlTable t = fresh();
  // 0444 outside the initial namespace: EACCES even for root.
  EXPECT_EQ(t.write("net/core/rmem_max", "100").err, EACCES);
  EXPECT_EQ(t.write("net/ipv4/conf/dut0/mc_forwarding", "1").err, EACCES);
  // route/flush is write-only: a read is EACCES, a write succeeds without a
  // value to show.
  EXPECT_EQ(t.read("net/ipv4/route/flush").err, EACCES);
  const SysctlResult flush = t.write("net/ipv4/route/flush", "1");
  EXPECT_EQ(flush.err, 0);
  EXPECT_FALSE(flush.value);
  EXPECT_EQ(t.read("net/ipv4/conf/nosuch0/forwarding").err, ENOENT);
  EXPECT_EQ(t.read("net/ipv4/neigh/dut0/gc_thresh1").err, ENOENT);
  EXPECT_EQ(t.read("net/ipv4").err, EISDIR);
  EXPECT_EQ(t.read("net/ipv4/ip_forwardx").err, ENOENT);
  EXPECT_EQ(t.write("net/ipv4/conf/all/forwarding", "1", /*cap_net_admin=*/false).err, EPERM);
}

TEST(SysctlTable, ConfDefaultAndForwarding) {
  SysctlTable t = fresh();
  // conf/lo keeps its own value once written; conf/default then only
  // reaches the others (devinet_copy_dflt_conf).
  ASSERT_EQ(t.write("net/ipv4/conf/lo/rp_filter", "1").err, 0);
  ASSERT_EQ(t.write("net/ipv4/conf/default/rp_filter", "2").err, 0);
  EXPECT_EQ(t.conf("dut0", "rp_filter"), 2);
  EXPECT_EQ(t.conf("lo", "rp_filter"), 1);
  EXPECT_EQ(t.conf("all", "rp_filter"), 0);
  // ip_forward=3: conf/default and devices follow; a later device write
  // leaves ip_forward alone.
  ASSERT_EQ(t.write("net/ipv4/ip_forward", "3").err, 0);
  EXPECT_EQ(t.read("net/ipv4/conf/default/forwarding").value, "3");
  EXPECT_EQ(t.conf("all", "accept_redirects"), 0);
  ASSERT_EQ(t.write("net/ipv4/conf/lo/forwarding", "5").err, 0);
  EXPECT_EQ(t.ip_forward(), 3);
  t.reset();
  EXPECT_EQ(t.ip_forward(), 0);
  EXPECT_EQ(t.conf("dut0", "rp_filter"), 0);
  // After reset conf/default reaches lo again.
  ASSERT_EQ(t.write("net/ipv4/conf/default/rp_filter", "2").err, 0);
  EXPECT_EQ(t.conf("lo", "rp_filter"), 2);
}

TEST(SysctlTable, UnprivilegedStartFollowsPortRange) {
  SysctlTable t = fresh();
  ASSERT_EQ(t.write("net/ipv4/ip_local_port_range", "40000 40001").err, 0);
  EXPECT_EQ(t.write("net/ipv4/ip_unprivileged_port_start", "40000").err, 0);
  EXPECT_EQ(t.write("net/ipv4/ip_unprivileged_port_start", "40001").err, EINVAL);
  EXPECT_EQ(t.ip_unprivileged_port_start(), 40000);
}

}  // namespace
}  // namespace ipc::stack::sysctl
