// See port_table.hpp for the Linux functions this follows.
#include "stack/udp/port_table.hpp"

#include <algorithm>
#include <cerrno>

#include "stack/udp/port_hash.hpp"

namespace ipc::stack::udp {

namespace {

// inet_rcv_saddr_equal(sk, sk2, match_wildcard = true) for two IPv4 sockets
// (ipv4_rcv_saddr_equal): equal, or either side INADDR_ANY. 255.255.255.255
// is an ordinary specific address here (address.bind.inaddr-broadcast-no-wildcard).
bool rcv_saddr_overlap(Ipv4Address a, Ipv4Address b) {
  return a == b || a.is_unspecified() || b.is_unspecified();
}

}  // namespace

PortTable::PortTable(PortConfig config, std::uint64_t seed)
    : config_(std::move(config)), rng_(seed), hash_secret_(mix64(seed ^ 0x5ca1ab1eull)) {}

bool PortTable::open(SocketId id, SocketOptions options) {
  if (sockets_.count(id)) return false;
  sockets_[id].opt = options;
  return true;
}

void PortTable::close(SocketId id) {
  auto it = sockets_.find(id);
  if (it == sockets_.end()) return;
  unhash(id, it->second);
  sockets_.erase(it);
}

bool PortTable::set_options(SocketId id, const SocketOptions& options) {
  auto it = sockets_.find(id);
  if (it == sockets_.end()) return false;
  it->second.opt = options;
  return true;
}

const SocketOptions* PortTable::options(SocketId id) const {
  auto it = sockets_.find(id);
  return it == sockets_.end() ? nullptr : &it->second.opt;
}

const Binding* PortTable::binding(SocketId id) const {
  auto it = sockets_.find(id);
  return it == sockets_.end() ? nullptr : &it->second.b;
}

std::vector<SocketId> PortTable::chain(std::uint16_t port) const {
  auto it = chains_.find(port);
  return it == chains_.end() ? std::vector<SocketId>{} : it->second;
}

std::vector<SocketId> PortTable::reuseport_group(SocketId id) const {
  auto it = sockets_.find(id);
  if (it == sockets_.end() || !it->second.group) return {};
  return groups_.at(*it->second.group).members;
}

// udp_lib_lport_inuse with bitmap == NULL (explicit port). The walk is in hash
// chain order (newest first, sk_add_node_rcu) and returns "free" at the first
// conflicting socket that shares SO_REUSEPORT with the same uid, even if an
// older socket further down would conflict -- as Linux does.
bool PortTable::in_use(const Sock& sk, SocketId self, Ipv4Address addr, std::uint16_t port) const {
  for (SocketId id2 : chain(port)) {
    if (id2 == self) continue;
    const Sock& sk2 = sockets_.at(id2);
    if (sk2.opt.reuse_addr && sk.opt.reuse_addr) continue;
    if (sk2.opt.bound_dev_if && sk.opt.bound_dev_if && sk2.opt.bound_dev_if != sk.opt.bound_dev_if) continue;
    if (!rcv_saddr_overlap(addr, sk2.b.local_addr)) continue;
    if (sk2.opt.reuse_port && sk.opt.reuse_port && sk2.opt.owner_uid == sk.opt.owner_uid) return false;
    return true;
  }
  return false;
}

// udp_lib_get_port with snum == 0: start at a random slot `first` inside the
// range, walk every port of that hash slot in steps of an odd multiple of the
// table size, then move to the next slot; the bitmap marks ports held by a
// conflicting socket (reuseport-compatible ones do not mark).
std::optional<std::uint16_t> PortTable::find_ephemeral(const Sock& sk, SocketId self, Ipv4Address addr) {
  // inet_sk_get_local_port_range: the namespace's range, narrowed by the
  // socket's IP_LOCAL_PORT_RANGE when the two overlap.
  std::uint32_t low = config_.local_port_range.low;
  std::uint32_t high = config_.local_port_range.high;
  if (sk.opt.port_range_low || sk.opt.port_range_high) {
    const std::uint32_t lo = std::max<std::uint32_t>(low, sk.opt.port_range_low ? sk.opt.port_range_low : low);
    const std::uint32_t hi = std::min<std::uint32_t>(high, sk.opt.port_range_high ? sk.opt.port_range_high : high);
    if (lo <= hi) {
      low = lo;
      high = hi;
    }
  }
  if (low == 0 || high < low) return std::nullopt;
  std::uint32_t slots = config_.hash_slots;
  if (slots == 0 || slots > 65536 || (slots & (slots - 1)) != 0) slots = 256;

  auto taken = [&](std::uint16_t port) {
    for (SocketId id2 : chain(port)) {
      if (id2 == self) continue;
      const Sock& sk2 = sockets_.at(id2);
      if (sk2.opt.reuse_addr && sk.opt.reuse_addr) continue;
      if (sk2.opt.bound_dev_if && sk.opt.bound_dev_if && sk2.opt.bound_dev_if != sk.opt.bound_dev_if) continue;
      if (!rcv_saddr_overlap(addr, sk2.b.local_addr)) continue;
      if (sk2.opt.reuse_port && sk.opt.reuse_port && sk2.opt.owner_uid == sk.opt.owner_uid) continue;
      return true;
    }
    return false;
  };

  const std::uint32_t remaining = high - low + 1;
  std::uint32_t rand = static_cast<std::uint32_t>(rng_());
  std::uint16_t first = static_cast<std::uint16_t>(reciprocal_scale(rand, remaining) + low);
  rand = (rand | 1u) * slots;  // an odd multiple of the table size
  const std::uint16_t last = static_cast<std::uint16_t>(first + slots);
  do {
    std::uint16_t snum = first;
    do {
      if (low <= snum && snum <= high && !taken(snum) && !config_.reserved_ports.count(snum)) return snum;
      snum = static_cast<std::uint16_t>(snum + rand);
    } while (snum != first);
  } while (++first != last);
  return std::nullopt;
}

void PortTable::hash(SocketId id, Sock& sk, Ipv4Address addr, std::uint16_t port) {
  sk.b.local_addr = addr;
  sk.b.local_port = port;
  sk.hash_seq = next_seq_++;
  auto& ch = chains_[port];
  // udp_reuseport_add_sock, before the socket joins the chain: join the group
  // of a socket with the same exact address, port, device and uid, else
  // reuseport_alloc a new one.
  if (sk.opt.reuse_port) {
    for (SocketId id2 : ch) {
      const Sock& sk2 = sockets_.at(id2);
      if (sk2.opt.reuse_port && sk2.group && sk2.opt.bound_dev_if == sk.opt.bound_dev_if &&
          sk2.opt.owner_uid == sk.opt.owner_uid && sk2.b.local_addr == addr) {
        sk.group = sk2.group;
        break;
      }
    }
    if (!sk.group) sk.group = next_group_++;
    groups_[*sk.group].members.push_back(id);
  }
  ch.insert(ch.begin(), id);  // sk_add_node_rcu: head of the chain
}

void PortTable::leave_group(SocketId id, Sock& sk) {  // reuseport_detach_sock
  if (!sk.group) return;
  auto g = groups_.find(*sk.group);
  if (g != groups_.end()) {
    auto& m = g->second.members;
    m.erase(std::remove(m.begin(), m.end(), id), m.end());
    if (m.empty()) groups_.erase(g);
  }
  sk.group.reset();
}

void PortTable::unhash(SocketId id, Sock& sk) {  // udp_lib_unhash
  if (sk.b.local_port == 0) return;
  leave_group(id, sk);
  auto it = chains_.find(sk.b.local_port);
  if (it != chains_.end()) {
    auto& ch = it->second;
    ch.erase(std::remove(ch.begin(), ch.end(), id), ch.end());
    if (ch.empty()) chains_.erase(it);
  }
  sk.b.local_port = 0;
}

int PortTable::bind(SocketId id, Ipv4Address addr, std::uint16_t port, const BindFacts& facts) {
  auto it = sockets_.find(id);
  if (it == sockets_.end()) return EINVAL;
  Sock& sk = it->second;
  // __inet_bind: the privileged-port check (inet_port_requires_bind_service)
  // comes before the double-bind check and before get_port.
  if (port != 0 && port < config_.unprivileged_port_start && !facts.cap_net_bind_service) return EACCES;
  // "Check these errors (active socket, double bind)."
  if (sk.b.local_port != 0 || sk.b.peer_addr) return EINVAL;
  // __inet_bind with IP_BIND_ADDRESS_NO_PORT: the address is taken, the
  // port waits for connect (inet_num stays 0).
  if (port == 0 && sk.opt.bind_address_no_port) {
    sk.b.local_addr = addr;
    sk.b.addr_locked = !addr.is_unspecified();
    return 0;
  }
  std::optional<std::uint16_t> chosen;
  if (port == 0) {
    chosen = find_ephemeral(sk, id, addr);
  } else if (!in_use(sk, id, addr, port)) {
    chosen = port;
  }
  if (!chosen) return EADDRINUSE;  // get_port failed: inet_rcv_saddr reset, -EADDRINUSE
  hash(id, sk, addr, *chosen);
  sk.b.addr_locked = !addr.is_unspecified();  // SOCK_BINDADDR_LOCK
  sk.b.port_locked = port != 0;               // SOCK_BINDPORT_LOCK
  return 0;
}

int PortTable::autobind(SocketId id) {
  auto it = sockets_.find(id);
  if (it == sockets_.end()) return EINVAL;
  Sock& sk = it->second;
  if (sk.b.local_port != 0) return 0;  // inet_autobind: only when !inet_num
  auto chosen = find_ephemeral(sk, id, sk.b.local_addr);
  if (!chosen) return EAGAIN;
  hash(id, sk, sk.b.local_addr, *chosen);
  return 0;
}

int PortTable::connect(SocketId id, Ipv4Address peer, std::uint16_t peer_port, Ipv4Address route_source) {
  auto it = sockets_.find(id);
  if (it == sockets_.end() || it->second.b.local_port == 0) return EINVAL;
  Sock& sk = it->second;
  if (sk.b.local_addr.is_unspecified()) {
    // inet_rcv_saddr = fl4->saddr; udp_v4_rehash -> udp_lib_rehash, which
    // detaches the socket from its reuseport group when the hash changes.
    sk.b.local_addr = route_source;
    if (!route_source.is_unspecified()) leave_group(id, sk);
  }
  sk.b.peer_addr = peer;
  sk.b.peer_port = peer_port;
  if (sk.group) groups_[*sk.group].has_conns = true;  // reuseport_has_conns_set
  return 0;
}

void PortTable::disconnect(SocketId id) {
  auto it = sockets_.find(id);
  if (it == sockets_.end()) return;
  Sock& sk = it->second;
  sk.b.peer_addr.reset();
  sk.b.peer_port = 0;
  sk.opt.bound_dev_if = 0;  // __udp_disconnect clears sk_bound_dev_if
  if (!sk.b.addr_locked && !sk.b.local_addr.is_unspecified()) {
    sk.b.local_addr = Ipv4Address::unspecified();  // inet_reset_saddr + rehash
    leave_group(id, sk);
  }
  if (!sk.b.port_locked) unhash(id, sk);
}

// compute_score for a socket already known to have inet_rcv_saddr == daddr
// and the right port: 2 for PF_INET, +4 for a matching connected peer address,
// +4 for a matching peer port, +4 for a matching bound device.
int PortTable::score(const Sock& sk, Ipv4Address, Ipv4Address src_addr, std::uint16_t src_port, int dif) const {
  int s = 2;
  if (sk.b.peer_addr && !sk.b.peer_addr->is_unspecified()) {
    if (*sk.b.peer_addr != src_addr) return -1;
    s += 4;
  }
  if (sk.b.peer_port) {
    if (sk.b.peer_port != src_port) return -1;
    s += 4;
  }
  if (sk.opt.bound_dev_if) {  // udp_sk_bound_dev_eq (no l3mdev)
    if (sk.opt.bound_dev_if != dif) return -1;
    s += 4;
  }
  return s;
}

// udp4_lib_lookup2 over the sockets whose inet_rcv_saddr is `bound`.
std::optional<SocketId> PortTable::lookup_pass(Ipv4Address bound, Ipv4Address dst_addr, std::uint16_t dst_port,
                                               Ipv4Address src_addr, std::uint16_t src_port, int dif) const {
  int badness = -1;
  std::optional<SocketId> result;
  for (SocketId id : chain(dst_port)) {
    const Sock& sk = sockets_.at(id);
    if (sk.b.local_addr != bound) continue;
    const int s = score(sk, dst_addr, src_addr, src_port, dif);
    if (s <= badness) continue;
    badness = s;
    result = id;
    if (sk.b.peer_addr || !sk.group) continue;  // TCP_ESTABLISHED, or no group
    const auto& g = groups_.at(*sk.group);
    // A group with connected members falls back to scoring (simplified: the
    // scan simply goes on instead of rescoring the group's pick).
    if (g.has_conns || g.members.empty()) continue;
    // reuseport_select_sock: reciprocal_scale(udp_ehashfn(...), num_socks).
    const std::uint64_t tuple = (std::uint64_t{dst_addr.to_u32()} << 32 | src_addr.to_u32()) ^
                                (std::uint64_t{dst_port} << 16 | src_port) * 0x100000001b3ull;
    const auto h = static_cast<std::uint32_t>(mix64(tuple ^ hash_secret_));
    return g.members[reciprocal_scale(h, static_cast<std::uint32_t>(g.members.size()))];
  }
  return result;
}

std::optional<SocketId> PortTable::lookup(Ipv4Address dst_addr, std::uint16_t dst_port, Ipv4Address src_addr,
                                          std::uint16_t src_port, int dif) const {
  // __udp4_lib_lookup: sockets bound to daddr first ("connected or
  // non-wildcard"), then the INADDR_ANY ones.
  if (auto r = lookup_pass(dst_addr, dst_addr, dst_port, src_addr, src_port, dif)) return r;
  if (dst_addr.is_unspecified()) return std::nullopt;
  return lookup_pass(Ipv4Address::unspecified(), dst_addr, dst_port, src_addr, src_port, dif);
}

std::vector<SocketId> PortTable::lookup_all(Ipv4Address dst_addr, std::uint16_t dst_port, Ipv4Address src_addr,
                                            std::uint16_t src_port, int dif) const {
  std::vector<SocketId> out;
  for (SocketId id : chain(dst_port)) {  // __udp_is_mcast_sock
    const Sock& sk = sockets_.at(id);
    if (sk.b.peer_addr && !sk.b.peer_addr->is_unspecified() && *sk.b.peer_addr != src_addr) continue;
    if (sk.b.peer_port && sk.b.peer_port != src_port) continue;
    if (!sk.b.local_addr.is_unspecified() && sk.b.local_addr != dst_addr) continue;
    if (sk.opt.bound_dev_if && sk.opt.bound_dev_if != dif) continue;
    out.push_back(id);
  }
  return out;
}

}  // namespace ipc::stack::udp
