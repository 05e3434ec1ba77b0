// ICMP: echo, the errors the host sends (icmp_send) and the errors it
// receives, delivered to the sockets they concern (icmp_unreach,
// __udp4_lib_err, raw_icmp_error), and the learnt path MTUs.
#include <cerrno>

#include "stack/core/stack.hpp"
#include "stack/socket/ip_sockopt_names.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/udp.hpp"

namespace ipc::stack::core {

namespace {
constexpr std::uint8_t kProtoIcmp = 1, kProtoUdp = 17;
constexpr std::uint8_t kEchoReply = 0, kDestUnreach = 3, kSourceQuench = 4, kRedirect = 5, kEcho = 8,
                       kTimeExceeded = 11, kParamProb = 12;
constexpr std::uint8_t kFragNeeded = 4;

// icmp_err_convert (net/ipv4/icmp.c): errno and "fatal" per unreachable code.
struct ErrConvert {
  int err;
  bool fatal;
};
constexpr ErrConvert kUnreachConvert[] = {
    {ENETUNREACH, true},  {EHOSTUNREACH, true}, {ENOPROTOOPT, true},  {ECONNREFUSED, true},
    {EMSGSIZE, false},    {EOPNOTSUPP, false},  {ENETUNREACH, true},  {EHOSTDOWN, true},
    {ENONET, true},       {ENETUNREACH, true},  {EHOSTUNREACH, true}, {ENETUNREACH, false},
    {EHOSTUNREACH, false}, {EHOSTUNREACH, true}, {EHOSTUNREACH, true}, {EHOSTUNREACH, true},
};

std::uint16_t checksum16(std::span<const std::uint8_t> b) { return wire::internet_checksum(b); }

bool is_error_type(std::uint8_t t) {
  return t == kDestUnreach || t == kSourceQuench || t == kRedirect || t == kTimeExceeded || t == kParamProb;
}
}  // namespace

int Stack::path_mtu(Ipv4Address dst) const {
  auto it = pmtu_.find(dst.to_u32());
  if (it == pmtu_.end() || it->second.expires <= now_) return 0;
  return it->second.mtu;
}

void Stack::icmp_input(const std::vector<std::uint8_t>& packet, int ifindex) {
  auto ip = wire::Ipv4Packet::check(std::span<const std::uint8_t>(packet));
  if (!ip) return;
  auto icmp = ip->payload();
  if (icmp.size() < 8 || checksum16(icmp) != 0) return;  // icmp_rcv: csum error
  const std::uint8_t type = icmp[0];
  if (type == kEcho) {
    if (sysctl_.icmp_echo_ignore_all()) return;
    const bool bcast = ip->dst().is_multicast() || ip->dst().is_broadcast() ||
                       routes_.addr_type(ip->dst()) == ipv4::RouteType::kBroadcast;
    if (bcast && sysctl_.icmp_echo_ignore_broadcasts()) return;
    std::vector<std::uint8_t> reply(icmp.begin(), icmp.end());
    reply[0] = kEchoReply;
    reply[2] = reply[3] = 0;
    const std::uint16_t c = checksum16(reply);
    reply[2] = static_cast<std::uint8_t>(c >> 8);
    reply[3] = static_cast<std::uint8_t>(c);
    // icmp_reply: from the address the request was sent to when it is ours,
    // else the route's choice.
    Ipv4Address saddr = bcast ? Ipv4Address{} : ip->dst();
    auto rt = routes_.output_route(ip->src(), saddr, 0, {}, false, false);
    if (!rt) return;
    OutputArgs a;
    a.route = *rt;
    a.src = rt->src;
    a.dst = ip->src();
    a.protocol = kProtoIcmp;
    a.ttl = static_cast<std::uint8_t>(sysctl_.ip_default_ttl());
    a.tos = ip->tos();
    a.payload = reply;
    (void)ip_output(a);
    (void)ifindex;
    return;
  }
  if (is_error_type(type)) deliver_icmp_error(packet, ifindex);
}

void Stack::icmp_send_error(const std::vector<std::uint8_t>& offending, std::uint8_t type, std::uint8_t code,
                            std::uint32_t info) {
  auto ip = wire::Ipv4Packet::check(std::span<const std::uint8_t>(offending));
  if (!ip) return;
  // icmp_send: never about a non-first fragment, a multicast or broadcast
  // destination, an ICMP error, or to a source that is not a host.
  if (ip->frag_offset() != 0) return;
  const Ipv4Address dst = ip->dst(), src = ip->src();
  if (dst.is_multicast() || dst.is_broadcast() || routes_.addr_type(dst) == ipv4::RouteType::kBroadcast) return;
  if (src.is_unspecified() || src.is_multicast() || src.is_broadcast()) return;
  if (ip->protocol() == kProtoIcmp) {
    auto p = ip->payload();
    if (p.size() < 1 || is_error_type(p[0])) return;
  }
  // icmpv4_xrlim_allow: rate limited per destination for the types in
  // icmp_ratemask (a token bucket in Linux; one per interval here).
  if (sysctl_.icmp_ratelimit_ms() > 0 && (sysctl_.icmp_ratemask() & (1 << type))) {
    auto it = icmp_last_.find(src.to_u32());
    if (it != icmp_last_.end() && now_ - it->second < std::chrono::milliseconds(sysctl_.icmp_ratelimit_ms())) return;
    icmp_last_[src.to_u32()] = now_;
  }
  // Source: the address the offending packet was sent to when it is ours.
  Ipv4Address saddr = routes_.addr_type(dst) == ipv4::RouteType::kLocal ? dst : Ipv4Address{};
  auto rt = routes_.output_route(src, saddr, 0, {}, false, false);
  if (!rt) return;
  // Quote as much as fits in 576 bytes (room = 576 - IP header - 8).
  const std::size_t room = 576 - 20 - 8;
  const std::size_t quoted = std::min(offending.size(), room);
  std::vector<std::uint8_t> msg(8 + quoted);
  msg[0] = type;
  msg[1] = code;
  msg[4] = static_cast<std::uint8_t>(info >> 24);
  msg[5] = static_cast<std::uint8_t>(info >> 16);
  msg[6] = static_cast<std::uint8_t>(info >> 8);
  msg[7] = static_cast<std::uint8_t>(info);
  std::copy_n(offending.begin(), quoted, msg.begin() + 8);
  const std::uint16_t c = checksum16(msg);
  msg[2] = static_cast<std::uint8_t>(c >> 8);
  msg[3] = static_cast<std::uint8_t>(c);
  OutputArgs a;
  a.route = *rt;
  a.src = rt->src;
  a.dst = src;
  a.protocol = kProtoIcmp;
  a.ttl = static_cast<std::uint8_t>(sysctl_.ip_default_ttl());
  a.tos = static_cast<std::uint8_t>((ip->tos() & 0x1e) | 0xc0);  // IPTOS_PREC_INTERNETCONTROL
  a.payload = msg;
  (void)ip_output(a);
}

void Stack::deliver_icmp_error(const std::vector<std::uint8_t>& packet, int ifindex) {
  auto ip = wire::Ipv4Packet::check(std::span<const std::uint8_t>(packet));
  if (!ip) return;
  auto icmp = ip->payload();
  const std::uint8_t type = icmp[0], code = icmp[1];
  auto quoted_bytes = icmp.subspan(8);
  auto q = wire::Ipv4Packet::check_quoted(quoted_bytes);
  if (!q || q->header_len() + 8 > quoted_bytes.size()) return;  // icmp_unreach: too short
  const std::uint32_t rest = (std::uint32_t{icmp[4]} << 24) | (std::uint32_t{icmp[5]} << 16) |
                             (std::uint32_t{icmp[6]} << 8) | icmp[7];
  std::uint32_t info = 0;
  int err = 0;
  bool harderr = false;
  bool frag_needed = false;
  switch (type) {
    case kDestUnreach:
      if (code > 15) return;
      if (code == kFragNeeded) {
        frag_needed = true;
        info = rest & 0xffff;
        // __ip_rt_update_pmtu: never below min_pmtu, only ever lower.
        int mtu = static_cast<int>(info);
        if (mtu < sysctl_.route_min_pmtu()) mtu = sysctl_.route_min_pmtu();
        const int cur = path_mtu(q->dst()) ? path_mtu(q->dst()) : config_.mtu;
        if (mtu < cur)
          pmtu_[q->dst().to_u32()] = {mtu, now_ + std::chrono::milliseconds(sysctl_.route_mtu_expires_ms())};
      }
      err = kUnreachConvert[code].err;
      harderr = kUnreachConvert[code].fatal;
      break;
    case kTimeExceeded: err = EHOSTUNREACH; break;
    case kParamProb:
      err = EPROTO;
      harderr = true;
      info = rest >> 24;
      break;
    default: return;  // source quench, redirect: nothing for the socket
  }
  auto quoted_payload = quoted_bytes.subspan(q->header_len());

  auto queue = [&](Socket& s, std::span<const std::uint8_t> payload, std::uint16_t port) {
    QueuedError e;
    e.ee_errno = static_cast<std::uint32_t>(err);
    e.origin = 2;  // SO_EE_ORIGIN_ICMP
    e.type = type;
    e.code = code;
    e.info = info;
    e.offender = ip->src();
    e.has_offender = true;
    e.payload.assign(payload.begin(), payload.end());
    e.addr = q->dst();
    e.port = port;
    e.meta.src = ip->src();
    e.meta.dst = ip->dst();
    e.meta.ifindex = ifindex;
    e.meta.ttl = ip->ttl();
    e.meta.tos = ip->tos();
    e.meta.spec_dst = ip->dst();
    e.meta.stamp = now_;
    e.meta.wall_stamp = std::chrono::system_clock::now();
    s.errq.push_back(std::move(e));
  };

  if (q->protocol() == kProtoUdp) {
    const std::uint16_t sport = static_cast<std::uint16_t>((quoted_payload[0] << 8) | quoted_payload[1]);
    const std::uint16_t dport = static_cast<std::uint16_t>((quoted_payload[2] << 8) | quoted_payload[3]);
    auto id = ports_.lookup(q->src(), sport, q->dst(), dport, ifindex);
    for (auto& [fd, sp] : sockets_) {
      Socket& s = *sp;
      if (!id || s.kind != Kind::Udp || s.id != *id) continue;
      // __udp4_lib_err
      if (frag_needed && s.ip.pmtudisc == socket::pmtudisc::kDont) break;
      if (frag_needed) harderr = true;
      if (!s.ip.recverr) {
        if (!harderr || !s.connected) break;
      } else {
        queue(s, quoted_payload.subspan(8), dport);
      }
      s.sol.sk_err = err;
      break;
    }
  }
  // raw_icmp_error: every raw socket of the quoted protocol that matches.
  for (auto& [fd, sp] : sockets_) {
    Socket& s = *sp;
    if (s.kind != Kind::Raw || s.protocol != q->protocol()) continue;
    if (!s.raw_local.is_unspecified() && s.raw_local != q->src()) continue;
    if (s.raw_peer && !s.raw_peer->is_unspecified() && *s.raw_peer != q->dst()) continue;
    bool hard = harderr;
    if (frag_needed) {
      if (s.ip.pmtudisc == socket::pmtudisc::kDont) continue;
      hard = s.ip.pmtudisc != socket::pmtudisc::kDont;
    }
    if (!s.ip.recverr && !s.raw_peer) continue;
    if (s.ip.recverr) queue(s, s.ip.hdrincl ? quoted_bytes : quoted_payload, 0);
    if (s.ip.recverr || hard) s.sol.sk_err = err;
  }
}

}  // namespace ipc::stack::core
