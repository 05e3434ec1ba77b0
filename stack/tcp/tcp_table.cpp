// See tcp_table.hpp for the Linux functions this follows.
#include "stack/tcp/tcp_table.hpp"

#include <algorithm>
#include <cerrno>

#include "stack/udp/port_hash.hpp"

namespace ipc::stack::tcp {

namespace {
using udp::mix64;
using udp::reciprocal_scale;

constexpr int kFastReuseportAny = 1;     // FASTREUSEPORT_ANY
constexpr int kFastReuseportStrict = 2;  // FASTREUSEPORT_STRICT
// INET_TABLE_PERTURB_SIZE (1 << CONFIG_INET_TABLE_PERTURB_ORDER, default 16).
constexpr std::uint32_t kPerturbSize = 1u << 16;

// A keyed hash of a 4-tuple standing in for inet_ehashfn / siphash.
std::uint64_t tuple_hash(std::uint64_t secret, Ipv4Address a, std::uint16_t ap, Ipv4Address b, std::uint16_t bp) {
  std::uint64_t h = mix64(secret ^ (std::uint64_t{a.to_u32()} << 32 | b.to_u32()));
  return mix64(h ^ (std::uint64_t{ap} << 16 | bp));
}

// ipv4_rcv_saddr_equal(match_wildcard = true): equal, or either is INADDR_ANY.
// The bhash2 walk of inet_csk_bind_conflict (the wildcard bucket plus the
// socket's own address, or every bucket for a wildcard socket) amounts to this.
bool saddr_overlap(Ipv4Address a, Ipv4Address b) { return a == b || a.is_unspecified() || b.is_unspecified(); }

// inet_bound_dev_eq without l3mdev (sdif 0): an unbound socket matches any
// device, a bound one only its own.
bool bound_dev_eq(int bound_dev_if, int dif) { return bound_dev_if == 0 || bound_dev_if == dif; }

template <typename T>
void erase_value(std::vector<T>& v, const T& x) {
  v.erase(std::remove(v.begin(), v.end(), x), v.end());
}

}  // namespace

TcpTable::TcpTable(udp::PortConfig config, std::uint64_t seed)
    : config_(std::move(config)), rng_(seed), secret_(mix64(seed ^ 0x7cb7ab1eull)) {}

TcpTable::Sock* TcpTable::find(SocketId id) {
  auto it = socks_.find(id);
  return it == socks_.end() ? nullptr : &it->second;
}

const TcpTable::Sock* TcpTable::find(SocketId id) const {
  auto it = socks_.find(id);
  return it == socks_.end() ? nullptr : &it->second;
}

bool TcpTable::open(SocketId id, udp::SocketOptions options) {
  if (socks_.count(id)) return false;
  socks_[id].opt = options;
  return true;
}

bool TcpTable::set_options(SocketId id, const udp::SocketOptions& options) {
  Sock* sk = find(id);
  if (!sk || sk->e.time_wait) return false;
  sk->opt = options;
  return true;
}

const udp::SocketOptions* TcpTable::options(SocketId id) const {
  const Sock* sk = find(id);
  return sk ? &sk->opt : nullptr;
}

const TcpTable::Entry* TcpTable::entry(SocketId id) const {
  const Sock* sk = find(id);
  return sk ? &sk->e : nullptr;
}

std::vector<SocketId> TcpTable::reuseport_group(SocketId id) const {
  const Sock* sk = find(id);
  if (!sk || !sk->group) return {};
  return groups_.at(*sk->group);
}

void TcpTable::close(SocketId id) {
  Sock* sk = find(id);
  if (!sk) return;
  listen_unhash(id, *sk);
  if (sk->e.tuple) ehash_remove(id, *sk->e.tuple);
  put_port(id, *sk);
  socks_.erase(id);
}

// ---------------------------------------------------------------------------
// Ports: inet_csk_get_port and friends.

// inet_sk_get_local_port_range: the namespace's range; IP_LOCAL_PORT_RANGE
// moves each end only if that end lies inside it (the low end first, so the
// high end is checked against the new low).
TcpTable::Range TcpTable::port_range(const Sock& sk) const {
  std::uint32_t lo = config_.local_port_range.low;
  std::uint32_t hi = config_.local_port_range.high;
  const bool per_socket = sk.opt.port_range_low != 0 || sk.opt.port_range_high != 0;
  if (per_socket) {
    if (lo <= sk.opt.port_range_low && sk.opt.port_range_low <= hi) lo = sk.opt.port_range_low;
    if (lo <= sk.opt.port_range_high && sk.opt.port_range_high <= hi) hi = sk.opt.port_range_high;
  }
  return {lo, hi, per_socket};
}

std::uint32_t TcpTable::random_below(std::uint32_t n) {  // get_random_u32_below
  return reciprocal_scale(static_cast<std::uint32_t>(rng_()), n);
}

// inet_bind_conflict for sk (binding or starting to listen) against sk2 (an
// owner of the port, maybe TIME_WAIT). Sockets on different devices never
// conflict. Two SO_REUSEADDR sockets share unless sk2 listens (with `relax`
// off, the port-0 search, they never share). Otherwise they conflict unless
// both have SO_REUSEPORT and sk2 is TIME_WAIT or has the same owner uid; the
// port-0 search (`reuseport_ok` off) does not allow that either.
bool TcpTable::bind_conflict(const Sock& sk, const Sock& sk2, bool relax, bool reuseport_ok) const {
  const int dev = sk.opt.bound_dev_if, dev2 = sk2.opt.bound_dev_if;
  if (dev && dev2 && dev != dev2) return false;
  const bool both_rp = sk.opt.reuse_port && sk2.opt.reuse_port;
  const bool uid_ok = sk2.e.time_wait || sk.opt.owner_uid == sk2.opt.owner_uid;
  if (sk.opt.reuse_addr && sk2.opt.reuse_addr && !sk2.e.listening) {
    return !relax || (!reuseport_ok && both_rp && uid_ok);
  }
  return !reuseport_ok || !both_rp || !uid_ok;
}

// inet_csk_bind_conflict: any other owner of the port whose address overlaps.
bool TcpTable::bucket_conflict(SocketId id, const Sock& sk, const Bucket& tb, bool relax, bool reuseport_ok) const {
  for (SocketId id2 : tb.owners) {
    if (id2 == id) continue;
    const Sock& sk2 = socks_.at(id2);
    if (saddr_overlap(sk.e.local_addr, sk2.e.local_addr) && bind_conflict(sk, sk2, relax, reuseport_ok)) return true;
  }
  return false;
}

// sk_reuseport_match: the bucket's SO_REUSEPORT fast path. A bucket in "any"
// mode takes any reuseport socket of the recorded uid; in "strict" mode only
// one whose address the recorded address covers (equal, or recorded wildcard).
// (sk_reuseport_cb is never set here: TCP groups form at listen, after this.)
bool TcpTable::reuseport_match(const Bucket& tb, const Sock& sk) const {
  if (tb.fastreuseport <= 0 || !sk.opt.reuse_port) return false;
  if (tb.fastuid != sk.opt.owner_uid) return false;
  if (tb.fastreuseport == kFastReuseportAny) return true;
  return tb.fast_rcv_saddr == sk.e.local_addr || tb.fast_rcv_saddr.is_unspecified();
}

// inet_csk_get_port with an explicit port (also the listen re-check): the
// bucket's fast paths skip the walk, else a conflict with relax and
// reuseport allowed.
bool TcpTable::port_free(SocketId id, const Sock& sk, std::uint16_t port) const {
  auto it = buckets_.find(port);
  if (it == buckets_.end()) return true;
  const Bucket& tb = it->second;
  const bool reuse = sk.opt.reuse_addr && !sk.e.listening;
  if ((tb.fastreuse > 0 && reuse) || reuseport_match(tb, sk)) return true;
  return !bucket_conflict(id, sk, tb, /*relax=*/true, /*reuseport_ok=*/true);
}

// inet_csk_find_open_port: start at a random odd offset (connect() prefers
// the other parity), walk that parity in steps of two with wrap-around, then
// the other parity; an SO_REUSEADDR socket tries the lower half of the range
// first, then the upper half. Reuse is never allowed here unless
// ip_autobind_reuse, after everything failed, relaxes SO_REUSEADDR sharing.
// Odd-length ranges lose their last port (remaining is rounded down to even),
// as in Linux.
std::optional<std::uint16_t> TcpTable::find_open_port(SocketId id, const Sock& sk) {
  for (bool relax : {false, true}) {
    if (relax && !sysctls_.ip_autobind_reuse) break;
    int attempt_half = sk.opt.reuse_addr ? 1 : 0;
    for (;;) {
      Range r = port_range(sk);
      std::uint32_t low = r.low, high = r.high + 1;
      if (high < low || high - low < 4) attempt_half = 0;
      if (attempt_half) {
        const std::uint32_t half = low + (((high - low) >> 2) << 1);
        (attempt_half == 1 ? high : low) = half;
      }
      if (high <= low) return std::nullopt;
      std::uint32_t remaining = high - low;
      if (remaining > 1) remaining &= ~1u;
      std::uint32_t offset = random_below(remaining) | 1u;
      do {
        std::uint32_t port = low + offset;
        for (std::uint32_t i = 0; i < remaining; i += 2, port += 2) {
          if (port >= high) port -= remaining;
          if (config_.reserved_ports.count(static_cast<std::uint16_t>(port))) continue;
          auto it = buckets_.find(static_cast<std::uint16_t>(port));
          if (it == buckets_.end() || !bucket_conflict(id, sk, it->second, relax, /*reuseport_ok=*/false)) {
            return static_cast<std::uint16_t>(port);
          }
        }
        --offset;
      } while (!(offset & 1u));  // one more pass with the other parity
      if (attempt_half != 1) break;
      attempt_half = 2;
    }
  }
  return std::nullopt;
}

// inet_csk_update_fastreuse, run when get_port succeeds (before the socket
// joins the bucket if it is new). fastreuse only ever drops once set; a
// reuseport socket that does not match resets the reuseport fast path to
// "strict" with its own uid and address.
void TcpTable::update_fastreuse(Bucket& tb, const Sock& sk) const {
  const bool reuse = sk.opt.reuse_addr && !sk.e.listening;
  const bool first = tb.owners.empty();
  if (first) {
    tb.fastreuse = reuse ? 1 : 0;
  } else if (!reuse) {
    tb.fastreuse = 0;
  }
  if (!sk.opt.reuse_port) {
    tb.fastreuseport = 0;
  } else if (first || !reuseport_match(tb, sk)) {
    tb.fastreuseport = first ? kFastReuseportAny : kFastReuseportStrict;
    tb.fastuid = sk.opt.owner_uid;
    tb.fast_rcv_saddr = sk.e.local_addr;
  }
}

// inet_bind_hash: the socket joins the port's bucket (head of the owners).
void TcpTable::bind_hash(SocketId id, Sock& sk, std::uint16_t port) {
  auto& owners = buckets_[port].owners;
  owners.insert(owners.begin(), id);
  sk.e.local_port = port;
}

// inet_put_port: leave the bucket; the last owner destroys it, and with it
// the fastreuse state.
void TcpTable::put_port(SocketId id, Sock& sk) {
  if (sk.e.local_port == 0) return;
  auto it = buckets_.find(sk.e.local_port);
  if (it != buckets_.end()) {
    erase_value(it->second.owners, id);
    if (it->second.owners.empty()) buckets_.erase(it);
  }
  sk.e.local_port = 0;
}

// inet_csk_get_port: 0 or EADDRINUSE.
int TcpTable::get_port(SocketId id, Sock& sk, std::uint16_t snum) {
  std::uint16_t port = snum;
  if (snum == 0) {
    auto found = find_open_port(id, sk);
    if (!found) return EADDRINUSE;
    port = *found;
  } else if (!port_free(id, sk, port)) {
    return EADDRINUSE;
  }
  update_fastreuse(buckets_[port], sk);
  if (sk.e.local_port == 0) bind_hash(id, sk, port);
  return 0;
}

int TcpTable::bind(SocketId id, Ipv4Address addr, std::uint16_t port, const udp::BindFacts& facts) {
  Sock* sk = find(id);
  if (!sk) return EINVAL;
  // __inet_bind: inet_port_requires_bind_service before the state checks.
  if (port != 0 && port < config_.unprivileged_port_start && !facts.cap_net_bind_service) return EACCES;
  // "Check these errors (active socket, double bind)": not TCP_CLOSE, or a
  // port already held. An IP_BIND_ADDRESS_NO_PORT bind holds none, so a
  // second bind is allowed after it.
  if (sk->e.listening || sk->e.tuple || sk->e.time_wait || sk->e.local_port != 0) return EINVAL;
  sk->e.local_addr = addr;
  if (port != 0 || !sk->opt.bind_address_no_port) {
    if (int err = get_port(id, *sk, port)) {
      sk->e.local_addr = Ipv4Address::unspecified();
      return err;
    }
  }
  if (!addr.is_unspecified()) sk->e.addr_locked = true;
  if (port != 0) sk->e.port_locked = true;
  sk->e.sport = sk->e.local_port;
  return 0;
}

// ---------------------------------------------------------------------------
// Listening.

// __inet_hash for a listener: join the reuseport group of a listener with the
// same exact address, port, device and uid (inet_reuseport_add_sock), else
// start one (reuseport_alloc); the socket goes to the head of its lhash2 chain.
void TcpTable::listen_hash(SocketId id, Sock& sk) {
  auto& chain = lhash_[{sk.e.local_addr, sk.e.local_port}];
  if (sk.opt.reuse_port) {
    for (SocketId id2 : chain) {
      const Sock& sk2 = socks_.at(id2);
      if (sk2.group && sk2.opt.reuse_port && sk2.opt.bound_dev_if == sk.opt.bound_dev_if &&
          sk2.opt.owner_uid == sk.opt.owner_uid) {
        sk.group = sk2.group;
        break;
      }
    }
    if (!sk.group) sk.group = next_group_++;
    groups_[*sk.group].push_back(id);
  }
  chain.insert(chain.begin(), id);
}

// inet_unhash of a listener; reuseport_detach_sock moves the group's last
// member into the leaving socket's slot.
void TcpTable::listen_unhash(SocketId id, Sock& sk) {
  if (!sk.e.listening) return;
  auto it = lhash_.find({sk.e.local_addr, sk.e.local_port});
  if (it != lhash_.end()) {
    erase_value(it->second, id);
    if (it->second.empty()) lhash_.erase(it);
  }
  if (sk.group) {
    auto g = groups_.find(*sk.group);
    if (g != groups_.end()) {
      auto& socks = g->second;
      auto pos = std::find(socks.begin(), socks.end(), id);
      if (pos != socks.end()) {
        *pos = socks.back();
        socks.pop_back();
      }
      if (socks.empty()) groups_.erase(g);
    }
    sk.group.reset();
  }
  sk.e.listening = false;
}

// inet_csk_listen_start: the state becomes TCP_LISTEN before get_port runs
// with the current port (0 = autobind), so the re-check sees a listener; on
// failure the state goes back to TCP_CLOSE and the bound port stays.
int TcpTable::listen(SocketId id) {
  Sock* sk = find(id);
  if (!sk || sk->e.tuple || sk->e.time_wait) return EINVAL;
  if (sk->e.listening) return 0;
  sk->e.listening = true;
  if (int err = get_port(id, *sk, sk->e.local_port)) {
    sk->e.listening = false;
    return err;
  }
  sk->e.sport = sk->e.local_port;
  listen_hash(id, *sk);
  return 0;
}

// ---------------------------------------------------------------------------
// Connecting.

void TcpTable::ehash_insert(SocketId id, const FourTuple& t) {
  auto& chain = ehash_[t];
  chain.insert(chain.begin(), id);  // __sk_nulls_add_node_rcu: head
}

void TcpTable::ehash_remove(SocketId id, const FourTuple& t) {
  auto it = ehash_.find(t);
  if (it == ehash_.end()) return;
  erase_value(it->second, id);
  if (it->second.empty()) ehash_.erase(it);
}

// __inet_check_established: the first socket hashed under the 4-tuple whose
// device binding accepts the connecting socket's device (inet_match with dif
// = sk_bound_dev_if) decides: a TIME_WAIT one the caller lets go
// (twsk_unique) leaves the tuple to us, anything else makes it not unique.
bool TcpTable::check_established(const Sock& sk, std::uint16_t lport, const TimeWaitReuse& reuse,
                                 std::optional<SocketId>& tw) const {
  const FourTuple t{sk.e.local_addr, lport, sk.e.tuple->remote, sk.e.tuple->remote_port};
  auto it = ehash_.find(t);
  if (it == ehash_.end()) return true;
  for (SocketId id2 : it->second) {
    const Sock& sk2 = socks_.at(id2);
    if (!bound_dev_eq(sk2.opt.bound_dev_if, sk.opt.bound_dev_if)) continue;
    if (sk2.e.time_wait && reuse && reuse(id2)) {
      tw = id2;
      return true;
    }
    return false;
  }
  return true;
}

// table_perturb[]: random at first use (get_random_sleepable_once), here a
// seeded hash of the index so the table needs no 256 KiB up front.
std::uint32_t& TcpTable::perturb(std::uint32_t index) {
  auto [it, fresh] = perturb_.try_emplace(index, 0u);
  if (fresh) it->second = static_cast<std::uint32_t>(mix64(secret_ ^ (0x9e37ull << 32) ^ index));
  return it->second;
}

// inet_sk_port_offset: secure_ipv4_port_ephemeral(rcv_saddr, daddr, dport),
// a keyed 64-bit hash (the low bits pick the perturb slot, the high 32 bits
// are added to it).
std::uint64_t TcpTable::port_offset(const Sock& sk, Ipv4Address daddr, std::uint16_t dport) const {
  return tuple_hash(secret_ ^ 0x5eed, sk.e.local_addr, 0, daddr, dport);
}

// __inet_hash_connect with no port yet (RFC 6056 algorithm 4): start at
// table_perturb[slot] + hash(saddr, daddr, dport), walk ports of the low end's
// parity first in steps of two, then the other parity; IP_LOCAL_PORT_RANGE
// walks every port in one pass. A port whose bucket came from bind/listen
// (fastreuse or fastreuseport >= 0) is skipped; one whose bucket came from
// connect is shared if the 4-tuple is unique; a port without a bucket is
// taken. The slot then advances by the distance walked (at least a random
// 0..7 steps) plus one step, so consecutive connects climb the range.
// (The 2025 "consider every port with IP_LOCAL_PORT_RANGE" patch, which lets
// such a socket share a bind()-created port from another address, is not in
// the 6.18 kernel this was checked on: it gets EADDRNOTAVAIL there.)
std::optional<std::uint16_t> TcpTable::hash_connect_port(Sock& sk, const TimeWaitReuse& reuse,
                                                         std::optional<SocketId>& tw) {
  const Range r = port_range(sk);
  const std::uint32_t step = r.per_socket ? 1 : 2;
  const std::uint32_t low = r.low, high = r.high + 1;
  if (high <= low) return std::nullopt;
  std::uint32_t remaining = high - low;
  if (!r.per_socket && remaining > 1) remaining &= ~1u;
  const std::uint64_t off64 = port_offset(sk, sk.e.tuple->remote, sk.e.tuple->remote_port);
  const std::uint32_t index = static_cast<std::uint32_t>(off64 & (kPerturbSize - 1));
  std::uint32_t offset = perturb(index) + static_cast<std::uint32_t>(off64 >> 32);
  offset %= remaining;
  if (!r.per_socket) offset &= ~1u;
  for (;;) {
    std::uint32_t port = low + offset;
    for (std::uint32_t i = 0; i < remaining; i += step, port += step) {
      if (port >= high) port -= remaining;
      const auto p = static_cast<std::uint16_t>(port);
      if (config_.reserved_ports.count(p)) continue;
      auto it = buckets_.find(p);
      if (it != buckets_.end()) {
        if (it->second.fastreuse >= 0 || it->second.fastreuseport >= 0) continue;
        if (!check_established(sk, p, reuse, tw)) continue;
      } else {
        Bucket& tb = buckets_[p];  // tb_created: marked as connect()'s
        tb.fastreuse = -1;
        tb.fastreuseport = -1;
      }
      i = std::max(i, random_below(8) * step);
      perturb(index) += i + step;
      return p;
    }
    if (r.per_socket) return std::nullopt;
    ++offset;
    if (!((offset & 1u) && remaining > 1)) return std::nullopt;
  }
}

// tcp_v4_connect's failure path: tcp_set_state(TCP_CLOSE) releases a port
// that bind did not lock, inet_bhash2_reset_saddr forgets an address it did
// not lock, and the destination is cleared.
void TcpTable::connect_failed(SocketId id, Sock& sk) {
  sk.e.tuple.reset();
  if (!sk.e.port_locked) put_port(id, sk);
  if (!sk.e.addr_locked) sk.e.local_addr = Ipv4Address::unspecified();
}

int TcpTable::connect(SocketId id, Ipv4Address local, Ipv4Address remote, std::uint16_t remote_port,
                      const TimeWaitReuse& reuse) {
  Sock* sk = find(id);
  if (!sk) return EINVAL;
  if (sk->e.listening || sk->e.tuple || sk->e.time_wait) return EISCONN;
  // inet_bhash2_update_saddr / sk_rcv_saddr_set: no conflict check.
  sk->e.local_addr = local;
  sk->e.tuple = FourTuple{local, 0, remote, remote_port};
  std::optional<SocketId> tw;
  std::uint16_t port = sk->e.local_port;
  if (port != 0) {
    if (!check_established(*sk, port, reuse, tw)) {
      connect_failed(id, *sk);
      return EADDRNOTAVAIL;
    }
  } else {
    auto found = hash_connect_port(*sk, reuse, tw);
    if (!found) {
      connect_failed(id, *sk);
      return EADDRNOTAVAIL;
    }
    port = *found;
    bind_hash(id, *sk, port);
  }
  sk->e.tuple->local_port = port;
  sk->e.sport = port;
  ehash_insert(id, *sk->e.tuple);
  if (tw) close(*tw);  // inet_twsk_bind_unhash / inet_twsk_deschedule_put
  return 0;
}

// ---------------------------------------------------------------------------
// Accepted children, TIME_WAIT, disconnect.

bool TcpTable::add_child(SocketId listener, SocketId child, const FourTuple& tuple) {
  const Sock* lsk = find(listener);
  if (!lsk || !lsk->e.listening || listener == child) return false;
  const Sock* existing = find(child);
  if (existing && (existing->e.local_port || existing->e.tuple || existing->e.listening || existing->e.time_wait)) {
    return false;
  }
  // inet_ehash_lookup_by_sk: a socket already under the tuple whose device
  // binding accepts the child's device.
  if (auto it = ehash_.find(tuple); it != ehash_.end()) {
    for (SocketId id2 : it->second) {
      if (bound_dev_eq(socks_.at(id2).opt.bound_dev_if, lsk->opt.bound_dev_if)) return false;
    }
  }
  Sock& sk = socks_[child];
  sk = Sock{};
  sk.opt = lsk->opt;  // sk_clone_lock: reuse flags, device, uid
  sk.e.addr_locked = lsk->e.addr_locked;
  sk.e.port_locked = lsk->e.port_locked;
  sk.e.local_addr = tuple.local;
  sk.e.tuple = tuple;
  sk.e.sport = tuple.local_port;
  // __inet_inherit_port: the listener's bucket; a redirected (tproxy) port
  // gets a bucket of its own, with its fastreuse state set up.
  if (!buckets_.count(tuple.local_port)) update_fastreuse(buckets_[tuple.local_port], sk);
  bind_hash(child, sk, tuple.local_port);
  ehash_insert(child, tuple);
  return true;
}

void TcpTable::time_wait(SocketId id) {
  Sock* sk = find(id);
  if (!sk || !sk->e.tuple) return;
  sk->e.time_wait = true;
}

bool TcpTable::time_wait(SocketId id, SocketId tw) {
  Sock* sk = find(id);
  if (!sk || !sk->e.tuple || sk->e.time_wait || id == tw || socks_.count(tw)) return false;
  Sock& twsk = socks_[tw];  // std::map: *sk stays valid
  twsk.opt = sk->opt;       // inet_twsk_alloc copies tw_reuse, tw_reuseport, tw_bound_dev_if
  twsk.e = sk->e;
  twsk.e.time_wait = true;
  twsk.e.local_port = 0;
  bind_hash(tw, twsk, sk->e.local_port);
  const FourTuple t = *sk->e.tuple;
  ehash_remove(id, t);
  ehash_insert(tw, t);
  sk->e.tuple.reset();
  if (!sk->e.port_locked) put_port(id, *sk);
  return true;
}

void TcpTable::done(SocketId id) {
  Sock* sk = find(id);
  if (!sk || sk->e.time_wait) return;
  // tcp_set_state(TCP_CLOSE) only runs when the socket was not already closed.
  const bool active = sk->e.listening || sk->e.tuple.has_value();
  listen_unhash(id, *sk);
  if (sk->e.tuple) {
    ehash_remove(id, *sk->e.tuple);
    sk->e.tuple.reset();
  }
  if (active && !sk->e.port_locked) put_port(id, *sk);
}

void TcpTable::disconnect(SocketId id) {
  Sock* sk = find(id);
  if (!sk || sk->e.time_wait) return;
  done(id);
  if (!sk->e.addr_locked) sk->e.local_addr = Ipv4Address::unspecified();
}

// ---------------------------------------------------------------------------
// Input demux.

std::optional<SocketId> TcpTable::lookup_established(const FourTuple& t, int dif) const {
  auto it = ehash_.find(t);
  if (it == ehash_.end()) return std::nullopt;
  for (SocketId id : it->second) {
    if (dif == 0 || bound_dev_eq(socks_.at(id).opt.bound_dev_if, dif)) return id;
  }
  return std::nullopt;
}

// inet_lhash2_lookup over one (address, port) chain, newest first:
// compute_score is 1, or 2 when bound to the arriving device, plus 1 for
// PF_INET; a strictly better score takes over, and a SO_REUSEPORT socket
// that does hands the choice to its group (reuseport_select_sock_by_hash:
// socks[reciprocal_scale(inet_ehashfn(daddr, dport, saddr, sport), n)]).
std::optional<SocketId> TcpTable::lhash_lookup(const ListenKey& key, Ipv4Address daddr, std::uint16_t dport,
                                               Ipv4Address saddr, std::uint16_t sport, int dif) const {
  auto it = lhash_.find(key);
  if (it == lhash_.end()) return std::nullopt;
  std::optional<SocketId> result;
  int hiscore = 0;
  for (SocketId id : it->second) {
    const Sock& sk = socks_.at(id);
    if (!bound_dev_eq(sk.opt.bound_dev_if, dif)) continue;
    const int score = (sk.opt.bound_dev_if ? 2 : 1) + 1;
    if (score <= hiscore) continue;
    if (sk.opt.reuse_port && sk.group) {
      const auto& socks = groups_.at(*sk.group);
      const auto h = static_cast<std::uint32_t>(tuple_hash(secret_, daddr, dport, saddr, sport));
      return socks[reciprocal_scale(h, static_cast<std::uint32_t>(socks.size()))];
    }
    result = id;
    hiscore = score;
  }
  return result;
}

std::optional<SocketId> TcpTable::lookup_listener(Ipv4Address daddr, std::uint16_t dport, Ipv4Address saddr,
                                                  std::uint16_t sport, int dif) const {
  // __inet_lookup_listener: the chain for daddr first, then INADDR_ANY's.
  if (auto r = lhash_lookup({daddr, dport}, daddr, dport, saddr, sport, dif)) return r;
  if (daddr.is_unspecified()) return std::nullopt;
  return lhash_lookup({Ipv4Address::unspecified(), dport}, daddr, dport, saddr, sport, dif);
}

}  // namespace ipc::stack::tcp
