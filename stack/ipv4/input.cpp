#include "stack/ipv4/input.hpp"

#include "stack/ipv4/options_echo.hpp"
#include "stack/ipv4/options_rcv.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::ipv4 {

namespace f = wire::ipv4::field;
using wire::Ipv4Address;

const char* to_string(InputDrop d) {
  switch (d) {
    case InputDrop::kNone: return "none";
    case InputDrop::kOtherHost: return "otherhost";
    case InputDrop::kHeaderError: return "header-error";
    case InputDrop::kChecksum: return "checksum";
    case InputDrop::kTruncated: return "truncated";
    case InputDrop::kMartianSource: return "martian-source";
    case InputDrop::kMartianDestination: return "martian-destination";
    case InputDrop::kNotOurs: return "not-ours";
    case InputDrop::kMulticastNotJoined: return "multicast-not-joined";
    case InputDrop::kBadOptions: return "bad-options";
    case InputDrop::kSourceRoute: return "source-route";
    case InputDrop::kUnicastInL2Multicast: return "unicast-in-l2-multicast";
    case InputDrop::kReassembly: return "reassembly";
  }
  return "?";
}

std::span<const std::uint8_t> ReceivedDatagram::header() const {
  return std::span<const std::uint8_t>(packet).first(std::size_t{packet[f::kVersionIhl] & 0x0fu} * 4);
}
std::span<const std::uint8_t> ReceivedDatagram::payload() const {
  return std::span<const std::uint8_t>(packet).subspan(header().size());
}
std::span<const std::uint8_t> ReceivedDatagram::options_bytes() const {
  return header().subspan(wire::ipv4::kMinHeaderLen);
}
Ipv4Address ReceivedDatagram::src() const { return Ipv4Address::from_bytes(std::span(packet).subspan(f::kSrc)); }
Ipv4Address ReceivedDatagram::dst() const { return Ipv4Address::from_bytes(std::span(packet).subspan(f::kDst)); }
std::uint8_t ReceivedDatagram::protocol() const { return packet[f::kProtocol]; }
std::uint8_t ReceivedDatagram::ttl() const { return packet[f::kTtl]; }
std::uint8_t ReceivedDatagram::tos() const { return packet[f::kTos]; }
std::uint16_t ReceivedDatagram::ident() const { return wire::bytes::get16(packet, f::kIdent); }

CoreCheck check_received(std::span<const std::uint8_t> frame, LinkDelivery link) {
  // ip_rcv_core, in its order.
  if (link == LinkDelivery::kOtherHost) return {InputDrop::kOtherHost, {}};
  auto hdr = wire::Ipv4Packet::check_quoted(frame);
  // Short frame, version, ihl < 5, ihl*4 past the frame: all inhdr_error.
  if (!hdr) return {InputDrop::kHeaderError, {}};
  if (!hdr->verify_checksum()) return {InputDrop::kChecksum, {}};
  const std::size_t len = hdr->total_len();
  if (frame.size() < len) return {InputDrop::kTruncated, {}};
  if (len < hdr->header_len()) return {InputDrop::kHeaderError, {}};
  return {InputDrop::kNone, frame.first(len)};  // pskb_trim_rcsum: padding goes
}

namespace {

bool is_interface_address(const RoutingTable& rt, Ipv4Address a) {
  // inet_lookup_ifaddr_rcu: the configured local addresses only.
  for (const auto& i : rt.interfaces())
    for (const auto& ia : i.addresses)
      if (ia.local == a) return true;
  return false;
}

// fib_validate_source: 0 or a drop.
bool source_valid(const InputContext& ctx, Ipv4Address src) {
  const auto& cfg = ctx.config;
  if (cfg.rp_filter == 0) {
    if (cfg.accept_local) return true;
    return !is_interface_address(*ctx.routes, src);
  }
  // __fib_validate_source: a reverse lookup of the source.
  auto back = ctx.routes->output_route(src);
  if (!back) return false;  // last_resort with rpf -> -EXDEV
  if (back->type != RouteType::kUnicast && !(back->type == RouteType::kLocal && cfg.accept_local)) return false;
  if (back->oif == ctx.ifindex) return true;
  return cfg.rp_filter == 2;  // loose: any route back will do
}

}  // namespace

InputRoute route_input(const InputContext& ctx, Ipv4Address src, Ipv4Address dst, std::uint8_t protocol) {
  if (dst.is_multicast()) {
    // ip_route_input_rcu: only groups joined on this device (no mrouting).
    if (!ctx.mc_accept || !ctx.mc_accept(dst, src, protocol)) return {InputDrop::kMulticastNotJoined};
    // ip_mc_validate_source.
    if (src.is_multicast() || src.is_broadcast() || src.is_loopback()) return {InputDrop::kMartianSource};
    if (src.is_zeronet()) {
      if (!dst.is_local_multicast() && protocol != wire::ipproto::kIgmp) return {InputDrop::kMartianSource};
    } else if (!source_valid(ctx, src)) {
      return {InputDrop::kMartianSource};
    }
    return {InputDrop::kNone, InputRouteKind::kMulticast};
  }
  // ip_route_input_slow.
  if (src.is_multicast() || src.is_broadcast()) return {InputDrop::kMartianSource};
  const bool brd = dst.is_broadcast() || (src.is_unspecified() && dst.is_unspecified());
  if (!brd) {
    if (src.is_zeronet()) return {InputDrop::kMartianSource};
    if (dst.is_zeronet()) return {InputDrop::kMartianDestination};
    if (dst.is_loopback()) return {InputDrop::kMartianDestination};  // no route_localnet
    if (src.is_loopback()) return {InputDrop::kMartianSource};
    const AddrType type = ctx.routes->dev_addr_type(0, dst);
    if (type == RouteType::kLocal) {
      if (!source_valid(ctx, src)) return {InputDrop::kMartianSource};
      return {InputDrop::kNone, InputRouteKind::kLocal};
    }
    if (type != RouteType::kBroadcast) return {InputDrop::kNotOurs};
  }
  // brd_input
  if (!src.is_zeronet() && !source_valid(ctx, src)) return {InputDrop::kMartianSource};
  return {InputDrop::kNone, InputRouteKind::kBroadcast};
}

Ipv4Address compute_spec_dst(const InputContext& ctx, InputRouteKind kind, Ipv4Address src, Ipv4Address dst) {
  if (kind == InputRouteKind::kLocal) return dst;
  if (!src.is_zeronet()) {
    if (auto r = ctx.routes->output_route(src)) return r->src;
    return ctx.routes->select_source(ctx.ifindex, src, Scope::kUniverse);
  }
  return ctx.routes->select_source(ctx.ifindex, src, Scope::kLink);
}

RetoptsCmsg retopts_cmsg(const ReceivedDatagram& d, const RoutingTable& routes) {
  RetoptsCmsg c;
  if (d.options_bytes().empty()) return c;
  auto echo = echo_options(d.header(), d.options,
                           [&](Ipv4Address a) { return routes.addr_type(a) == RouteType::kUnicast; });
  if (!echo) {
    c.ctrunc = true;
    return c;
  }
  c.present = true;
  c.value = socket::ip_options_user_view(*echo);
  return c;
}

namespace {

// ip_options_rcv_srr for a host: follow the route through our own addresses.
// Returns kNone to deliver (daddr possibly rewritten), or a drop.
InputDrop follow_source_route(const InputContext& ctx, std::vector<std::uint8_t>& packet,
                              const socket::CompiledIpOptions& opt, std::optional<std::uint8_t>& pp) {
  const std::size_t at = wire::ipv4::kMinHeaderLen + static_cast<std::size_t>(opt.srr);
  const std::size_t space = packet[at + 1];
  const Ipv4Address src = Ipv4Address::from_bytes(std::span(packet).subspan(f::kSrc));
  for (std::size_t ptr = packet[at + 2]; ptr <= space; ptr += 4) {
    if (ptr + 3 > space) {
      pp = static_cast<std::uint8_t>(at + 2);
      return InputDrop::kBadOptions;
    }
    const Ipv4Address next = Ipv4Address::from_bytes(std::span(packet).subspan(at + ptr - 1));
    const auto r = route_input(ctx, src, next, packet[f::kProtocol]);
    // A next hop elsewhere would be forwarded (srr_is_hit): a host without
    // forwarding has an RTN_UNREACHABLE route there, so -EINVAL.
    if (r.drop != InputDrop::kNone || r.kind != InputRouteKind::kLocal) return InputDrop::kSourceRoute;
    next.write(std::span(packet).subspan(f::kDst));  // "superfast loopback forward"
  }
  return InputDrop::kNone;
}

InputResult dropped(InputDrop why) {
  InputResult r;
  r.drop = why;
  return r;
}

}  // namespace

InputResult Ipv4Input::receive(std::span<const std::uint8_t> frame, const InputContext& ctx, Clock::time_point now) {
  const CoreCheck core = check_received(frame, ctx.link);
  if (core.drop != InputDrop::kNone) return dropped(core.drop);
  const auto pkt = *wire::Ipv4Packet::check(core.datagram);

  const InputRoute route = route_input(ctx, pkt.src(), pkt.dst(), pkt.protocol());
  if (route.drop != InputDrop::kNone) return dropped(route.drop);

  InputResult res;
  auto& d = res.datagram;
  d.packet.assign(core.datagram.begin(), core.datagram.end());
  d.kind = route.kind;
  d.spec_dst = compute_spec_dst(ctx, route.kind, pkt.src(), pkt.dst());

  if (pkt.header_len() > wire::ipv4::kMinHeaderLen) {  // ip_rcv_options
    OptionsRcvContext octx;
    octx.spec_dst = d.spec_dst;
    octx.timestamp = ctx.timestamp;
    octx.is_unicast = [&](Ipv4Address a) { return ctx.routes->addr_type(a) == RouteType::kUnicast; };
    auto area = std::span<std::uint8_t>(d.packet).subspan(wire::ipv4::kMinHeaderLen,
                                                          pkt.header_len() - wire::ipv4::kMinHeaderLen);
    auto compiled = compile_received_options(area, octx);
    d.options = std::move(compiled.opt);
    if (compiled.param_problem) {
      res.drop = InputDrop::kBadOptions;
      res.param_problem = compiled.param_problem;
      return res;
    }
    if (d.options.srr >= 0) {
      if (!ctx.config.accept_source_route) {
        res.drop = InputDrop::kSourceRoute;
        return res;
      }
      if (ctx.link != LinkDelivery::kHost || route.kind != InputRouteKind::kLocal) {
        res.drop = InputDrop::kSourceRoute;
        return res;
      }
      res.drop = follow_source_route(ctx, d.packet, d.options, res.param_problem);
      if (res.drop != InputDrop::kNone) return res;
    }
  }

  if (route.kind == InputRouteKind::kLocal && ctx.link != LinkDelivery::kHost &&
      ctx.config.drop_unicast_in_l2_multicast) {
    res.drop = InputDrop::kUnicastInL2Multicast;
    return res;
  }

  // ip_local_deliver: ip_is_fragment -> ip_defrag.
  if (!pkt.more_frags() && pkt.frag_offset() == 0) {
    res.verdict = InputResult::Verdict::kDeliver;
    return res;
  }
  const auto view = *wire::Ipv4Packet::check(std::span<const std::uint8_t>(d.packet));
  Fragment frag;
  frag.key = FragmentKey{view.src().to_u32(), view.dst().to_u32(), view.ident(), view.protocol()};
  frag.offset_bytes = view.frag_offset();
  frag.more_fragments = view.more_frags();
  frag.header = view.header();
  frag.payload = view.payload();
  if (frag.offset_bytes == 0 && !firsts_.count(frag.key))
    firsts_.emplace(frag.key, FirstFragment{d.kind, d.spec_dst, d.options});
  auto [outcome, whole] = reasm_.add(frag, now);
  if (outcome == Outcome::Queued) {
    res.verdict = InputResult::Verdict::kQueued;
    return res;
  }
  if (outcome == Outcome::Dropped) {
    if (reasm_.last_drop() != DropReason::Duplicate && reasm_.last_drop() != DropReason::MemoryLimit)
      firsts_.erase(frag.key);
    res.drop = InputDrop::kReassembly;
    return res;
  }
  // Complete: the first fragment's header (with its processed options) leads.
  d.packet = std::move(whole->header);
  d.packet.insert(d.packet.end(), whole->payload.begin(), whole->payload.end());
  if (auto it = firsts_.find(frag.key); it != firsts_.end()) {
    d.kind = it->second.kind;
    d.spec_dst = it->second.spec_dst;
    d.options = std::move(it->second.options);
    firsts_.erase(it);
  }
  res.verdict = InputResult::Verdict::kDeliver;
  return res;
}

std::vector<Event> Ipv4Input::expire(Clock::time_point now) {
  auto events = reasm_.expire(now);
  // Forget the first-fragment notes of queues that are gone.
  for (const auto& e : events) firsts_.erase(e.key);
  if (reasm_.queues() == 0) firsts_.clear();
  return events;
}

}  // namespace ipc::stack::ipv4
