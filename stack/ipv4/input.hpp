// The receive path of an IPv4 datagram up to the transport layer, as Linux's
// ip_rcv_core, ip_rcv_finish_core (with ip_route_input_noref and
// ip_rcv_options) and ip_local_deliver (net/ipv4/ip_input.c, route.c,
// fib_frontend.c) do it for a host (forwarding off).
//
// Order, as in the kernel:
//  1. ip_rcv_core: PACKET_OTHERHOST; < 20 bytes, ihl < 5 or version != 4
//     (InHdrErrors); ihl*4 past the frame; header checksum (InCsumErrors);
//     tot_len > frame (InTruncatedPkts); tot_len < ihl*4 (InHdrErrors);
//     bytes past tot_len (Ethernet padding) trimmed.
//  2. the input route (ip_route_input_rcu / ip_route_input_slow): multicast
//     destinations need a membership (ip_check_mc_rcu); martian sources
//     (multicast, 255.255.255.255, 0/8, 127/8) and destinations (0/8, 127/8);
//     255.255.255.255 and subnet broadcasts; our addresses, after
//     fib_validate_source (a source that is one of our addresses is refused
//     unless accept_local; rp_filter 1/2); anything else is not ours
//     (dropped: ip_error counts InAddrErrors, no ICMP without forwarding).
//  3. ip_rcv_options when ihl > 5: compile_received_options (errors ->
//     ICMP parameter problem); a source route is dropped unless
//     accept_source_route, and then followed through our own addresses
//     (ip_options_rcv_srr); one that goes on elsewhere is dropped (we do not
//     forward).
//  4. drop_unicast_in_l2_multicast (RFC 1122 3.3.6), when set.
//  5. ip_local_deliver: fragments go to the reassembler.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "stack/ipv4/reassembly.hpp"
#include "stack/ipv4/route.hpp"
#include "stack/socket/ip_options_set.hpp"
#include "stack/wire/address.hpp"

namespace ipc::stack::ipv4 {

// skb->pkt_type from the link layer's destination address.
enum class LinkDelivery : std::uint8_t { kHost, kBroadcast, kMulticast, kOtherHost };

enum class InputDrop : std::uint8_t {
  kNone,
  kOtherHost,          // not our MAC (SKB_DROP_REASON_OTHERHOST)
  kHeaderError,        // IPSTATS_MIB_INHDRERRORS: short, version, ihl, tot_len < ihl*4
  kChecksum,           // IPSTATS_MIB_CSUMERRORS (+ INHDRERRORS)
  kTruncated,          // IPSTATS_MIB_INTRUNCATEDPKTS: tot_len beyond the frame
  kMartianSource,      // ip_route_input_slow martian_source / fib_validate_source
  kMartianDestination, // 0/8 or 127/8 destination
  kNotOurs,            // not local, no forwarding (IPSTATS_MIB_INADDRERRORS)
  kMulticastNotJoined, // no membership for the group on this device
  kBadOptions,         // ip_options_compile failed: ICMP parameter problem
  kSourceRoute,        // accept_source_route is 0, or the route leads elsewhere
  kUnicastInL2Multicast,
  kReassembly,         // the reassembler dropped it (Reassembler::last_drop)
};
const char* to_string(InputDrop);

// What the input route made of the destination.
enum class InputRouteKind : std::uint8_t { kLocal, kBroadcast, kMulticast };

struct InputConfig {
  bool accept_source_route = false;  // net.ipv4.conf.*.accept_source_route
  bool accept_local = false;         // net.ipv4.conf.*.accept_local
  int rp_filter = 0;                 // net.ipv4.conf.*.rp_filter (max of all and dev)
  bool drop_unicast_in_l2_multicast = false;
};

struct InputContext {
  const RoutingTable* routes = nullptr;
  int ifindex = 0;  // the receiving device
  LinkDelivery link = LinkDelivery::kHost;
  InputConfig config;
  // ip_check_mc_rcu: joined `group` on this device and (source filters) accepts `source`;
  // IGMP is always accepted for a joined group. 224.0.0.1 is always joined.
  std::function<bool(wire::Ipv4Address group, wire::Ipv4Address source, std::uint8_t protocol)> mc_accept;
  std::uint32_t timestamp = 0;  // inet_current_timestamp() for TS options
};

// A datagram for this host: the bytes after input processing (options with
// our RR/TS entries; reassembled if it came in fragments).
struct ReceivedDatagram {
  std::vector<std::uint8_t> packet;   // header + payload, tot_len bytes
  InputRouteKind kind = InputRouteKind::kLocal;
  wire::Ipv4Address spec_dst;         // fib_compute_spec_dst: IP_PKTINFO ipi_spec_dst, reply source
  socket::CompiledIpOptions options;  // IPCB(skb)->opt: offsets into the options area

  std::span<const std::uint8_t> header() const;
  std::span<const std::uint8_t> payload() const;
  // IP_RECVOPTS: the options as in the header now (ip_cmsg_recv_opts).
  std::span<const std::uint8_t> options_bytes() const;
  wire::Ipv4Address src() const;
  wire::Ipv4Address dst() const;
  std::uint8_t protocol() const;
  std::uint8_t ttl() const;
  std::uint8_t tos() const;
  std::uint16_t ident() const;
};

struct InputResult {
  enum class Verdict : std::uint8_t { kDeliver, kQueued, kDrop };
  Verdict verdict = Verdict::kDrop;
  InputDrop drop = InputDrop::kNone;
  // Set with kBadOptions (and a source route without room for an address):
  // the ICMP parameter problem pointer, counted from the IP header; `datagram`
  // then holds the packet to quote.
  std::optional<std::uint8_t> param_problem;
  ReceivedDatagram datagram;
};

// Step 1 alone: the checked datagram (trimmed to tot_len) or why not.
struct CoreCheck {
  InputDrop drop = InputDrop::kNone;
  std::span<const std::uint8_t> datagram;
};
CoreCheck check_received(std::span<const std::uint8_t> frame, LinkDelivery link);

// Step 2 alone.
struct InputRoute {
  InputDrop drop = InputDrop::kNone;
  InputRouteKind kind = InputRouteKind::kLocal;
};
InputRoute route_input(const InputContext& ctx, wire::Ipv4Address src, wire::Ipv4Address dst, std::uint8_t protocol);

// fib_compute_spec_dst.
wire::Ipv4Address compute_spec_dst(const InputContext& ctx, InputRouteKind kind, wire::Ipv4Address src,
                                   wire::Ipv4Address dst);

// The IP_RETOPTS cmsg of a delivered datagram (ip_cmsg_recv_retopts):
// absent when the header had no options; MSG_CTRUNC instead of a cmsg when
// ip_options_echo fails; else ip_options_echo + ip_options_undo, which may be
// empty (only NOPs: a cmsg of length 0).
struct RetoptsCmsg {
  bool present = false;
  bool ctrunc = false;
  std::vector<std::uint8_t> value;
};
RetoptsCmsg retopts_cmsg(const ReceivedDatagram& d, const RoutingTable& routes);

// The whole path, with reassembly state.
class Ipv4Input {
 public:
  using Clock = Reassembler::Clock;
  Ipv4Input() = default;
  explicit Ipv4Input(Reassembler::Limits limits) : reasm_(limits) {}

  InputResult receive(std::span<const std::uint8_t> frame, const InputContext& ctx, Clock::time_point now);
  // Reassembly timeouts (ICMP time exceeded for queues that had fragment 0).
  std::vector<Event> expire(Clock::time_point now);
  Reassembler& reassembler() { return reasm_; }

 private:
  struct FirstFragment {
    InputRouteKind kind;
    wire::Ipv4Address spec_dst;
    socket::CompiledIpOptions options;
  };
  Reassembler reasm_;
  std::map<FragmentKey, FirstFragment> firsts_;
};

}  // namespace ipc::stack::ipv4
