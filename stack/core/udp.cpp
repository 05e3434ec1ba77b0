// UDP sockets: bind, connect and autobind through the port table
// (__inet_bind, __ip4_datagram_connect, inet_autobind, __udp_disconnect).
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "stack/core/stack.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/udp.hpp"

namespace ipc::stack::core {

namespace {
constexpr std::uint8_t kProtoUdp = 17;
constexpr int kIpMaxMtu = 0xFFFF;
namespace pmtu = socket::pmtudisc;
}  // namespace

const udp::Binding* Stack::udp_binding(const Socket& s) const { return ports_.binding(s.id); }

int Stack::udp_bind(Socket& s, Ipv4Address addr, std::uint16_t port) {
  sync_port_options(s);
  udp::BindFacts facts;
  facts.cap_net_bind_service = caps_.net_bind_service;
  const int err = ports_.bind(s.id, addr, port, facts);
  return -err;
}

int Stack::udp_connect(Socket& s, Ipv4Address addr, std::uint16_t port) {
  const udp::Binding* b = ports_.binding(s.id);
  // __ip4_datagram_connect: the route to the peer, from the bound address.
  ipv4::OutputFlags flags;
  flags.any_src = s.ip.transparent;
  auto rt = socket_route(s, addr, addr, b ? b->local_addr : Ipv4Address{}, s.sol.bound_dev_if, flags);
  if (!rt) return -rt.error();
  if (rt->broadcast && !s.sol.broadcast) return -EACCES;
  // __ip4_datagram_connect keeps fl4->daddr: INADDR_ANY has become
  // 127.0.0.1 (ip_route_output_key_hash_rcu).
  ports_.connect(s.id, rt->dst, port, rt->src);
  s.connected = true;
  s.peer = rt->dst;
  s.peer_port = port;
  // ipv4_mtu: the device MTU, capped at IP_MAX_MTU (65535: lo has 65536).
  s.cached_path_mtu = dst_mtu(addr, *rt);  // IP_MTU: dst_mtu(sk_dst_get(sk)), ipv4_mtu (learnt PMTU, <= IP_MAX_MTU)
  return 0;
}

int Stack::udp_autobind(Socket& s) {
  const udp::Binding* b = ports_.binding(s.id);
  if (b && b->local_port != 0) return 0;
  sync_port_options(s);
  return ports_.autobind(s.id) ? -EAGAIN : 0;
}

int Stack::raw_connect(Socket& s, Ipv4Address addr) {
  int oif = s.sol.bound_dev_if;
  Ipv4Address saddr = s.raw_local;
  if (addr.is_multicast()) {
    if (!oif) oif = s.mc.mc_index;
    if (saddr.is_unspecified()) saddr = s.mc.mc_addr;
  } else if (!oif) {
    oif = s.mc.uc_index;
  }
  ipv4::OutputFlags flags;
  flags.any_src = s.ip.transparent;
  auto rt = routes_.output_route(addr, saddr, oif, flags, s.protocol == 2, addr.is_multicast() && mc_member(addr, oif));
  if (!rt) return -rt.error();
  if (rt->broadcast && !s.sol.broadcast) return -EACCES;
  // __ip4_datagram_connect fills in an unset local address.
  if (s.raw_local.is_unspecified()) {
    s.raw_local = rt->src;
    s.raw_local_from_connect = true;
  }
  s.raw_peer = rt->dst;
  s.peer = rt->dst;
  s.cached_path_mtu = dst_mtu(addr, *rt);  // IP_MTU: dst_mtu(sk_dst_get(sk)), ipv4_mtu
  return 0;
}

udp::SocketOptions port_options(const Socket& s) {
  udp::SocketOptions o;
  o.bind_address_no_port = s.ip.bind_address_no_port;
  o.port_range_low = static_cast<std::uint16_t>(s.ip.local_port_range & 0xffff);
  o.port_range_high = static_cast<std::uint16_t>(s.ip.local_port_range >> 16);
  o.reuse_addr = s.sol.reuseaddr;
  o.reuse_port = s.sol.reuseport;
  o.bound_dev_if = s.sol.bound_dev_if;
  return o;
}

void Stack::sync_port_options(Socket& s) { ports_.set_options(s.id, port_options(s)); }

int Stack::udp_disconnect(Socket& s) {
  ports_.disconnect(s.id);
  s.connected = false;
  s.peer = {};
  s.peer_port = 0;
  s.cached_path_mtu = 0;
  return 0;
}

}  // namespace ipc::stack::core
