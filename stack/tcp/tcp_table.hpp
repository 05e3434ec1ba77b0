// The TCP port and lookup table: which bind/listen/connect calls succeed,
// which ephemeral port a socket gets, and which socket an arriving segment
// belongs to, as pure logic (no I/O, no clock). Behaviour follows 6.x:
//
//   net/ipv4/af_inet.c        __inet_bind (EACCES, then EINVAL for an active
//                             socket or a double bind, then get_port),
//                             __inet_listen_sk (only CLOSE or LISTEN may listen)
//   net/ipv4/inet_connection_sock.c
//                             inet_csk_get_port, inet_csk_find_open_port,
//                             inet_csk_bind_conflict / inet_bind_conflict,
//                             inet_csk_update_fastreuse, sk_reuseport_match,
//                             inet_sk_get_local_port_range,
//                             inet_csk_listen_start (re-runs get_port with the
//                             socket already in TCP_LISTEN)
//   net/ipv4/inet_hashtables.c
//                             __inet_hash_connect (table_perturb, even ports
//                             first), __inet_check_established,
//                             __inet_inherit_port, __inet_hash /
//                             inet_reuseport_add_sock, __inet_lookup_listener /
//                             inet_lhash2_lookup / compute_score,
//                             __inet_lookup_established, inet_bhash2_reset_saddr
//   net/ipv4/tcp_ipv4.c       tcp_v4_connect (source address, failure path),
//                             tcp_twsk_unique (left to the caller's callback)
//   net/ipv4/tcp.c            tcp_set_state(TCP_CLOSE) (inet_put_port unless
//                             SOCK_BINDPORT_LOCK), tcp_disconnect
//   net/core/sock_reuseport.c reuseport_add_sock / reuseport_detach_sock
//                             (swap with the last member),
//                             reuseport_select_sock_by_hash
//
// The bind bucket keeps Linux's fastreuse / fastreuseport state because it is
// observable: a port whose bucket was created by connect() (-1/-1) may be
// shared by later connects, one created or touched by bind/listen may not, and
// the fast paths skip the full conflict walk.
//
// The caller owns routing, "is this address local" (EADDRNOTAVAIL at bind),
// timestamps and the clock (TIME_WAIT reuse), and socket-level state checks
// beyond the ones listed per call.
//
// Not modelled: VRF/l3mdev (sdif, tcp_l3mdev_accept), sk_incoming_cpu in
// compute_score, BPF (cgroup bind/connect, sk_lookup, reuseport programs),
// request sockets (SYN_RECV minisocks live in the caller until add_child),
// SO_REUSEPORT listener migration, IPv6 and dual-stack sockets.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include "stack/udp/port_table.hpp"
#include "stack/wire/address.hpp"

namespace ipc::stack::tcp {

using wire::Ipv4Address;

using SocketId = std::uint64_t;

struct FourTuple {
  Ipv4Address local{};
  std::uint16_t local_port = 0;
  Ipv4Address remote{};
  std::uint16_t remote_port = 0;
  friend auto operator<=>(const FourTuple&, const FourTuple&) = default;
};

// Decides whether a TIME_WAIT socket's 4-tuple may be taken over by a connect
// (tcp_twsk_unique); the caller knows timestamps and the clock. Called with the
// TIME_WAIT socket's id. Linux asks two different questions here:
//   - the connecting socket had no port (ephemeral search, twp != NULL):
//     tw_ts_recent_stamp && tcp_tw_reuse allows it && a second has passed;
//   - it already had a port (bind, twp == NULL): tw_ts_recent_stamp alone.
// The caller tells the two apart by entry(id)->local_port before connect.
// When the callback returns true the TIME_WAIT entry is dropped from the table
// (as if close(tw) had been called): the caller stops its TIME_WAIT timer.
using TimeWaitReuse = std::function<bool(SocketId tw)>;

// Per-namespace sysctls that udp::PortConfig does not carry.
struct TcpSysctls {
  // net.ipv4.ip_autobind_reuse: when bind(port 0)/listen autobind finds no
  // free port, retry allowing SO_REUSEADDR sharing (inet_csk_find_open_port).
  bool ip_autobind_reuse = false;
};

class TcpTable {
 public:
  struct Entry {
    Ipv4Address local_addr{};          // inet_rcv_saddr
    std::uint16_t local_port = 0;      // inet_num: the port held in the bind table (0 = none)
    std::optional<FourTuple> tuple{};  // hashed in the established table
    bool listening = false, time_wait = false;
    bool addr_locked = false, port_locked = false;  // SOCK_BINDADDR_LOCK / SOCK_BINDPORT_LOCK
    // inet_sport: what getsockname() reports. Linux sets it when a port is
    // taken but never clears it: after tcp_disconnect released an autobound
    // port, getsockname still shows the old one until the next port.
    std::uint16_t sport = 0;
  };

  explicit TcpTable(udp::PortConfig config = {}, std::uint64_t seed = 0);

  udp::PortConfig& config() { return config_; }
  const udp::PortConfig& config() const { return config_; }
  TcpSysctls& sysctls() { return sysctls_; }
  const TcpSysctls& sysctls() const { return sysctls_; }

  // socket(): a fresh, unbound socket. Reusing a live id returns false.
  bool open(SocketId id, udp::SocketOptions options = {});
  bool contains(SocketId id) const { return socks_.count(id) != 0; }
  // setsockopt. False for an unknown id or a TIME_WAIT entry, whose
  // reuse/device flags were frozen when it was created (inet_twsk_alloc).
  bool set_options(SocketId id, const udp::SocketOptions& options);
  const udp::SocketOptions* options(SocketId id) const;
  // Unhash and forget (a TIME_WAIT entry too).
  void close(SocketId id);

  // bind(2) after the caller's address checks: 0, EACCES (privileged port,
  // checked first), EINVAL (unknown id, already bound, listening, connected or
  // TIME_WAIT), EADDRINUSE (conflict, or port 0 with no port free).
  int bind(SocketId id, Ipv4Address addr, std::uint16_t port, const udp::BindFacts& facts = {});

  // listen(2) (__inet_listen_sk -> inet_csk_listen_start): takes a port if
  // unbound, re-checks the bind conflict now that the socket listens (a
  // listener may not share a port with SO_REUSEADDR sockets the way bound ones
  // do); 0 or EADDRINUSE (the socket keeps its bound port). Idempotent on a
  // listening socket. EINVAL for an unknown, connected or TIME_WAIT socket.
  int listen(SocketId id);

  // connect (tcp_v4_connect from inet_bhash2_update_saddr on): `local` is the
  // source address the connection uses (the bound address, or the route's
  // source when bound to INADDR_ANY). Hashes the 4-tuple, picking an ephemeral
  // port (even ports first, __inet_hash_connect) if the socket has none (also
  // after IP_BIND_ADDRESS_NO_PORT), refusing a 4-tuple in use unless `reuse`
  // allows taking over a TIME_WAIT. 0, EADDRNOTAVAIL (no port free / 4-tuple
  // taken; then the socket is back to bound-or-unbound as after a failed
  // connect), EISCONN (listening, connected or TIME_WAIT), EINVAL (unknown).
  int connect(SocketId id, Ipv4Address local, Ipv4Address remote, std::uint16_t remote_port,
              const TimeWaitReuse& reuse = {});

  // A connection accepted by `listener`: hashed under the 4-tuple, sharing the
  // listener's port (inet_inherit_port) without a conflict check. The child
  // is a clone: it takes the listener's options and bind locks. `child` may be
  // unknown (it is opened) or open and unbound. False if the listener is not
  // listening, the child is in use, or the 4-tuple is already hashed
  // (inet_ehash_nolisten's found_dup_sk).
  bool add_child(SocketId listener, SocketId child, const FourTuple& tuple);

  // The socket's connection entered TIME_WAIT: it keeps its port and 4-tuple
  // (inet_twsk_hashdance); its SO_REUSEADDR/SO_REUSEPORT/device are frozen.
  // For a socket the user already closed (the usual case).
  void time_wait(SocketId id);
  // The same when the user still holds the socket (shutdown(SHUT_WR) and the
  // peer's FIN): a separate TIME_WAIT entry `tw` takes over the 4-tuple and
  // holds the port, while `id` goes to TCP_CLOSE (tcp_done ->
  // tcp_set_state): out of the established table, its port given back unless
  // bind locked it (then both hold it), its address kept. False if `id` is
  // not connected or `tw` is in use.
  bool time_wait(SocketId id, SocketId tw);

  // connect(AF_UNSPEC) (tcp_disconnect): a listening or connected socket
  // leaves its hash and, without SOCK_BINDPORT_LOCK, its port
  // (tcp_set_state(TCP_CLOSE)); a socket that was only bound keeps its port.
  // Without SOCK_BINDADDR_LOCK the address goes back to INADDR_ANY
  // (inet_bhash2_reset_saddr, no conflict check). No-op on TIME_WAIT.
  void disconnect(SocketId id);
  // tcp_done -> tcp_set_state(TCP_CLOSE) alone (a reset, a timeout): unhashed,
  // the port given back without SOCK_BINDPORT_LOCK, the address kept.
  void done(SocketId id);

  // Input demux (__inet_lookup): the established/TIME_WAIT socket for the
  // segment's 4-tuple (local = the segment's destination), arriving on ifindex
  // `dif`. A socket bound to a device matches only that device; dif 0 means
  // "not known" and skips that test (no real segment arrives on ifindex 0).
  std::optional<SocketId> lookup_established(const FourTuple& t, int dif = 0) const;
  // Then the best listener (__inet_lookup_listener): sockets bound to daddr
  // before INADDR_ANY ones; within each, compute_score (bound device 2, else
  // 1; a device mismatch never matches; here dif 0 is "no device"), the most
  // recently listening socket first on ties, and the first SO_REUSEPORT
  // socket that scores best picks a group member by a seeded hash.
  std::optional<SocketId> lookup_listener(Ipv4Address daddr, std::uint16_t dport, Ipv4Address saddr,
                                          std::uint16_t sport, int dif = 0) const;

  const Entry* entry(SocketId id) const;
  // The members of `id`'s listening SO_REUSEPORT group in socks[] order.
  std::vector<SocketId> reuseport_group(SocketId id) const;

 private:
  struct Sock {
    udp::SocketOptions opt;
    Entry e;
    std::optional<std::uint64_t> group{};  // sk_reuseport_cb (listeners)
  };
  // inet_bind_bucket: one per port; owners hold the port (newest first).
  struct Bucket {
    int fastreuse = 0;
    int fastreuseport = 0;  // 0, kFastReuseportAny, kFastReuseportStrict, -1
    std::uint32_t fastuid = 0;
    Ipv4Address fast_rcv_saddr{};
    std::vector<SocketId> owners;
  };
  struct Range {
    std::uint32_t low, high;
    bool per_socket;  // IP_LOCAL_PORT_RANGE set
  };
  using ListenKey = std::pair<Ipv4Address, std::uint16_t>;

  Sock* find(SocketId id);
  const Sock* find(SocketId id) const;
  Range port_range(const Sock& sk) const;
  std::uint32_t random_below(std::uint32_t n);

  // inet_csk_get_port and its helpers.
  int get_port(SocketId id, Sock& sk, std::uint16_t snum);
  bool port_free(SocketId id, const Sock& sk, std::uint16_t port) const;
  std::optional<std::uint16_t> find_open_port(SocketId id, const Sock& sk);
  bool bucket_conflict(SocketId id, const Sock& sk, const Bucket& tb, bool relax, bool reuseport_ok) const;
  bool bind_conflict(const Sock& sk, const Sock& sk2, bool relax, bool reuseport_ok) const;
  bool reuseport_match(const Bucket& tb, const Sock& sk) const;
  void update_fastreuse(Bucket& tb, const Sock& sk) const;
  void bind_hash(SocketId id, Sock& sk, std::uint16_t port);
  void put_port(SocketId id, Sock& sk);

  // __inet_hash_connect and __inet_check_established.
  std::optional<std::uint16_t> hash_connect_port(Sock& sk, const TimeWaitReuse& reuse, std::optional<SocketId>& tw);
  bool check_established(const Sock& sk, std::uint16_t lport, const TimeWaitReuse& reuse,
                         std::optional<SocketId>& tw) const;
  std::uint32_t& perturb(std::uint32_t index);
  std::uint64_t port_offset(const Sock& sk, Ipv4Address daddr, std::uint16_t dport) const;

  void ehash_insert(SocketId id, const FourTuple& t);
  void ehash_remove(SocketId id, const FourTuple& t);
  void listen_hash(SocketId id, Sock& sk);
  void listen_unhash(SocketId id, Sock& sk);
  void connect_failed(SocketId id, Sock& sk);
  std::optional<SocketId> lhash_lookup(const ListenKey& key, Ipv4Address daddr, std::uint16_t dport, Ipv4Address saddr,
                                       std::uint16_t sport, int dif) const;

  udp::PortConfig config_;
  TcpSysctls sysctls_;
  std::mt19937_64 rng_;
  std::uint64_t secret_;
  std::map<SocketId, Sock> socks_;
  std::map<std::uint16_t, Bucket> buckets_;                // bhash (+ bhash2 via owners' addresses)
  std::map<FourTuple, std::vector<SocketId>> ehash_;       // newest first
  std::map<ListenKey, std::vector<SocketId>> lhash_;       // lhash2, newest first
  std::map<std::uint64_t, std::vector<SocketId>> groups_;  // reuseport socks[]
  std::uint64_t next_group_ = 1;
  std::unordered_map<std::uint32_t, std::uint32_t> perturb_;  // table_perturb, filled lazily
};

}  // namespace ipc::stack::tcp
