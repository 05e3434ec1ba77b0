// IPv4 fragment reassembly; see reassembly.hpp. Each step names the Linux
// function (net/ipv4/ip_fragment.c, net/ipv4/inet_fragment.c) it follows.
#include "stack/ipv4/reassembly.hpp"

#include <algorithm>
#include <iterator>

namespace ipc::stack::ipv4 {
namespace {

constexpr int kMaxDatagram = 65535;

// ip4_frag_ecn(): 1 << (tos & INET_ECN_MASK), giving IPFRAG_ECN_NOT_ECT
// (0x01), IPFRAG_ECN_ECT_1 (0x02), IPFRAG_ECN_ECT_0 (0x04), IPFRAG_ECN_CE
// (0x08).
std::uint8_t frag_ecn(std::span<const std::uint8_t> header) {
  const std::uint8_t tos = header.size() > 1 ? header[1] : 0;
  return static_cast<std::uint8_t>(1u << (tos & 0x3u));
}

// ip_frag_ecn_table[] (inet_fragment.c), RFC 3168 section 5.3: returns the
// bits to or into TOS, or 0xff when the datagram must be dropped.
std::uint8_t ecn_result(std::uint8_t bits) {
  constexpr std::uint8_t not_ect = 0x01, ce = 0x08;
  if ((bits & not_ect) && bits != not_ect) return 0xff;
  if ((bits & ce) && (bits & 0x06)) return 0x03;  // INET_ECN_CE
  return 0;
}

bool has_df(std::span<const std::uint8_t> header) {
  return header.size() > 6 && (header[6] & 0x40) != 0;
}

// ip_send_check(): the header checksum over the whole header.
void set_checksum(std::vector<std::uint8_t>& h) {
  h[10] = h[11] = 0;
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) sum += (std::uint32_t{h[i]} << 8) | h[i + 1];
  if (h.size() % 2) sum += std::uint32_t{h.back()} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  const auto c = static_cast<std::uint16_t>(~sum);
  h[10] = static_cast<std::uint8_t>(c >> 8);
  h[11] = static_cast<std::uint8_t>(c & 0xff);
}

}  // namespace

Reassembler::Reassembler(Limits limits) : limits_(limits) {}

void Reassembler::set_limits(Limits limits) { limits_ = limits; }

std::optional<Reassembler::Clock::time_point> Reassembler::next_deadline() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first;
}

std::pair<Outcome, std::optional<Reassembled>> Reassembler::drop(DropReason why) {
  last_drop_ = why;
  return {Outcome::Dropped, std::nullopt};
}

// inet_frag_kill() + inet_frag_destroy(): unhash, stop the timer, give back
// every queued truesize and the queue itself (inet_frag_rbtree_purge() +
// sub_frag_mem_limit(fqdir, sum_truesize + f->qsize)).
void Reassembler::kill(std::map<FragmentKey, Queue>::iterator it) {
  Queue& q = it->second;
  timers_.erase(q.timer);
  mem_ -= q.truesize + kQueueOverhead;
  if (q.has_peer) {  // ip4_frag_free(): inet_putpeer()
    auto p = peers_.find(q.key.src);
    if (p != peers_.end() && --p->second.refs == 0) peers_.erase(p);
  }
  queues_.erase(it);
}

// ip_expire(): a queue whose timer fired is killed (REASMFAILS,
// REASMTIMEOUT); only if INET_FRAG_FIRST_IN is set is the head (the offset-0
// fragment, inet_frag_pull_head()) used for icmp_send(ICMP_TIME_EXCEEDED,
// ICMP_EXC_FRAGTIME). The route lookup and the frag_expire_skip_icmp()
// test for conntrack/AF_PACKET defrag users are the caller's business.
void Reassembler::sweep(Clock::time_point now) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    auto it = queues_.find(timers_.begin()->second);
    Queue& q = it->second;
    ++stats_.fails;
    ++stats_.timeout;
    if (q.first_in && !q.runs.empty()) {
      Piece& head = q.runs.begin()->second.pieces.front();
      Event ev;
      ev.key = q.key;
      ev.header = std::move(head.header);
      ev.payload = std::move(head.data);
      pending_.push_back(std::move(ev));
    }
    kill(it);
  }
}

std::vector<Event> Reassembler::expire(Clock::time_point now) {
  sweep(now);
  std::vector<Event> out;
  out.swap(pending_);
  return out;
}

// ip_frag_too_far(): counts, per source (inet_peer.rid), the fragments seen
// from that source; a queue that saw more than ipfrag_max_dist of them
// between two of its own fragments is stale (REASMFAILS).
bool Reassembler::too_far(Queue& q) {
  if (!q.has_peer || limits_.max_dist == 0) return false;
  const std::uint32_t start = q.rid;
  const std::uint32_t end = ++peers_[q.key.src].rid;
  q.rid = end;
  const bool rc = !q.runs.empty() && (end - start) > limits_.max_dist;
  if (rc) ++stats_.fails;
  return rc;
}

// ip_frag_reinit(): drop everything queued, re-arm the timer from now, and
// start over. (mod_timer() cannot find the timer idle here: queues whose
// time ran out were swept before.) q.max_size and max_df_size are not reset,
// as in the kernel.
void Reassembler::reinit(Queue& q, Clock::time_point now) {
  mem_ -= q.truesize;
  q.truesize = 0;
  q.runs.clear();
  q.first_in = q.last_in = false;
  q.len = q.meat = 0;
  q.ecn = 0;
  timers_.erase(q.timer);
  q.timer = timers_.emplace(now + limits_.timeout, q.key);
}

// inet_frag_queue_insert(): RFC 5722 (with erratum 3089) — a fragment
// overlapping anything queued kills the datagram; one that lies entirely
// inside a single queued run is a duplicate and is just dropped. Fragments
// that arrive in order at the tail are chained into the last run
// (fragrun_append_to_last()), so a range inside such a run is a duplicate
// even when it straddles two of its fragments, whereas the same range over
// two separately inserted fragments is an overlap.
Reassembler::Insert Reassembler::insert(Queue& q, Piece&& piece, int end) {
  const int offset = piece.offset;
  if (q.runs.empty()) {  // first fragment: fragrun_create()
    q.runs.emplace(offset, Run{offset, end, {}}).first->second.pieces.push_back(std::move(piece));
    return Insert::Ok;
  }
  Run& last = std::prev(q.runs.end())->second;  // q->last_run_head / fragments_tail
  if (last.end < end) {  // the common case: goes to the end
    if (offset < last.end) return Insert::Overlap;
    if (offset == last.end) {
      last.end = end;
      last.pieces.push_back(std::move(piece));
    } else {
      q.runs.emplace(offset, Run{offset, end, {}}).first->second.pieces.push_back(std::move(piece));
    }
    return Insert::Ok;
  }
  // The rb-tree search: runs are disjoint, so the walk meets a run that
  // intersects [offset, end) if there is one; DUP only if that run holds
  // the whole range (impossible when it intersects two).
  auto it = q.runs.upper_bound(offset);
  if (it != q.runs.begin()) {
    const Run& before = std::prev(it)->second;
    if (offset < before.end) {
      return end <= before.end ? Insert::Dup : Insert::Overlap;
    }
  }
  if (it != q.runs.end() && it->second.start < end) return Insert::Overlap;
  q.runs.emplace(offset, Run{offset, end, {}}).first->second.pieces.push_back(std::move(piece));
  return Insert::Ok;
}

// ip_defrag() -> ip_find()/inet_frag_find() -> ip_frag_queue().
std::pair<Outcome, std::optional<Reassembled>> Reassembler::add(const Fragment& frag,
                                                                 Clock::time_point now) {
  sweep(now);
  last_drop_ = DropReason::None;
  ++stats_.reqds;  // ip_defrag(): IPSTATS_MIB_REASMREQDS

  // inet_frag_find(): `if (!high_thresh || frag_mem_limit(fqdir) >
  // high_thresh) return NULL;` — checked before the lookup, so it refuses
  // fragments of existing queues too; ip_defrag() then counts REASMFAILS
  // and frees the skb. Nothing is evicted: the queues stay until they
  // complete or time out.
  if (limits_.high_thresh == 0 || mem_ > limits_.high_thresh) {
    ++stats_.fails;
    return drop(DropReason::MemoryLimit);
  }

  auto it = queues_.find(frag.key);
  if (it == queues_.end()) {
    // inet_frag_alloc()/inet_frag_create(): charge f->qsize, arm the timer
    // once (it is never pushed back by later fragments); ip4_frag_init()
    // takes the inet_peer only when max_dist is set.
    it = queues_.emplace(frag.key, Queue{}).first;
    Queue& q = it->second;
    q.key = frag.key;
    q.timer = timers_.emplace(now + limits_.timeout, frag.key);
    mem_ += kQueueOverhead;
    if (limits_.max_dist != 0) {
      q.has_peer = true;
      ++peers_[frag.key.src].refs;
    }
  }
  Queue& q = it->second;

  // ip_frag_queue() from here on.
  if (too_far(q)) reinit(q, now);

  const int offset = frag.offset_bytes;
  int end = offset + static_cast<int>(frag.payload.size());
  const auto discard = [&](DropReason why) {  // discard_qp:
    kill(it);
    ++stats_.fails;
    return drop(why);
  };

  if (!frag.more_fragments) {
    // "If we already have some bits beyond end or have different end, the
    // segment is corrupted." (the queue goes, not just this fragment)
    if (end < q.len || (q.last_in && end != q.len)) return discard(DropReason::BadEnd);
    q.last_in = true;
    q.len = end;
  } else {
    // Not a multiple of 8: IPv4 silently trims the fragment to the 8-byte
    // boundary (pskb_trim_rcsum() below); only IPv6 rejects it.
    if (end & 7) end &= ~7;
    if (end > q.len) {
      if (q.last_in) return discard(DropReason::BadEnd);  // "Some bits beyond end"
      q.len = end;
    }
  }
  if (end == offset) return discard(DropReason::Empty);

  Piece piece;
  piece.offset = offset;
  piece.data.assign(frag.payload.begin(), frag.payload.begin() + (end - offset));
  if (offset == 0) piece.header.assign(frag.header.begin(), frag.header.end());
  piece.truesize = frag.truesize != 0 ? frag.truesize
                                      : default_truesize(frag.header.size(), frag.payload.size());
  const std::size_t truesize = piece.truesize;

  switch (insert(q, std::move(piece), end)) {
    case Insert::Ok:
      break;
    case Insert::Dup:  // insert_error: IPFRAG_DUP, skb freed, queue kept
      return drop(DropReason::Duplicate);
    case Insert::Overlap:  // insert_error: REASM_OVERLAPS, then discard_qp
      ++stats_.overlaps;
      return discard(DropReason::Overlap);
  }

  q.meat += end - offset;
  q.ecn |= frag_ecn(frag.header);
  q.truesize += truesize;
  mem_ += truesize;  // add_frag_mem_limit(fqdir, skb->truesize)
  if (offset == 0) q.first_in = true;

  const std::size_t fragsize = static_cast<std::size_t>(end - offset) + frag.header.size();
  q.max_size = std::max(q.max_size, fragsize);
  if (has_df(frag.header)) q.max_df_size = std::max(q.max_df_size, fragsize);

  if (q.first_in && q.last_in && q.meat == q.len) return reassemble(it);
  return {Outcome::Queued, std::nullopt};
}

// ip_frag_reasm() with inet_frag_reasm_prepare()/inet_frag_reasm_finish().
std::pair<Outcome, std::optional<Reassembled>> Reassembler::reassemble(
    std::map<FragmentKey, Queue>::iterator it) {
  Queue& q = it->second;
  const std::uint8_t ecn = ecn_result(q.ecn);
  if (ecn == 0xff) {  // out_fail
    kill(it);
    ++stats_.fails;
    return drop(DropReason::InvalidEcn);
  }
  Run& first_run = q.runs.begin()->second;
  const std::size_t len = first_run.pieces.front().header.size() + static_cast<std::size_t>(q.len);
  if (len > kMaxDatagram) {  // out_oversize: "Oversized IP packet"
    kill(it);
    ++stats_.fails;
    return drop(DropReason::Oversize);
  }

  Reassembled out;
  out.header = std::move(first_run.pieces.front().header);
  out.payload.reserve(static_cast<std::size_t>(q.len));
  for (auto& [start, run] : q.runs)
    for (auto& p : run.pieces) out.payload.insert(out.payload.end(), p.data.begin(), p.data.end());

  std::vector<std::uint8_t>& h = out.header;
  if (h.size() > 1) h[1] |= ecn;  // iph->tos |= ecn
  if (h.size() > 3) {             // iph->tot_len = htons(len)
    h[2] = static_cast<std::uint8_t>(len >> 8);
    h[3] = static_cast<std::uint8_t>(len & 0xff);
  }
  if (h.size() > 7) {
    // DF survives only if the largest fragment had it (IPSKB_FRAG_PMTU),
    // otherwise frag_off = 0.
    const bool df = q.max_df_size == q.max_size;
    h[6] = df ? 0x40 : 0x00;
    h[7] = 0;
  }
  if (h.size() >= 20) set_checksum(h);

  kill(it);  // ipq_kill() + the final inet_frag_put()
  ++stats_.oks;
  return {Outcome::Complete, std::move(out)};
}

}  // namespace ipc::stack::ipv4
