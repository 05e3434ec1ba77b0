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
#include "stack/icmp/pmtu_cache.hpp"
#include "stack/ipv4/ident.hpp"
#include "stack/icmp/icmp_error.hpp"
#include "stack/icmp/icmp_send.hpp"
#include "stack/ipv4/input.hpp"
#include "stack/ipv4/reassembly.hpp"
#include "stack/ipv4/route.hpp"
#include "stack/link/neighbour_cache.hpp"
#include "stack/mcast/mcast_membership.hpp"
#include "stack/sysctl/sysctl_table.hpp"
#include "stack/tcp/connection.hpp"
#include "stack/tcp/tcp_table.hpp"
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

// The port tables' copy of a socket's SO_REUSEADDR, SO_REUSEPORT,
// SO_BINDTODEVICE, IP_BIND_ADDRESS_NO_PORT and IP_LOCAL_PORT_RANGE.
udp::SocketOptions port_options(const Socket& s);

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
    // Send side (output.cpp). The final destination of a source-routed
    // datagram (ip_options_build writes it into the route); unspecified: dst.
    Ipv4Address final_dst;
    bool ignore_df = false;  // skb->ignore_df (ip_sk_ignore_df): for the id choice
    Socket* sock = nullptr;  // the sending socket: its inet_id when connected
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

  // sock_queue_err_skb: the error queue shares the receive buffer; an
  // error that does not fit is dropped. Returns whether it was queued.
  bool queue_error(Socket& s, QueuedError e);

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

  // TCP (tcp.cpp, tcp_input.cpp, tcp_output.cpp): the socket calls after
  // the syscall edge's checks. Negative errno on failure.
  void tcp_open(Socket&);                                    // tcp_v4_init_sock
  int tcp_bind(Socket&, Ipv4Address, std::uint16_t port);    // __inet_bind
  int tcp_listen(Socket&, int backlog);                      // inet_listen
  // tcp_v4_connect: route, source address, port, SYN. Returns 0 once the
  // SYN is out (the caller waits for the handshake) or -errno.
  int tcp_connect(Socket&, Ipv4Address, std::uint16_t port);
  int tcp_disconnect(Socket&);                               // connect(AF_UNSPEC): tcp_disconnect
  // inet_csk_accept: the oldest established child, or null.
  std::unique_ptr<Socket> tcp_accept(Socket& listener);
  int install_socket(std::unique_ptr<Socket> s);             // a child that accept() returns: its descriptor
  // tcp_sendmsg_locked / tcp_recvmsg_locked for what fits now: bytes, or -errno.
  long tcp_send(Socket&, std::span<const std::uint8_t> data, int flags);
  long tcp_recv(Socket&, std::span<std::uint8_t> out, int flags);
  int tcp_shutdown(Socket&, int how);                        // inet_shutdown -> tcp_shutdown
  const tcp::TcpTable& tcp_table() const { return tcp_table_; }
  // The namespace's net.ipv4.tcp_*, as connections read them (they keep a
  // reference: apply_sysctls refreshes it in place).
  const tcp::Settings& tcp_settings() const { return tcp_settings_; }
  // A TCP socket by id, the user's or not (an orphan still closing).
  const Socket* tcp_socket_by_id(std::uint64_t id) const {
    auto it = tcp_index_.find(id);
    return it == tcp_index_.end() ? nullptr : it->second;
  }
  // SOL_SOCKET and IPPROTO_TCP options into the engine's and the table's copies.
  void tcp_sync_options(Socket&);
  // sk_err of a TCP socket, taken (SO_ERROR) or looked at.
  int tcp_take_error(Socket&);
  // IP_MTU of a connected stream: dst_mtu of its route now.
  int tcp_path_mtu(const Socket&) const;

  // Raw (raw.cpp).
  long raw_send(Socket&, const SendRequest&);

  // Ping sockets (ping.cpp), net/ipv4/ping.c. Negative errno on failure.
  // ping_bind: ping_check_bind_addr + ping_get_port (`nonlocal`: the
  // socket may bind a non-local address, inet_can_nonlocal_bind).
  int ping_bind(Socket&, Ipv4Address, std::uint16_t ident, bool nonlocal);
  int ping_autobind(Socket&);  // inet_autobind: -EAGAIN when no ident is free
  int ping_connect(Socket&, Ipv4Address, std::uint16_t port);  // __ip4_datagram_connect
  int ping_disconnect(Socket&);                                // __udp_disconnect
  long ping_send(Socket&, const SendRequest&);                 // ping_v4_sendmsg

  // The route of a datagram socket's packet to `daddr` (what udp_sendmsg,
  // raw_sendmsg, ping_v4_sendmsg and __ip4_datagram_connect share): a
  // multicast destination takes IP_MULTICAST_IF's device and address when
  // none is given, a unicast one IP_UNICAST_IF's device. The lookup is for
  // `first_hop` (a source route's first hop, else daddr).
  ipv4::RouteResult socket_route(const Socket& s, Ipv4Address daddr, Ipv4Address first_hop, Ipv4Address saddr,
                                 int oif, ipv4::OutputFlags flags, bool igmp = false) const;
  // A datagram to send, as prepare_datagram needs it.
  struct DatagramSend {
    Ipv4Address daddr, faddr;      // final destination; first hop (source route)
    std::uint16_t err_port = 0;    // inet_dport, for ip_local_error
    std::uint8_t protocol = 0;
    std::size_t len = 0;           // what ip_append_data appends (transport header + data)
    const socket::CompiledIpOptions* opt = nullptr;
  };
  // The size rule, a pending error and the header fields of a datagram
  // socket's send (datagram_send.cpp): 0 with `a` filled but for the
  // payload, or -EMSGSIZE / -sk_err.
  int prepare_datagram(Socket& s, const SendRequest& r, const ipv4::OutputRoute& rt, const DatagramSend& d,
                       OutputArgs& a);
  // The MTU the next packet to `dst` would see (route MTU, learnt PMTU).
  int path_mtu(Ipv4Address dst) const;

  // Learnt path MTUs (output.cpp). learn_pmtu: ICMP frag needed quoting a
  // datagram of one of our sockets (ipv4_sk_update_pmtu -> __ip_rt_update_pmtu).
  // dst_mtu: ipv4_mtu of the route `rt` to `dst` (learnt PMTU or the route's
  // MTU, at most IP_MAX_MTU): output's fragment size and IP_MTU.
  void learn_pmtu(Ipv4Address dst, int mtu);
  int dst_mtu(Ipv4Address dst, const ipv4::OutputRoute& rt) const;
  void flush_pmtu();

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
  void tcp_input(const std::vector<std::uint8_t>& packet, int ifindex);
  // The received datagram's IP options echoed (ip_options_echo); nothing
  // when the echo fails, empty options when there were none.
  std::optional<socket::CompiledIpOptions> rx_echo_options() const;
  // A SYN for a listener: a child in SYN_RECEIVED on its request queue.
  void tcp_new_child(Socket& listener, const wire::TcpRepr& syn, Ipv4Address src, Ipv4Address dst,
                     std::uint8_t ip_tos, std::uint8_t ip_ttl, int ifindex);
  // tcp_v4_send_reset for a segment no socket takes.
  void tcp_send_reset(const wire::TcpRepr& seg, Ipv4Address src, Ipv4Address dst, std::uint8_t tos);
  // Sends what the socket's connection queued, then moves it between queues
  // as its state says (established child -> accept queue; closed orphan ->
  // gone).
  // from_time_wait: the connection was in TIME_WAIT before the event, so
  // what it sends comes from the minisock (the control socket's path).
  void tcp_flush(Socket& s, bool from_time_wait = false);
  bool tw_reply_ = false;
  std::uint8_t rx_tos_ = 0;  // the TOS of the segment being processed (replies echo it)
  void tcp_transmit(Socket& s, const tcp::OutSegment& seg);
  void tcp_after_change(Socket& s);
  void tcp_destroy(std::uint64_t id);                        // forget a socket the user no longer holds
  void tcp_close(std::unique_ptr<Socket> s);                 // close(2) of a TCP descriptor
  void tcp_timers();
  std::optional<Clock::time_point> tcp_next_deadline() const;
  // tcp_v4_err: an ICMP error quoting one of our segments.
  void tcp_icmp_error(const icmp::ReceivedIcmpError& e, int ifindex);
  void tcp_sync_table_options(Socket& s);
  tcp::TcpTable tcp_table_;
  tcp::Settings tcp_settings_;
  tcp::Settings read_tcp_settings() const;
  std::map<std::uint64_t, Socket*> tcp_index_;               // every TCP socket in the table, by id
  std::map<std::uint64_t, std::unique_ptr<Socket>> tcp_orphans_;  // closed, still finishing
  std::uint64_t tcp_seed_ = 0x7c9d3a51;
  bool raw_input(const std::vector<std::uint8_t>& packet, int ifindex);
  void icmp_input(const std::vector<std::uint8_t>& packet, int ifindex);
  void icmp_send_error(const std::vector<std::uint8_t>& offending, std::uint8_t type, std::uint8_t code,
                       std::uint32_t info);
  void deliver_icmp_error(const std::vector<std::uint8_t>& packet, int ifindex);
  // ip_mc_sf_allow for a datagram to `group` from `src`.
  bool mc_socket_accepts(const Socket& s, Ipv4Address group, Ipv4Address src, int ifindex) const;
  // Whether this host has joined `group` on `ifindex` (ip_check_mc_rcu).
  bool mc_member(Ipv4Address group, int ifindex) const;

  // Receive path state (input.cpp, icmp.cpp): what ip_rcv_finish leaves in
  // the skb (IPCB options, input route, pkt_type) for the transport handlers
  // of the datagram being delivered.
  struct RxContext {
    const ipv4::ReceivedDatagram* dgram = nullptr;
    icmp::Arrival arrival;
    int ifindex = 0;  // inet_iif(skb): rt_iif of a looped-back local route
  };
  const RxContext* rx_ = nullptr;
  std::unique_ptr<ipv4::Ipv4Input> ipin_;  // ip_rcv_core .. ip_defrag
  icmp::IcmpRateLimiter icmp_limiter_;
  icmp::IcmpSettings icmp_settings() const;
  ipv4::InputConfig input_config(int ifindex) const;
  // ip_input for a packet of our own looped back (its output route attached).
  ipv4::InputResult local_input(std::span<const std::uint8_t> packet, const ipv4::InputContext& ctx);
  // Copies the receive context's spec_dst/options/IP_RETOPTS into `d`.
  void fill_rx_meta(Datagram& d) const;
  // __icmp_send about a received datagram.
  void icmp_error_about(const ipv4::ReceivedDatagram& d, const icmp::Arrival& arrival,
                        const icmp::IcmpErrorSpec& spec);
  // Hands an ICMP message to IP output, echoing `about`'s options if asked.
  void icmp_transmit(const icmp::OutgoingIcmp& o, const ipv4::ReceivedDatagram* about);
  // ip_expire: time exceeded (reassembly) when fragment 0 had arrived.
  void reassembly_timeout(const ipv4::Event& ev);
  // icmp_socket_deliver: raw_icmp_error, then the quoted protocol's handler.
  void deliver_received_icmp_error(const icmp::ReceivedIcmpError& e, int ifindex);
  // Ping sockets (icmp.cpp): ping_lookup by echo identifier (the socket's
  // port) and local address; ping_rcv queues an echo reply there.
  Socket* ping_lookup(std::uint16_t ident, Ipv4Address local, int ifindex);
  void ping_rcv(const std::vector<std::uint8_t>& packet, std::uint16_t ident, int ifindex);
  // ping_get_port: `ident` if free (or shared under sk_reuse), else the
  // next free one after the rover when `ident` is 0. -EADDRINUSE.
  int ping_get_port(Socket&, std::uint16_t ident);
  std::uint16_t ping_port_rover_ = 0;  // ping_port_rover (never reset, as in Linux)

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
  udp::PortTable ports_;
  std::map<int, std::unique_ptr<Socket>> sockets_;
  std::uint64_t next_socket_id_ = 1;
  icmp::PmtuCache pmtu_cache_;                      // learnt path MTUs (fib_nh_exception)
  std::unique_ptr<ipv4::IdentGenerator> ident_;     // ip_idents (created on first use)
  struct InetId {
    Ipv4Address peer;
    std::uint16_t id = 0;
  };
  std::map<std::uint64_t, InetId> inet_ids_;  // inet_id of connected sockets, by Socket::id
  std::uint16_t pick_ident(const OutputArgs& a, bool df);
  // ip_setup_cork's fragsize: dst_mtu for DONT/WANT/DO (ip_sk_use_pmtu), the
  // device MTU for PROBE/INTERFACE/OMIT.
  int send_mtu(int pmtudisc, Ipv4Address dst, const ipv4::OutputRoute& rt) const;
  // __ip_make_skb's DF for a datagram of `len` bytes (header included).
  bool datagram_df(int pmtudisc, Ipv4Address dst, const ipv4::OutputRoute& rt, int len) const;
  std::vector<std::pair<std::vector<std::uint8_t>, int>> loopback_;  // packets and their "arriving" device
  bool draining_ = false;
};

}  // namespace ipc::stack::core
