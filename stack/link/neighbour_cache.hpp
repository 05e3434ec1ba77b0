// The ARP neighbour cache with Linux's state machine (net/core/neighbour.c,
// net/ipv4/arp.c, include/net/neighbour.h; behaviour as of 6.x).
//
// No threads and no real time: every call takes `now`, timers fire from
// tick(now), and the caller arms its own timer from next_deadline(). Whatever
// the cache wants done (send an ARP request, transmit a packet that was
// waiting, report a packet unreachable) comes back as Effects.
//
// Not modelled: proxy ARP, arp_ignore/arp_filter/arp_announce (the caller
// decides who is local and which source address to use), app_probes
// (always 0), mcast_reprobes (always 0), NTF_ROUTER/EXT_LEARNED flags,
// reference counts (every entry is treated as unreferenced for gc).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <vector>

#include "stack/wire/address.hpp"
#include "stack/wire/arp.hpp"

namespace ipc::stack::link {

using wire::Ipv4Address;
using wire::MacAddress;

// enum nud_state values from include/uapi/linux/neighbour.h (bit flags there;
// one value at a time here). NOARP is not used for Ethernet unicast.
enum class NudState : std::uint8_t {
  None = 0x00,
  Incomplete = 0x01,
  Reachable = 0x02,
  Stale = 0x04,
  Delay = 0x08,
  Probe = 0x10,
  Failed = 0x20,
  Permanent = 0x80,
};
const char* to_string(NudState s);

// Sizes charged to the queue, as skb->truesize: the packet plus the sk_buff
// and skb_shared_info overhead (256 + 320 on x86_64, see SKB_TRUESIZE).
inline constexpr std::size_t kSkbOverhead = 576;

struct Packet {
  std::vector<std::uint8_t> bytes;        // an IPv4 datagram (no link header)
  std::optional<Ipv4Address> source;      // its source address, used as the ARP sender hint
  std::size_t truesize = 0;               // 0: bytes.size() + kSkbOverhead
  std::size_t charge() const { return truesize ? truesize : bytes.size() + kSkbOverhead; }
};

// An ARP request to send (arp_solicit). `unicast` set: a unicast probe to
// that MAC (PROBE state); otherwise broadcast. `source_hint` is the source
// address of the newest queued packet, which arp_solicit prefers (arp_announce 0).
struct Solicit {
  Ipv4Address target;
  std::optional<MacAddress> unicast;
  std::optional<Ipv4Address> source_hint;
};

struct Transmit {
  MacAddress destination;
  Packet packet;
};

// A queued packet given up on because resolution failed (neigh_invalidate ->
// arp_error_report -> ipv4_link_failure): the caller sends ICMP host
// unreachable for it.
struct Unreachable {
  Ipv4Address neighbour;
  Packet packet;
};

struct Effects {
  std::vector<Solicit> solicits;
  std::vector<Transmit> transmits;
  std::vector<Unreachable> unreachable;
  std::vector<Packet> discarded;  // silently dropped (queue over unres_qlen_bytes, FAILED without probes)
  void append(Effects&& other);
  bool empty() const { return solicits.empty() && transmits.empty() && unreachable.empty() && discarded.empty(); }
};

// Per-table parameters: arp_tbl in net/ipv4/arp.c, net.ipv4.neigh.default.*.
struct NeighbourConfig {
  std::chrono::milliseconds base_reachable_time{30000};
  std::chrono::milliseconds retrans_time{1000};
  std::chrono::milliseconds gc_stale_time{60000};
  std::chrono::milliseconds delay_first_probe_time{5000};
  std::chrono::milliseconds locktime{1000};  // ARP's LOCKTIME: 1 s
  unsigned ucast_solicit = 3;
  unsigned mcast_solicit = 3;
  std::size_t unres_qlen_bytes = 212992;  // SK_WMEM_MAX
  unsigned gc_thresh1 = 128;              // neigh_periodic_work does nothing below this
  bool arp_accept = false;                // net.ipv4.conf.*.arp_accept (0 or 1)
};

// One received ARP packet as arp_process sees it, with the facts that need
// the routing table filled in by the caller.
struct ArpInput {
  wire::ArpRepr arp;
  bool to_host = true;             // skb->pkt_type == PACKET_HOST (unicast to our MAC)
  bool target_is_local = false;    // tip is one of our addresses (RTN_LOCAL)
  bool sender_is_unicast = true;   // inet_addr_type(sip) == RTN_UNICAST
};

struct ArpOutcome {
  bool send_reply = false;  // tip is ours: answer with an ARP reply to sha
  Effects effects;
};

struct NeighbourInfo {
  NudState state = NudState::None;
  MacAddress mac;
  std::size_t queued_packets = 0;
  std::size_t queued_bytes = 0;
  unsigned probes = 0;
};

class NeighbourCache {
 public:
  using Clock = std::chrono::steady_clock;

  // `seed` drives the reachable_time randomisation (neigh_rand_reach_time).
  NeighbourCache(NeighbourConfig config, std::uint64_t seed, Clock::time_point now);

  // Send `pkt` to next hop `addr` (neigh_resolve_output / __neigh_event_send):
  // a Transmit when the MAC is usable, else the packet is queued and maybe a
  // Solicit is emitted.
  Effects output(Ipv4Address addr, Packet pkt, Clock::time_point now);
  // The MAC an entry in a valid state holds, without side effects.
  std::optional<MacAddress> lookup(Ipv4Address addr) const;

  // Received ARP (arp_process, after the packet checks in arp_rcv).
  ArpOutcome process_arp(const ArpInput& in, Clock::time_point now);
  // Upper-layer reachability confirmation (neigh_confirm, e.g. a TCP ACK).
  void confirm(Ipv4Address addr, Clock::time_point now);

  // Static entries (ip neigh replace ... nud permanent / ip neigh del).
  Effects add_permanent(Ipv4Address addr, MacAddress mac, Clock::time_point now);
  Effects remove(Ipv4Address addr, Clock::time_point now);
  // ip neigh flush: delete every non-permanent entry.
  Effects flush(Clock::time_point now);

  // Runs due timers (neigh_timer_handler) and re-randomises reachable_time
  // every 300 s as neigh_periodic_work does.
  Effects tick(Clock::time_point now);
  // neigh_periodic_work's garbage collection.
  void gc(Clock::time_point now);
  std::optional<Clock::time_point> next_deadline() const;

  std::optional<NeighbourInfo> info(Ipv4Address addr) const;
  std::size_t size() const { return entries_.size(); }
  std::chrono::milliseconds reachable_time() const { return reachable_time_; }

 private:
  struct Entry {
    NudState state = NudState::None;
    MacAddress ha;
    Clock::time_point updated{};
    Clock::time_point confirmed{};
    Clock::time_point used{};
    std::optional<Clock::time_point> timer;
    unsigned probes = 0;
    std::vector<Packet> queue;  // arp_queue, oldest first
    std::size_t queue_bytes = 0;
  };
  enum UpdateFlags : unsigned { kOverride = 1, kAdmin = 2 };

  Entry& create(Ipv4Address addr, Clock::time_point now);
  Effects event_send(Ipv4Address addr, Entry& e, std::optional<Packet> pkt, Clock::time_point now);
  Effects update(Ipv4Address addr, Entry& e, std::optional<MacAddress> lladdr, NudState state, unsigned flags,
                 Clock::time_point now);
  Effects timer_handler(Ipv4Address addr, Entry& e, Clock::time_point now);
  Solicit probe(Ipv4Address addr, Entry& e);
  Effects invalidate(Ipv4Address addr, Entry& e);
  unsigned max_probes(const Entry& e) const;
  std::chrono::milliseconds rand_reach_time();
  void maybe_rerandomise(Clock::time_point now);

  NeighbourConfig config_;
  std::mt19937_64 rng_;
  std::chrono::milliseconds reachable_time_;
  Clock::time_point last_rand_;
  std::map<Ipv4Address, Entry> entries_;
};

}  // namespace ipc::stack::link
