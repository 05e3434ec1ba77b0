// The UDP port table: Linux's bind/autobind rules and receive-side socket
// lookup, as pure logic (no I/O, no clock). Behaviour follows 6.x:
//
//   net/ipv4/af_inet.c         __inet_bind (check order: EACCES, then EINVAL
//                              for a double bind, then get_port -> EADDRINUSE),
//                              inet_autobind (get_port(0) fails -> EAGAIN)
//   net/ipv4/udp.c             udp_lib_get_port, udp_lib_lport_inuse,
//                              udp_reuseport_add_sock, compute_score,
//                              udp4_lib_lookup2, __udp4_lib_lookup,
//                              __udp_is_mcast_sock / __udp4_lib_mcast_deliver,
//                              __udp_disconnect
//   net/ipv4/datagram.c        __ip4_datagram_connect (rcv_saddr filled in,
//                              then rehash without a conflict check)
//   net/ipv4/inet_connection_sock.c  inet_get_local_port_range
//   net/core/sock_reuseport.c  reuseport_alloc / reuseport_add_sock /
//                              reuseport_select_sock (reciprocal_scale)
//
// The caller owns everything that needs the routing table or the device
// list: whether an address is local enough to bind (EADDRNOTAVAIL), the
// source address a connect picks, and whether a multicast socket has joined
// the group (ip_mc_sf_allow). The table only sees addresses and ports.
//
// Not modelled: VRF/l3mdev (sdif), sk_incoming_cpu in compute_score, BPF (cgroup bind,
// sk_lookup, reuseport programs), the hslot2 (count > 10) variant of the
// in-use check (same verdicts, only list order differs), IPv6 sockets.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include "stack/wire/address.hpp"

namespace ipc::stack::udp {

using wire::Ipv4Address;

using SocketId = std::uint64_t;

// net.ipv4.ip_local_port_range and friends, read at each get_port as
// inet_get_local_port_range does. Validation of writes (low >=
// ip_unprivileged_port_start, low <= high) is the sysctl layer's business.
struct PortRange {
  std::uint16_t low = 32768;
  std::uint16_t high = 60999;
};

struct PortConfig {
  PortRange local_port_range{};
  std::uint32_t unprivileged_port_start = 1024;  // net.ipv4.ip_unprivileged_port_start
  std::set<std::uint16_t> reserved_ports{};       // net.ipv4.ip_local_reserved_ports
  // udptable->mask + 1 (a power of two, >= 1): udp_lib_get_port walks the
  // range one hash slot at a time, so the slot count shapes which ephemeral
  // port comes first. Linux sizes it from memory (uhash_entries); any power of
  // two gives the same set of reachable ports.
  std::uint32_t hash_slots = 256;
};

// Per-call facts the socket layer knows and the table does not.
struct BindFacts {
  bool cap_net_bind_service = false;  // ns_capable(CAP_NET_BIND_SERVICE)
};

// Socket options that affect the table; set before bind like setsockopt.
struct SocketOptions {
  bool reuse_addr = false;       // SO_REUSEADDR (sk_reuse)
  bool reuse_port = false;       // SO_REUSEPORT (sk_reuseport)
  int bound_dev_if = 0;          // SO_BINDTODEVICE (sk_bound_dev_if), 0 = none
  std::uint32_t owner_uid = 0;   // sk_uid
  bool bind_address_no_port = false;  // IP_BIND_ADDRESS_NO_PORT: bind(addr, 0) defers the port
  std::uint16_t port_range_low = 0, port_range_high = 0;  // IP_LOCAL_PORT_RANGE (0: unset)
};

struct Binding {
  Ipv4Address local_addr{};      // inet_rcv_saddr
  std::uint16_t local_port = 0;  // inet_num (0 = not hashed)
  std::optional<Ipv4Address> peer_addr{};   // inet_daddr when connected
  std::uint16_t peer_port = 0;              // inet_dport (0 = none)
  bool addr_locked = false;  // SOCK_BINDADDR_LOCK (bound to a specific address)
  bool port_locked = false;  // SOCK_BINDPORT_LOCK (bound to an explicit port)
};

class PortTable {
 public:
  explicit PortTable(PortConfig config = {}, std::uint64_t seed = 0);

  PortConfig& config() { return config_; }
  const PortConfig& config() const { return config_; }

  // socket(): a fresh, unbound socket. Ids are the caller's; reusing a live id
  // is a programming error (returns false).
  bool open(SocketId id, SocketOptions options = {});
  // close(): unhash and forget.
  void close(SocketId id);
  bool contains(SocketId id) const { return sockets_.count(id) != 0; }

  // setsockopt before bind. Returns false for an unknown id.
  bool set_options(SocketId id, const SocketOptions& options);
  const SocketOptions* options(SocketId id) const;
  const Binding* binding(SocketId id) const;

  // bind(2) after the caller has checked family, length and address validity.
  // Returns 0 or a positive errno: EACCES (privileged port without
  // CAP_NET_BIND_SERVICE, checked first), EINVAL (already bound or connected),
  // EADDRINUSE (conflict, or port 0 with the range exhausted).
  int bind(SocketId id, Ipv4Address addr, std::uint16_t port, const BindFacts& facts = {});

  // inet_autobind for connect()/sendto() on an unbound socket: takes an
  // ephemeral port for the current local address. 0 if already bound or a
  // port was found, EAGAIN if the range is exhausted.
  int autobind(SocketId id);

  // __ip4_datagram_connect after the route lookup: record the peer, fill in
  // the local address from the route's source if it was unset, and rehash
  // (no conflict check, as in udp_v4_rehash). The socket must already have a
  // port (autobind first). Returns 0, or EINVAL for an unknown/unbound id.
  int connect(SocketId id, Ipv4Address peer, std::uint16_t peer_port, Ipv4Address route_source);

  // connect(AF_UNSPEC) -> __udp_disconnect: drop the peer; without
  // SOCK_BINDADDR_LOCK the local address goes back to INADDR_ANY; without
  // SOCK_BINDPORT_LOCK (autobound port) the socket is unhashed, port 0.
  void disconnect(SocketId id);

  // Unicast delivery (__udp4_lib_lookup): the best socket for a datagram
  // dst_addr:dst_port from src_addr:src_port arriving on ifindex `dif`.
  // Sockets bound to dst_addr are tried first, the wildcard ones only if none
  // matches; within a pass the highest compute_score wins, ties go to the
  // socket hashed last; an unconnected SO_REUSEPORT group picks a member by a
  // seeded hash of the 4-tuple.
  std::optional<SocketId> lookup(Ipv4Address dst_addr, std::uint16_t dst_port, Ipv4Address src_addr,
                                 std::uint16_t src_port, int dif = 0) const;

  // Broadcast/multicast delivery (__udp4_lib_mcast_deliver with
  // __udp_is_mcast_sock): every socket on dst_port whose local address is the
  // wildcard or dst_addr, whose peer (if connected) is src, and whose bound
  // device (if any) is dif. Group membership filtering (ip_mc_sf_allow) is the
  // caller's. Order: most recently hashed first.
  std::vector<SocketId> lookup_all(Ipv4Address dst_addr, std::uint16_t dst_port, Ipv4Address src_addr,
                                   std::uint16_t src_port, int dif = 0) const;

  // The members of `id`'s SO_REUSEPORT group in join order (empty if none).
  std::vector<SocketId> reuseport_group(SocketId id) const;

 private:
  struct Sock {
    SocketOptions opt;
    Binding b;
    std::uint64_t hash_seq = 0;            // order in the hash chain (higher = newer)
    std::optional<std::uint64_t> group{};  // reuseport group
  };

  bool in_use(const Sock& sk, SocketId self, Ipv4Address addr, std::uint16_t port) const;
  std::optional<std::uint16_t> find_ephemeral(const Sock& sk, SocketId self, Ipv4Address addr);
  void hash(SocketId id, Sock& sk, Ipv4Address addr, std::uint16_t port);
  void unhash(SocketId id, Sock& sk);
  std::vector<SocketId> chain(std::uint16_t port) const;  // newest first
  std::optional<SocketId> lookup_pass(Ipv4Address bound, Ipv4Address dst_addr, std::uint16_t dst_port,
                                      Ipv4Address src_addr, std::uint16_t src_port, int dif) const;
  int score(const Sock& sk, Ipv4Address dst_addr, Ipv4Address src_addr, std::uint16_t src_port, int dif) const;

  PortConfig config_;
  std::mt19937_64 rng_;
  std::uint64_t hash_secret_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t next_group_ = 1;
  std::map<SocketId, Sock> sockets_;
  struct Group {
    std::vector<SocketId> members;  // join order (reuseport_add_sock appends)
    bool has_conns = false;         // reuseport_has_conns_set
  };
  void leave_group(SocketId id, Sock& sk);
  std::map<std::uint64_t, Group> groups_;
  std::map<std::uint16_t, std::vector<SocketId>> chains_;  // per port, newest first
};

}  // namespace ipc::stack::udp
