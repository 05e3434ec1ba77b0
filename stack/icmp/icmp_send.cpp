#include "stack/icmp/icmp_send.hpp"

#include <algorithm>

#include "stack/wire/ipv4.hpp"

namespace ipc::stack::icmp {

namespace {
constexpr int kNrIcmpTypes = 18;                   // NR_ICMP_TYPES
constexpr std::uint8_t kTosMask = 0x1e;            // IPTOS_TOS_MASK (RT_TOS)
constexpr std::uint8_t kPrecInternetControl = 0xc0;  // IPTOS_PREC_INTERNETCONTROL
constexpr int kMaxErrorLen = 576;                  // RFC 1812 4.3.2.3
// INADDR_DUMMY (192.0.0.8): __icmp_send's source when routing found none.
constexpr Ipv4Address kDummySource{192, 0, 0, 8};

// ip_route_input_slow drops martian sources before any protocol sees the
// datagram, so __icmp_send never meets them: multicast, limited broadcast,
// 0/8, and 127/8 arriving on a device that is not loopback.
bool martian_source(Ipv4Address src, bool in_loopback) {
  return src.is_multicast() || src.is_broadcast() || src.is_zeronet() || (src.is_loopback() && !in_loopback);
}
}  // namespace

const char* to_string(Suppressed s) {
  switch (s) {
    case Suppressed::kTruncated: return "truncated";
    case Suppressed::kNotForHost: return "not-for-host";
    case Suppressed::kBroadcastOrMulticast: return "broadcast-or-multicast";
    case Suppressed::kNotFirstFragment: return "not-first-fragment";
    case Suppressed::kAboutIcmpError: return "about-icmp-error";
    case Suppressed::kBadSource: return "bad-source";
    case Suppressed::kEchoIgnored: return "echo-ignored";
    case Suppressed::kTooShort: return "too-short";
    case Suppressed::kRateLimited: return "rate-limited";
    case Suppressed::kNoRoute: return "no-route";
    case Suppressed::kMtuTooSmall: return "mtu-too-small";
  }
  return "?";
}

bool is_error_type(std::uint8_t type) {
  switch (type) {
    case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 9: case 10: case 11: case 12:
      return true;
    default:
      return false;
  }
}

wire::Result<RouteBack, Suppressed> route_back(IcmpContext& ctx, Ipv4Address dst, Ipv4Address src_hint) {
  auto rt = ctx.routes.output_route(dst, src_hint);
  if (!rt) return Suppressed::kNoRoute;
  const ipv4::Interface* dev = ctx.routes.interface(rt->oif);
  RouteBack back{*rt, dev != nullptr && dev->loopback};
  if (ctx.pmtu != nullptr) back.route.mtu = ctx.pmtu->mtu(rt->dst, rt->mtu, ctx.now);
  return back;
}

SendResult icmp_send(std::span<const std::uint8_t> datagram, const Arrival& arrival, const IcmpErrorSpec& error,
                     IcmpContext& ctx, std::size_t echoed_options_len) {
  auto ip = wire::Ipv4Packet::check_quoted(datagram);
  if (!ip) return Suppressed::kTruncated;
  // "No replies to physical multicast/broadcast".
  if (!arrival.link_host) return Suppressed::kNotForHost;
  // "Now check at the protocol level".
  if (arrival.route_broadcast || arrival.route_multicast) return Suppressed::kBroadcastOrMulticast;
  // "Only reply to fragment 0."
  if (ip->frag_offset() != 0) return Suppressed::kNotFirstFragment;
  // "If we send an ICMP error to an ICMP error a mess would result": unknown
  // types count as errors, and so does a datagram too short to hold a type.
  if (is_error_type(error.type) && ip->protocol() == wire::ipproto::kIcmp) {
    auto inner = ip->payload();
    if (inner.empty()) return Suppressed::kAboutIcmpError;
    if (inner[0] > kNrIcmpTypes || is_error_type(inner[0])) return Suppressed::kAboutIcmpError;
  }
  if (martian_source(ip->src(), arrival.in_loopback)) return Suppressed::kBadSource;

  // Host-wide limit, skipped for datagrams that came in on loopback.
  bool apply = false;
  if (!arrival.in_loopback && !ctx.limiter.global_allow(ctx.settings, error.type, error.code, ctx.now, apply))
    return Suppressed::kRateLimited;

  // Source: the address the datagram was sent to when it was for us; else
  // (not the case for a host that does not forward) routing's choice, or the
  // inbound interface's with icmp_errors_use_inbound_ifaddr.
  Ipv4Address saddr = ip->dst();
  if (!arrival.route_local) {
    saddr = Ipv4Address{};
    if (ctx.settings.errors_use_inbound_ifaddr && arrival.in_ifindex != 0)
      saddr = ctx.routes.select_source(arrival.in_ifindex, ip->src(), ipv4::Scope::kLink);
  }
  // Errors: the request's TOS bits of RFC 1349 with precedence 6; others
  // keep the TOS byte.
  const std::uint8_t tos = is_error_type(error.type)
                               ? static_cast<std::uint8_t>((ip->tos() & kTosMask) | kPrecInternetControl)
                               : ip->tos();

  // icmp_route_lookup: back to the datagram's source.
  auto back = route_back(ctx, ip->src(), saddr);
  if (!back) return back.error();
  // Per-destination limit (icmpv4_xrlim_allow).
  if (!ctx.limiter.peer_allow(ctx.settings, back->route.dst, back->out_loopback, apply, ctx.now))
    return Suppressed::kRateLimited;

  // "RFC says return as much as we can without exceeding 576 bytes."
  int room = std::min(back->route.mtu, kMaxErrorLen);
  room -= static_cast<int>(wire::ipv4::kMinHeaderLen + echoed_options_len);
  room -= static_cast<int>(wire::icmp::kHeaderLen);
  // "Guard against tiny mtu": at least an IP header must fit.
  if (room <= static_cast<int>(wire::ipv4::kMinHeaderLen)) return Suppressed::kMtuTooSmall;
  const std::size_t quote_len = std::min(datagram.size(), static_cast<std::size_t>(room));

  OutgoingIcmp out;
  wire::IcmpRepr repr{wire::IcmpOther{error.type, error.code, error.rest, datagram.first(quote_len)}};
  out.icmp.resize(repr.buffer_len());
  auto written = repr.emit(out.icmp);
  if (!written) return Suppressed::kTruncated;  // cannot happen: the buffer is sized for it
  out.src = back->route.src.is_unspecified() ? kDummySource : back->route.src;
  out.dst = ip->src();
  out.tos = tos;
  out.ttl = ctx.settings.ip_default_ttl;
  out.oif = back->route.oif;
  out.mtu = back->route.mtu;
  out.echo_options = ip->header_len() > wire::ipv4::kMinHeaderLen;
  return out;
}

}  // namespace ipc::stack::icmp
