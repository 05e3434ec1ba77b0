// One interface's multicast group records and its IGMP host side, as Linux
// keeps them in struct in_device / ip_mc_list / ip_sf_list
// (net/ipv4/igmp.c). The records are the union of the sockets' filters
// (ip_mc_inc_group, ip_mc_add_src, ...); the reports follow IGMPv3 unless a
// version is forced or an older querier was heard. Time is the caller's
// steady clock: nothing here reads a clock or sleeps. Jiffies become
// `IgmpConfig::jiffy`, and get_random_u32_below() the injected `random`.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "stack/wire/address.hpp"
#include "stack/wire/igmp.hpp"

namespace ipc::stack::mcast {

using Clock = std::chrono::steady_clock;

struct IgmpConfig {
  int qrv = 2;                  // net.ipv4.igmp_qrv
  int force_igmp_version = 0;   // max(conf.all, conf.<dev>).force_igmp_version: 0, 1, 2 (3 acts as 0)
  bool llm_reports = true;      // net.ipv4.igmp_link_local_mcast_reports
  std::chrono::milliseconds v2_unsolicited_interval{10000};  // igmpv2_unsolicited_report_interval
  std::chrono::milliseconds v3_unsolicited_interval{1000};   // igmpv3_unsolicited_report_interval
  std::chrono::microseconds jiffy{4000};  // 1/HZ (HZ 250)
  // get_random_u32_below(bound); bound > 0. Deterministic when left empty (0).
  std::function<std::uint32_t(std::uint32_t)> random;
  // IFF_LOOPBACK: the records are kept (delivery needs them) but no IGMP is sent.
  bool loopback = false;
};

// An IGMP message to send: the caller builds the IPv4 header (protocol 2,
// TTL 1, the Router Alert option {0x94, 0x04, 0, 0}, DF clear, TOS 0xc0 as
// igmp_send_report/igmpv3_newpack set it) from these fields.
struct IgmpOutput {
  int ifindex = 0;
  wire::Ipv4Address src;   // the interface's primary address
  wire::Ipv4Address dst;   // group, 224.0.0.2 (leave) or 224.0.0.22 (v3)
  std::uint8_t ttl = 1;
  std::uint8_t tos = 0xc0;
  bool router_alert = true;
  std::vector<std::uint8_t> payload;  // the IGMP message, checksum filled
};

struct SourceRecord {  // struct ip_sf_list
  wire::Ipv4Address addr;
  std::array<unsigned long, 2> count{};  // sf_count[MCAST_EXCLUDE], sf_count[MCAST_INCLUDE]
  bool gsresp = false, oldin = false;
  int crcount = 0;
};

struct GroupRecord {  // struct ip_mc_list
  wire::Ipv4Address group;
  int users = 0;
  int sfmode = 0;  // kModeExclude
  std::array<unsigned long, 2> sfcount{};
  std::vector<SourceRecord> sources;  // in list order
  std::vector<SourceRecord> tomb;     // deleted sources still to report
  bool tm_running = false;
  Clock::time_point timer{};
  bool reporter = false, gsquery = false;
  int unsolicit_count = 0, crcount = 0;
};

class IgmpInterface {
 public:
  IgmpInterface(int ifindex, wire::Ipv4Address addr, IgmpConfig cfg);

  int ifindex() const { return ifindex_; }
  void set_address(wire::Ipv4Address a) { addr_ = a; }
  IgmpConfig& config() { return cfg_; }

  // ip_mc_up: join 224.0.0.1 (never reported).
  void up(Clock::time_point now);

  // The socket-facing record operations (ip_mc_inc_group, ip_mc_dec_group,
  // ip_mc_add_src, ip_mc_del_src). `delta` as in the kernel: true when only
  // sources change and the socket's mode count stays.
  void inc_group(wire::Ipv4Address group, int mode, Clock::time_point now);
  void dec_group(wire::Ipv4Address group, Clock::time_point now);
  int add_src(wire::Ipv4Address group, int mode, std::span<const wire::Ipv4Address> srcs, bool delta,
              Clock::time_point now);
  int del_src(wire::Ipv4Address group, int mode, std::span<const wire::Ipv4Address> srcs, bool delta,
              Clock::time_point now);

  const GroupRecord* find(wire::Ipv4Address group) const;
  const std::vector<GroupRecord>& groups() const { return groups_; }
  // ip_check_mc_rcu: is `group` wanted on this interface from `source`
  // (unspecified: tentatively yes)? IGMP itself is always accepted.
  bool check_mc_rcv(wire::Ipv4Address group, wire::Ipv4Address source, bool igmp) const;

  // igmp_rcv for the messages a host acts on: queries (igmp_heard_query) and
  // other hosts' v1/v2 reports (igmp_heard_report). `len` is the IGMP
  // message length (8: v1/v2 query; >= 12: v3).
  void on_query(const wire::IgmpQuery& q, std::size_t len, Clock::time_point now);
  void on_report(wire::Ipv4Address group, Clock::time_point now);

  std::optional<Clock::time_point> next_deadline() const;
  // Runs every timer due at `now`; the messages they send are queued.
  void on_timer(Clock::time_point now);
  // The messages sent so far (by joins, leaves, filter changes and timers).
  std::vector<IgmpOutput> take_output();

  bool v1_seen(Clock::time_point now) const;  // IGMP_V1_SEEN
  bool v2_seen(Clock::time_point now) const;  // IGMP_V2_SEEN

 private:
  GroupRecord* find_mut(wire::Ipv4Address group);
  int qrv() const { return mr_qrv_ != 0 ? mr_qrv_ : cfg_.qrv; }
  bool reported(wire::Ipv4Address group) const;
  Clock::duration random_below(Clock::duration bound);
  Clock::duration unsolicited_interval(Clock::time_point now) const;
  void start_timer(GroupRecord& g, Clock::duration max_delay, Clock::time_point now);
  void mod_timer(GroupRecord& g, Clock::duration max_delay, Clock::time_point now);
  void ifc_event(Clock::time_point now);
  void group_added(GroupRecord& g, Clock::time_point now);
  void group_dropped(GroupRecord& g, Clock::time_point now);
  void add_delrec(GroupRecord& g);
  void del_delrec(GroupRecord& g);
  void clear_delrec();
  // group_filter.cpp
  static void markstate(GroupRecord& g);
  int setstate(GroupRecord& g);
  int del1_src(GroupRecord& g, int mode, wire::Ipv4Address src, Clock::time_point now);
  // igmp_reports.cpp
  void add_grec(std::vector<wire::IgmpGroupRecord>& out, GroupRecord& g, std::uint8_t type, bool gdeleted,
                bool sdeleted);
  void send_cr();
  void send_v3_report(GroupRecord* g);
  void send_report(GroupRecord& g, std::uint8_t type);
  void emit(const wire::IgmpRepr& repr, wire::Ipv4Address dst);
  void group_timer_expire(GroupRecord& g, Clock::time_point now);

  int ifindex_;
  wire::Ipv4Address addr_;
  IgmpConfig cfg_;
  std::vector<GroupRecord> groups_;  // mc_list, newest first
  std::vector<GroupRecord> tomb_;    // mc_tomb, newest first
  int mr_qrv_ = 0;                   // 0: the sysctl
  Clock::duration mr_qi_ = std::chrono::seconds(125), mr_qri_ = std::chrono::seconds(10),
                  mr_maxdelay_ = std::chrono::seconds(10);
  std::optional<Clock::time_point> v1_until_, v2_until_;
  int mr_ifc_count_ = 0;
  std::optional<Clock::time_point> ifc_timer_, gq_timer_;
  std::vector<IgmpOutput> out_;
};

}  // namespace ipc::stack::mcast
