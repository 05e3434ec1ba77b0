#include "stack/core/stack.hpp"

#include "stack/core/mcast_env_adapter.hpp"

#include <cerrno>

#include "stack/core/tcp_sock.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"

namespace ipc::stack::core {

namespace {
constexpr int kLoopbackIndex = 1;
constexpr int kLoopbackMtu = 65536;
constexpr std::uint64_t kNeighbourSeed = 0x1b2c3d4e;
constexpr std::uint64_t kTcpSeed = 0x7c9d3a51;

Ipv4Address prefix_broadcast(Ipv4Address a, int len) {
  const std::uint32_t host = len >= 32 ? 0 : (0xffffffffu >> len);
  return Ipv4Address::from_u32(a.to_u32() | host);
}
}  // namespace

Stack::Stack(StackConfig config, FrameSink sink, Clock::time_point now)
    : config_(std::move(config)), sink_(std::move(sink)), now_(now), sysctl_({"lo", config_.ifname}) {
  rebuild_tables(now);
}

sysctl::SysctlResult Stack::sysctl_write(std::string_view path, std::string_view text) {
  auto r = sysctl_.write(path, text, caps_.net_admin);
  if (r.err == 0) apply_sysctls();
  if (r.err == 0 && path == "net/ipv4/route/flush") flush_pmtu();
  return r;
}

// The values the tables hold a copy of.
void Stack::apply_sysctls() {
  auto& pc = ports_.config();
  const auto range = sysctl_.ip_local_port_range();
  pc.local_port_range = {static_cast<std::uint16_t>(range.low), static_cast<std::uint16_t>(range.high)};
  pc.unprivileged_port_start = static_cast<std::uint32_t>(sysctl_.ip_unprivileged_port_start());
  tcp_table_.config().local_port_range = pc.local_port_range;
  tcp_table_.config().unprivileged_port_start = pc.unprivileged_port_start;
  tcp_table_.sysctls().ip_autobind_reuse = sysctl_.integer("net/ipv4/ip_autobind_reuse") != 0;
  tcp_settings_ = read_tcp_settings();  // in place: connections hold a reference
  ipv4::Reassembler::Limits limits;
  limits.high_thresh = static_cast<std::size_t>(sysctl_.ipfrag_high_thresh());
  limits.low_thresh = static_cast<std::size_t>(sysctl_.ipfrag_low_thresh());
  limits.timeout = std::chrono::milliseconds(sysctl_.ipfrag_time_ms());
  ipin_->reassembler().set_limits(limits);
  mcast_->limits().max_memberships = sysctl_.igmp_max_memberships();
  mcast_->limits().max_msf = sysctl_.igmp_max_msf();
  mcast_->igmp_config().qrv = sysctl_.igmp_qrv();
}

Stack::~Stack() = default;

void Stack::rebuild_tables(Clock::time_point now) {
  routes_ = ipv4::RoutingTable{};
  routes_.add_interface(kLoopbackIndex, "lo", kLoopbackMtu, true);
  routes_.add_address(kLoopbackIndex, Ipv4Address::loopback(), 8);
  routes_.add_interface(config_.ifindex, config_.ifname, config_.mtu, false);
  routes_.add_address(config_.ifindex, config_.address, static_cast<std::uint8_t>(config_.prefix_len),
                      prefix_broadcast(config_.address, config_.prefix_len));
  for (const auto& r : config_.routes) {
    ipv4::RouteSpec spec;
    spec.dst = r.dst;
    spec.prefix_len = static_cast<std::uint8_t>(r.prefix_len);
    spec.gateway = r.gateway;
    spec.oif = r.gateway ? 0 : config_.ifindex;
    routes_.add_route(spec);
  }
  neighbours_ = std::make_unique<link::NeighbourCache>(link::NeighbourConfig{}, kNeighbourSeed, now);
  for (const auto& n : config_.neighbours) apply(neighbours_->add_permanent(n.addr, n.mac, now));
  ipin_ = std::make_unique<ipv4::Ipv4Input>();
  icmp_limiter_.reset();
  ports_ = udp::PortTable{};
  tcp_table_ = tcp::TcpTable{};
  tcp_seed_ = kTcpSeed;  // connections after a reset draw the same ISNs (the fuzzer's seeds rely on it)
  flush_pmtu();
  inet_ids_.clear();
  loopback_.clear();
  reset_mcast();
  apply_sysctls();
}

void Stack::reset(Clock::time_point now) {
  now_ = now;
  sockets_.clear();
  tcp_orphans_.clear();
  tcp_index_.clear();
  sysctl_.reset();
  caps_ = Capabilities{};
  rebuild_tables(now);
}

int Stack::open_socket(std::unique_ptr<Socket> s) {
  // Descriptors as a fresh process would number them: the lowest free one
  // from 3 (get_unused_fd_flags).
  int fd = 3;
  while (sockets_.contains(fd)) ++fd;
  // A child that accept() returns keeps the id the TCP table knows it by.
  const bool fresh = s->id == 0;
  if (fresh) s->id = next_socket_id_++;
  if (s->kind == Kind::Udp) ports_.open(s->id);
  Socket* raw = s.get();
  sockets_.emplace(fd, std::move(s));
  if (fresh && raw->kind == Kind::Tcp) tcp_open(*raw);
  return fd;
}

Socket* Stack::socket(int fd) {
  auto it = sockets_.find(fd);
  return it == sockets_.end() ? nullptr : it->second.get();
}

void Stack::close_socket(int fd) {
  auto it = sockets_.find(fd);
  if (it == sockets_.end()) return;
  mcast::drop_socket(*mcast_, it->second->mc, now_);
  flush_igmp();
  if (it->second->kind == Kind::Udp) ports_.close(it->second->id);
  if (it->second->kind == Kind::Tcp) {
    auto s = std::move(it->second);
    sockets_.erase(it);
    tcp_close(std::move(s));
    return;
  }
  sockets_.erase(it);
}

bool Stack::queue_error(Socket& s, QueuedError e) {
  // sk_rmem_alloc + skb->truesize >= sk_rcvbuf -> -ENOMEM (the error is lost).
  e.truesize = e.payload.size() + kSkbTruesizeOverhead;
  if (s.rx_bytes + e.truesize >= static_cast<std::size_t>(s.sol.rcvbuf)) return false;
  s.rx_bytes += e.truesize;
  s.errq.push_back(std::move(e));
  return true;
}

std::vector<int> Stack::descriptors() const {
  std::vector<int> out;
  for (const auto& [fd, s] : sockets_) out.push_back(fd);
  return out;
}

void Stack::advance(Clock::time_point now) {
  now_ = now;
  apply(neighbours_->tick(now));
  mcast_->on_timer(now);
  flush_igmp();
  for (auto& ev : ipin_->expire(now)) reassembly_timeout(ev);
  tcp_timers();
  run_pending();
}

std::optional<Clock::time_point> Stack::next_deadline() const {
  std::optional<Clock::time_point> best;
  for (auto d : {neighbours_->next_deadline(), ipin_->reassembler().next_deadline(), mcast_->next_deadline(),
                 tcp_next_deadline()})
    if (d && (!best || *d < *best)) best = d;
  return best;
}

void Stack::transmit(int ifindex, wire::MacAddress dst, std::span<const std::uint8_t> ip_packet) {
  (void)ifindex;
  std::vector<std::uint8_t> frame(wire::ethernet::kHeaderLen + ip_packet.size());
  wire::EthernetRepr eth{config_.mac, dst, wire::ethertype::kIpv4};
  (void)eth.emit(frame);
  std::copy(ip_packet.begin(), ip_packet.end(), frame.begin() + wire::ethernet::kHeaderLen);
  sink_(frame);
}

void Stack::send_arp(const link::Solicit& s) {
  wire::ArpRepr arp;
  arp.operation = wire::arp::kOpRequest;
  arp.sender_hw = config_.mac;
  // arp_solicit: the source of the packet that triggered resolution when it
  // is ours (arp_announce 0), else the device's address.
  arp.sender_proto = s.source_hint && routes_.addr_type(*s.source_hint) == ipv4::RouteType::kLocal
                         ? *s.source_hint
                         : config_.address;
  arp.target_proto = s.target;
  std::vector<std::uint8_t> frame(wire::ethernet::kHeaderLen + wire::arp::kPacketLen);
  wire::EthernetRepr eth{config_.mac, s.unicast.value_or(wire::MacAddress::broadcast()),
                         wire::ethertype::kArp};
  (void)eth.emit(frame);
  (void)arp.emit(std::span(frame).subspan(wire::ethernet::kHeaderLen));
  sink_(frame);
}

void Stack::apply(link::Effects effects) {
  for (const auto& s : effects.solicits) send_arp(s);
  for (const auto& t : effects.transmits) transmit(config_.ifindex, t.destination, t.packet.bytes);
  // Packets whose neighbour never answered: ipv4_link_failure sends the
  // sender a host unreachable, which a local sender sees on its socket.
  for (const auto& u : effects.unreachable)
    icmp_send_error(u.packet.bytes, 3, 1, 0);
}

}  // namespace ipc::stack::core
