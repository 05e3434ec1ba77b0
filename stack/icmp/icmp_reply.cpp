#include "stack/icmp/icmp_reply.hpp"

#include <vector>

#include "stack/wire/bytes.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::icmp {

namespace {
constexpr std::size_t kTimestampLen = 12;  // originate, receive, transmit

// icmp_reply: the rate limits, the route back and the reply's IP parameters.
SendResult reply(const wire::Ipv4Packet& request, const Arrival& arrival, IcmpContext& ctx, std::uint8_t type,
                 std::uint8_t code, std::uint32_t rest, std::span<const std::uint8_t> data) {
  bool apply = false;
  if (!ctx.limiter.global_allow(ctx.settings, type, code, ctx.now, apply)) return Suppressed::kRateLimited;
  const Ipv4Address saddr = reply_source(ctx.routes, arrival, request.src(), request.dst());
  auto back = route_back(ctx, request.src(), saddr);
  if (!back) return back.error();
  if (!ctx.limiter.peer_allow(ctx.settings, back->route.dst, back->out_loopback, apply, ctx.now))
    return Suppressed::kRateLimited;

  OutgoingIcmp out;
  wire::IcmpRepr repr{wire::IcmpOther{type, code, rest, data}};
  out.icmp.resize(repr.buffer_len());
  if (!repr.emit(out.icmp)) return Suppressed::kTruncated;
  out.src = back->route.src;
  out.dst = request.src();
  out.tos = request.tos();  // inet->tos = ip_hdr(skb)->tos: the whole byte
  out.ttl = ctx.settings.ip_default_ttl;
  out.oif = back->route.oif;
  out.mtu = back->route.mtu;
  out.echo_options = request.header_len() > wire::ipv4::kMinHeaderLen;
  return out;
}
}  // namespace

Ipv4Address reply_source(const ipv4::RoutingTable& routes, const Arrival& arrival, Ipv4Address peer,
                         Ipv4Address local_dst) {
  if (arrival.route_local && !arrival.route_broadcast && !arrival.route_multicast) return local_dst;
  // Broadcast or multicast: the preferred source of the route back to the
  // sender, or an address of the inbound device.
  if (!peer.is_zeronet()) {
    auto rt = routes.output_route(peer);
    if (rt) return rt->src;
    return routes.select_source(arrival.in_ifindex, peer, ipv4::Scope::kUniverse);
  }
  return routes.select_source(arrival.in_ifindex, peer, ipv4::Scope::kLink);
}

SendResult icmp_echo(std::span<const std::uint8_t> datagram, const Arrival& arrival, IcmpContext& ctx) {
  auto ip = wire::Ipv4Packet::check(datagram);
  if (!ip) return Suppressed::kTruncated;
  auto msg = wire::IcmpPacket::check(ip->payload());
  if (!msg) return Suppressed::kTruncated;
  if (ctx.settings.echo_ignore_all) return Suppressed::kEchoIgnored;
  return reply(*ip, arrival, ctx, wire::icmp::type::kEchoReply, msg->code(), msg->rest(), msg->data());
}

SendResult icmp_timestamp(std::span<const std::uint8_t> datagram, const Arrival& arrival, IcmpContext& ctx,
                          std::uint32_t ms_since_midnight) {
  auto ip = wire::Ipv4Packet::check(datagram);
  if (!ip) return Suppressed::kTruncated;
  auto msg = wire::IcmpPacket::check(ip->payload());
  if (!msg) return Suppressed::kTruncated;
  // "Too short": the originate timestamp must be there; the other two fields
  // of the request are not read.
  if (msg->data().size() < 4) return Suppressed::kTooShort;
  std::vector<std::uint8_t> times(kTimestampLen);
  std::copy_n(msg->data().begin(), 4, times.begin());
  wire::bytes::put32(times, 4, ms_since_midnight);
  wire::bytes::put32(times, 8, ms_since_midnight);
  return reply(*ip, arrival, ctx, wire::icmp::type::kTimestampReply, 0, msg->rest(), times);
}

std::uint32_t ms_since_midnight_ut(std::chrono::system_clock::time_point wall) {
  using namespace std::chrono;
  auto since_epoch = duration_cast<milliseconds>(wall.time_since_epoch()).count();
  constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
  auto r = since_epoch % kDayMs;
  if (r < 0) r += kDayMs;
  return static_cast<std::uint32_t>(r);
}

}  // namespace ipc::stack::icmp
