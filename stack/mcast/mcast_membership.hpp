// A socket's multicast memberships and the host's interfaces they land on:
// Linux's inet->mc_list of ip_mc_socklist (each with its ip_sf_socklist),
// mc_index/mc_addr and uc_index, and the operations of net/ipv4/igmp.c that
// change them (__ip_mc_join_group, ip_mc_leave_group, ip_mc_source,
// ip_mc_msfilter, ip_mc_drop_socket). Errors are positive errno values.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <vector>

#include "stack/mcast/igmp_interface.hpp"
#include "stack/mcast/mcast_env.hpp"
#include "stack/wire/address.hpp"

namespace ipc::stack::mcast {

struct Membership {  // struct ip_mc_socklist
  wire::Ipv4Address group;
  wire::Ipv4Address address;  // imr_address as given (not resolved)
  int ifindex = 0;            // resolved by ip_mc_find_dev
  int sfmode = 0;             // kModeExclude / kModeInclude
  // sflist: absent until a source is added; may then be empty.
  std::optional<std::vector<wire::Ipv4Address>> sources;
};

struct McastSocketState {
  std::vector<Membership> memberships;  // newest first, as the kernel prepends
  int mc_index = 0;                     // IP_MULTICAST_IF
  wire::Ipv4Address mc_addr;
  int uc_index = 0;                     // IP_UNICAST_IF
};

struct Mreqn {  // struct ip_mreqn
  wire::Ipv4Address multiaddr, address;
  int ifindex = 0;
};

// The host's interfaces as IGMP sees them, created on first use (ip_mc_up:
// each joins 224.0.0.1), plus the environment and limits the options use.
class McastHost {
 public:
  explicit McastHost(const McastEnv& env, McastLimits limits = {}, IgmpConfig igmp = {});

  const McastEnv& env() const { return *env_; }
  McastLimits& limits() { return limits_; }
  const McastLimits& limits() const { return limits_; }
  IgmpConfig& igmp_config() { return igmp_; }

  // The interface's records (nullptr when the environment has no such
  // interface). `loopback` interfaces keep records but send no IGMP.
  IgmpInterface* interface(int ifindex, Clock::time_point now);
  const IgmpInterface* find_interface(int ifindex) const;

  // ip_check_mc_rcu on `ifindex`: someone joined `group` there and its
  // filter admits `source`.
  bool check_mc_rcv(int ifindex, wire::Ipv4Address group, wire::Ipv4Address source, bool igmp = false) const;

  std::optional<Clock::time_point> next_deadline() const;
  void on_timer(Clock::time_point now);
  std::vector<IgmpOutput> take_output();

 private:
  const McastEnv* env_;
  McastLimits limits_;
  IgmpConfig igmp_;
  std::map<int, IgmpInterface> ifaces_;
};

// ip_mc_find_dev: by ifindex, else by local address, else by the route to
// the group; fills in imr.ifindex when it resolves one. nullopt: no device.
std::optional<int> find_dev(const McastEnv& env, Mreqn& imr);

// __ip_mc_join_group (mode MCAST_EXCLUDE for ip_mc_join_group,
// MCAST_INCLUDE for the source joins). `imr.ifindex` is resolved in place.
int join_group(McastHost&, McastSocketState&, Mreqn& imr, int mode, Clock::time_point now);
int leave_group(McastHost&, McastSocketState&, Mreqn imr, Clock::time_point now);
// ip_mc_source(add, omode, sk, {group, interface, source}, ifindex).
int change_source(McastHost&, McastSocketState&, bool add, int omode, wire::Ipv4Address group,
                  wire::Ipv4Address interface, wire::Ipv4Address source, int ifindex, Clock::time_point now);
// ip_mc_msfilter: replace the filter (fmode unchecked by the caller).
int set_filter(McastHost&, McastSocketState&, wire::Ipv4Address group, wire::Ipv4Address interface,
               std::uint32_t fmode, std::span<const wire::Ipv4Address> sources, int ifindex, Clock::time_point now);
// ip_mc_drop_socket: close() leaves every group.
void drop_socket(McastHost&, McastSocketState&, Clock::time_point now);

}  // namespace ipc::stack::mcast
