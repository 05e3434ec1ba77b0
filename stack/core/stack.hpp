// One instance of the reference stack: the devices (loopback and one
// Ethernet interface), routing, ARP, reassembly, ICMP, and the UDP and raw
// sockets, driven by frames in (input_frame) and a clock (advance).
//
// No I/O and no clock of its own: frames go out through the FrameSink and
// time is passed in, so unit tests and the fuzzer drive it in memory and
// stackd drives it from a TAP device.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "stack/core/config.hpp"
#include "stack/core/socket.hpp"
#include "stack/ipv4/reassembly.hpp"
#include "stack/ipv4/route.hpp"
#include "stack/link/neighbour_cache.hpp"
#include "stack/mcast/mcast_membership.hpp"
#include "stack/sysctl/sysctl_table.hpp"
#include "stack/udp/port_table.hpp"

namespace ipc::stack::core {

using FrameSink = std::function<void(std::span<const std::uint8_t>)>;

// Capabilities a case may drop (probe protocol `begin`).
struct Capabilities {
  bool net_admin = true, net_raw = true, net_bind_service = true;
};

// One datagram to send, after the syscall edge has checked its arguments.
struct SendRequest {
  std::span<const std::uint8_t> data;
  std::optional<Ipv4Address> dst;  // msg_name, if one was given
  std::uint16_t dst_port = 0;
  int flags = 0;
  // From control messages (ipcm_cookie).
  std::optional<int> ttl, tos;
  int oif = 0;
  Ipv4Address spec_src;  // IP_PKTINFO ipi_spec_dst
  std::optional<socket::CompiledIpOptions> options;
};

class Stack {
 public:
  struct OutputArgs {
    ipv4::OutputRoute route;
    Ipv4Address src, dst;  // header addresses (dst: the first hop of a source route)
    std::uint8_t protocol = 0, ttl = 64, tos = 0;
    bool df = false;
    const socket::CompiledIpOptions* options = nullptr;
    std::span<const std::uint8_t> payload;  // transport header and data
    bool header_included = false;           // payload is a whole IP packet (IP_HDRINCL)
    bool loop_multicast = true;             // IP_MULTICAST_LOOP
  };

  Stack(StackConfig config, FrameSink sink, Clock::time_point now);
  ~Stack();

  // A frame from the wire (Ethernet, no FCS).
  void input_frame(std::span<const std::uint8_t> frame, Clock::time_point now);
  // Runs what is due by `now` (ARP retries, reassembly timeouts).
  void advance(Clock::time_point now);
  std::optional<Clock::time_point> next_deadline() const;
  // Back to the state after construction: sockets closed, caches flushed,
  // parameters at their defaults.
  void reset(Clock::time_point now);

  const StackConfig& config() const { return config_; }
  const ipv4::RoutingTable& routes() const { return routes_; }
  // The namespace's sysctls. Write through sysctl_write so the protocol
  // code sees the new values.
  const sysctl::SysctlTable& sysctls() const { return sysctl_; }
  sysctl::SysctlResult sysctl_write(std::string_view path, std::string_view text);
  Capabilities& caps() { return caps_; }
  Clock::time_point now() const { return now_; }

  // Sockets, by descriptor number.
  int open_socket(std::unique_ptr<Socket> s);  // returns the descriptor
  Socket* socket(int fd);
  void close_socket(int fd);
  std::vector<int> descriptors() const;

  // UDP (udp.cpp). Negative errno on failure.
  int udp_bind(Socket&, Ipv4Address, std::uint16_t port);
  int udp_connect(Socket&, Ipv4Address, std::uint16_t port);
  int udp_autobind(Socket&);  // inet_autobind: -EAGAIN when no port is free
  int raw_connect(Socket&, Ipv4Address);
  int udp_disconnect(Socket&);
  long udp_send(Socket&, const SendRequest&);
  udp::PortTable& ports() { return ports_; }
  mcast::McastHost& mcast() { return *mcast_; }
  // The port table's copy of SO_REUSEADDR/SO_REUSEPORT/SO_BINDTODEVICE.
  void sync_port_options(Socket& s);
  // Sends what IGMP queued (reports after a join or a query).
  void flush_igmp();
  const udp::Binding* udp_binding(const Socket&) const;

  // Raw (raw.cpp).
  long raw_send(Socket&, const SendRequest&);

  // The MTU the next packet to `dst` would see (route MTU, learnt PMTU).
  int path_mtu(Ipv4Address dst) const;

 private:
  friend class Input;
  void rebuild_tables(Clock::time_point now);
  // IPv4 output: route already chosen; fragments if allowed. 0 or -errno.
  int ip_output(const OutputArgs& args);
  void send_ip_datagram(std::vector<std::uint8_t> packet, const ipv4::OutputRoute& rt, bool loop_multicast = true);
  public:
  // Runs the packets looped back by the last call (loopback xmit is
  // netif_rx: they are received after the sender's call has done its part).
  void run_pending();
  private:
  void transmit(int ifindex, wire::MacAddress dst, std::span<const std::uint8_t> ip_packet);
  void apply(link::Effects effects);
  void send_arp(const link::Solicit& s);

  // Input (input.cpp).
  void arp_input(std::span<const std::uint8_t> payload, bool to_host);
  void ip_input(std::span<const std::uint8_t> packet, int ifindex, bool link_broadcast, bool link_multicast);
  void ip_local_deliver(std::vector<std::uint8_t> packet, int ifindex);
  void udp_input(const std::vector<std::uint8_t>& packet, int ifindex);
  bool raw_input(const std::vector<std::uint8_t>& packet, int ifindex);
  void icmp_input(const std::vector<std::uint8_t>& packet, int ifindex);
  void icmp_send_error(const std::vector<std::uint8_t>& offending, std::uint8_t type, std::uint8_t code,
                       std::uint32_t info);
  void deliver_icmp_error(const std::vector<std::uint8_t>& packet, int ifindex);
  // ip_mc_sf_allow for a datagram to `group` from `src`.
  bool mc_socket_accepts(const Socket& s, Ipv4Address group, Ipv4Address src, int ifindex) const;
  // Whether this host has joined `group` on `ifindex` (ip_check_mc_rcu).
  bool mc_member(Ipv4Address group, int ifindex) const;

  StackConfig config_;
  FrameSink sink_;
  Clock::time_point now_;
  sysctl::SysctlTable sysctl_;
  class McastEnvAdapter;
  std::unique_ptr<McastEnvAdapter> mcast_env_;
  std::unique_ptr<mcast::McastHost> mcast_;
  void apply_sysctls();
  void reset_mcast();
  Capabilities caps_;
  ipv4::RoutingTable routes_;
  std::unique_ptr<link::NeighbourCache> neighbours_;
  std::unique_ptr<ipv4::Reassembler> reassembler_;
  udp::PortTable ports_;
  std::map<int, std::unique_ptr<Socket>> sockets_;
  std::uint64_t next_socket_id_ = 1;
  std::uint16_t next_ip_id_ = 1;
  struct LearntMtu {
    int mtu = 0;
    Clock::time_point expires;
  };
  std::map<std::uint32_t, LearntMtu> pmtu_;  // learnt path MTUs by destination
  std::map<std::uint32_t, Clock::time_point> icmp_last_;  // icmpv4_xrlim_allow, per destination
  std::vector<std::pair<std::vector<std::uint8_t>, int>> loopback_;  // packets and their "arriving" device
  bool draining_ = false;
};

}  // namespace ipc::stack::core
