// IPv4 fragment reassembly, modelled on Linux (net/ipv4/ip_fragment.c,
// net/ipv4/inet_fragment.c, include/net/inet_frag.h; behaviour as of 6.x).
//
// The engine is independent of packet formats: the caller parses the IP
// header and hands over the key, the offset, MF, the header bytes and the
// payload. The only header bytes the engine reads or writes are TOS (byte 1,
// for the ECN rules), tot_len (bytes 2-3), flags/offset (bytes 6-7, DF is
// read from there) and the checksum (bytes 10-11).
//
// Time is driven by the caller (a steady clock value), so tests are exact.
#pragma once

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace ipc::stack::ipv4 {

// struct frag_v4_compare_key minus user (always IP_DEFRAG_LOCAL_DELIVER here)
// and vif (no VRFs). Fields are compared only, so any consistent byte order
// works.
struct FragmentKey {
  std::uint32_t src = 0;
  std::uint32_t dst = 0;
  std::uint16_t id = 0;
  std::uint8_t protocol = 0;

  friend bool operator==(const FragmentKey&, const FragmentKey&) = default;
  friend auto operator<=>(const FragmentKey&, const FragmentKey&) = default;
};

// Linux charges skb->truesize to the fragment memory for every queued
// fragment. For a linear skb that is SKB_TRUESIZE(len) = len +
// SKB_DATA_ALIGN(sizeof(struct sk_buff)) + SKB_DATA_ALIGN(sizeof(struct
// skb_shared_info)), i.e. len + 256 + 320 on x86_64. (Real drivers often
// charge more: ipv4_frags_init_net() notes a 1500-byte frame costs 2944.)
inline constexpr std::size_t kSkbOverhead = 576;
// Every queue also costs sizeof(struct ipq), charged by inet_frag_alloc()
// (add_frag_mem_limit(fqdir, f->qsize)); ipv4_frags_init_net() gives 200.
inline constexpr std::size_t kQueueOverhead = 200;

constexpr std::size_t default_truesize(std::size_t header_len, std::size_t payload_len) {
  return header_len + payload_len + kSkbOverhead;
}

struct Fragment {
  FragmentKey key;
  std::uint16_t offset_bytes = 0;          // frag offset * 8
  bool more_fragments = false;             // MF
  std::span<const std::uint8_t> header;    // this fragment's IP header, options included
  std::span<const std::uint8_t> payload;   // the data after the header (tot_len - ihl bytes)
  // Memory this fragment costs (skb->truesize). 0 means
  // default_truesize(header.size(), payload.size()).
  std::size_t truesize = 0;
};

// The header is the one of the first fragment (offset 0) as first received,
// with frag_off rewritten the way ip_frag_reasm() does it (DF kept only if
// the largest fragment carried DF, MF and offset cleared), TOS or-ed with the
// ECN result, tot_len set and the checksum recomputed (ip_send_check()); a
// caller that fixes tot_len/checksum itself gets the same values.
struct Reassembled {
  std::vector<std::uint8_t> header;
  std::vector<std::uint8_t> payload;
};

enum class Outcome {
  Queued,    // the fragment was accepted and the datagram is still incomplete
  Complete,  // the fragment completed the datagram (second member holds it)
  Dropped,   // the fragment was dropped; see Reassembler::last_drop() for why
};

// Why the last add() returned Dropped (and whether the queue died with it).
enum class DropReason {
  None,
  MemoryLimit,  // inet_frag_find(): high_thresh is 0 or exceeded; queue (if any) kept
  Duplicate,    // IPFRAG_DUP: range inside one existing run; queue kept, first copy wins
  Overlap,      // IPFRAG_OVERLAP: queue discarded (RFC 5722)
  BadEnd,       // beyond a known end / different end / last below received data: queue discarded
  Empty,        // no data after MF rounding (end == offset): queue discarded
  Oversize,     // ihl + total length > 65535 at reassembly: queue discarded
  InvalidEcn,   // ip_frag_ecn_table says 0xff (Not-ECT mixed with ECT/CE): queue discarded
};

// ICMP time exceeded, code 1 (ICMP_EXC_FRAGTIME), from ip_expire(): only for
// queues that had received their offset-0 fragment. `header` and `payload`
// are that first fragment's header and the data it holds in the queue; the
// ICMP layer quotes from them (at least header + 8 bytes; Linux's icmp_send()
// quotes as much of the datagram as fits in a 576-byte error).
struct Event {
  enum class Kind { TimeExceeded };
  Kind kind = Kind::TimeExceeded;
  std::uint8_t icmp_type = 11;
  std::uint8_t icmp_code = 1;
  FragmentKey key;
  std::vector<std::uint8_t> header;
  std::vector<std::uint8_t> payload;
};

// The SNMP counters ip_fragment.c maintains (/proc/net/snmp Ip: Reasm*).
struct ReassemblyStats {
  std::uint64_t reqds = 0;     // IPSTATS_MIB_REASMREQDS: every fragment fed in
  std::uint64_t oks = 0;       // IPSTATS_MIB_REASMOKS
  std::uint64_t fails = 0;     // IPSTATS_MIB_REASMFAILS
  std::uint64_t timeout = 0;   // IPSTATS_MIB_REASMTIMEOUT
  std::uint64_t overlaps = 0;  // IPSTATS_MIB_REASM_OVERLAPS
};

class Reassembler {
 public:
  using Clock = std::chrono::steady_clock;

  // Defaults from ipv4_frags_init_net(): high_thresh 4 MiB, low_thresh 3 MiB,
  // timeout IP_FRAG_TIME (30 s), max_dist 64 (ipfrag_max_dist).
  struct Limits {
    std::size_t high_thresh = 4 * 1024 * 1024;  // net.ipv4.ipfrag_high_thresh
    // net.ipv4.ipfrag_low_thresh: obsolete since Linux 4.17 (the LRU
    // evictor was removed when queues moved to an rhashtable). The kernel
    // keeps it only as the lower bound the sysctl handler enforces on
    // high_thresh; the engine never reads it.
    std::size_t low_thresh = 3 * 1024 * 1024;
    std::chrono::milliseconds timeout{30000};   // net.ipv4.ipfrag_time (seconds in sysctl)
    unsigned max_dist = 64;                     // net.ipv4.ipfrag_max_dist, 0 disables
  };

  Reassembler() : Reassembler(Limits{}) {}
  explicit Reassembler(Limits limits);

  // Changes take effect for later fragments; like Linux, queues keep the
  // expiry time they were given at creation, and nothing is evicted.
  void set_limits(Limits limits);
  const Limits& limits() const { return limits_; }

  // Feeds one fragment at `now`. Queues whose time ran out by `now` are
  // expired first (their timer would have fired already in the kernel);
  // the events that produces are returned by the next expire().
  std::pair<Outcome, std::optional<Reassembled>> add(const Fragment& frag, Clock::time_point now);

  // Expires the queues whose deadline (creation + timeout) is <= now and
  // returns the time-exceeded events, oldest deadline first.
  std::vector<Event> expire(Clock::time_point now);

  // The earliest deadline of a live queue, for the caller's timer.
  std::optional<Clock::time_point> next_deadline() const;

  std::size_t memory() const { return mem_; }  // frag_mem_limit(): truesizes + per-queue size
  std::size_t queues() const { return queues_.size(); }
  DropReason last_drop() const { return last_drop_; }
  const ReassemblyStats& stats() const { return stats_; }

 private:
  struct Piece {
    int offset = 0;
    std::vector<std::uint8_t> header;  // kept for the offset-0 piece only
    std::vector<std::uint8_t> data;
    std::size_t truesize = 0;
  };
  // A run of adjacent fragments that arrived in order at the tail
  // (struct ipfrag_skb_cb's next_frag/frag_run_len in inet_fragment.c).
  struct Run {
    int start = 0;
    int end = 0;
    std::vector<Piece> pieces;
  };
  struct Queue {
    FragmentKey key;
    std::multimap<Clock::time_point, FragmentKey>::iterator timer;
    std::map<int, Run> runs;  // by start: the rb-tree of run heads
    int len = 0;              // q.len: known (or highest) end
    int meat = 0;             // q.meat: bytes received
    bool first_in = false;    // INET_FRAG_FIRST_IN
    bool last_in = false;     // INET_FRAG_LAST_IN
    std::uint8_t ecn = 0;     // or of ip4_frag_ecn() bits
    std::size_t max_size = 0;     // q.max_size: largest ihl + data
    std::size_t max_df_size = 0;  // largest such fragment with DF
    std::size_t truesize = 0;     // sum of queued truesizes
    bool has_peer = false;
    std::uint32_t rid = 0;        // ipq.rid
  };
  enum class Insert { Ok, Dup, Overlap };

  void sweep(Clock::time_point now);
  void kill(std::map<FragmentKey, Queue>::iterator it);
  bool too_far(Queue& q);
  void reinit(Queue& q, Clock::time_point now);
  static Insert insert(Queue& q, Piece&& piece, int end);
  std::pair<Outcome, std::optional<Reassembled>> reassemble(std::map<FragmentKey, Queue>::iterator it);
  std::pair<Outcome, std::optional<Reassembled>> drop(DropReason why);

  struct Peer {
    std::uint32_t rid = 0;
    std::size_t refs = 0;
  };

  Limits limits_;
  std::map<FragmentKey, Queue> queues_;
  std::multimap<Clock::time_point, FragmentKey> timers_;
  std::map<std::uint32_t, Peer> peers_;  // inet_peer by source address
  std::vector<Event> pending_;
  std::size_t mem_ = 0;
  DropReason last_drop_ = DropReason::None;
  ReassemblyStats stats_;
};

}  // namespace ipc::stack::ipv4
