#include "stack/icmp/icmp_receive.hpp"

#include "stack/wire/ipv4.hpp"

namespace ipc::stack::icmp {

namespace {
namespace type = wire::icmp::type;
constexpr std::uint8_t kNrIcmpTypes = 18;    // NR_ICMP_TYPES
constexpr std::uint8_t kAddressRequest = 17;  // ICMP_ADDRESS
constexpr std::uint8_t kAddressReply = 18;    // ICMP_ADDRESSREPLY
}  // namespace

const char* to_string(InputDropped d) {
  switch (d) {
    case InputDropped::kTruncated: return "truncated";
    case InputDropped::kBadChecksum: return "bad-checksum";
    case InputDropped::kUnknownType: return "unknown-type";
    case InputDropped::kBroadcastQuery: return "broadcast-query";
    case InputDropped::kBroadcastOther: return "broadcast-other";
    case InputDropped::kDiscarded: return "discarded";
  }
  return "?";
}

IcmpInput icmp_receive(std::span<const std::uint8_t> datagram, const Arrival& arrival, IcmpContext& ctx,
                       std::uint32_t ms_since_midnight_ut) {
  auto ip = wire::Ipv4Packet::check(datagram);
  if (!ip) return InputDropped::kTruncated;
  auto msg = wire::IcmpPacket::check(ip->payload());
  if (!msg) return InputDropped::kTruncated;
  if (!msg->verify_checksum()) return InputDropped::kBadChecksum;
  const std::uint8_t t = msg->type();
  // "18 is the highest 'known' ICMP type. Anything else is a mystery"
  // (ICMP_EXT_ECHO, 42, goes to icmp_echo, which ignores it while
  // icmp_echo_enable_probe is 0; its reply type 43 is for ping sockets).
  if (t > kNrIcmpTypes) return InputDropped::kUnknownType;

  if (arrival.route_broadcast || arrival.route_multicast) {
    // RFC 1122 3.2.2.6 / 3.2.2.8: echo and timestamp to broadcast MAY be ignored.
    if ((t == type::kEchoRequest || t == type::kTimestamp) && ctx.settings.echo_ignore_broadcasts)
      return InputDropped::kBroadcastQuery;
    if (t != type::kEchoRequest && t != type::kTimestamp && t != kAddressRequest && t != kAddressReply)
      return InputDropped::kBroadcastOther;
  }

  switch (t) {
    case type::kEchoReply:
      return EchoReplyForPing{msg->echo_ident(), msg->echo_seq()};
    case type::kEchoRequest:
      return icmp_echo(datagram, arrival, ctx);
    case type::kTimestamp:
      return icmp_timestamp(datagram, arrival, ctx, ms_since_midnight_ut);
    case type::kDestUnreachable:
    case type::kSourceQuench:
    case type::kRedirect:
    case type::kTimeExceeded:
    case type::kParameterProblem: {
      bool bcast = false;
      if (auto quoted = wire::Ipv4Packet::check_quoted(msg->data()))
        bcast = ctx.routes.dev_addr_type(arrival.in_ifindex, quoted->dst()) == ipv4::AddrType::kBroadcast;
      auto parsed = parse_icmp_error(msg->bytes(), ip->src(), ip->ttl(), ip->tos(), ctx.settings, bcast);
      if (auto* e = std::get_if<ReceivedIcmpError>(&parsed)) return std::move(*e);
      return std::get<ErrorDropped>(parsed);
    }
    default:
      return InputDropped::kDiscarded;
  }
}

}  // namespace ipc::stack::icmp
