// Two connections joined by an in-memory link, driven by a test clock that
// only the test moves (never sleeping). Every segment is emitted to bytes
// with OutSegment::emit, parsed back with wire::TcpRepr::parse (checksum
// verified) and fed to the other side; a filter may drop or hold segments.
#pragma once

#include <cstdio>
#include <deque>
#include <string>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "stack/tcp/connection.hpp"
#include "stack/wire/tcp.hpp"

namespace ipc::stack::tcp::testing {

using namespace std::chrono_literals;

inline const Ipv4Address kAddrA{192, 0, 2, 1};
inline const Ipv4Address kAddrB{198, 51, 100, 2};
constexpr std::uint16_t kPortA = 40000;
constexpr std::uint16_t kPortB = 80;

// A segment as it crossed the link.
struct Seen {
  bool from_a = true;
  Clock::duration at{};       // since the link's start
  wire::TcpRepr hdr;          // payload cleared; see `data`
  std::vector<std::uint8_t> data;
  std::vector<std::uint8_t> bytes;  // the whole TCP segment as emitted
  bool ect = false;
  bool dropped = false;
  bool has(std::uint8_t f) const { return (hdr.flags & f) == f; }
};

class Link {
 public:
  // Returns true to drop the segment.
  using Filter = std::function<bool(const Seen&)>;

  explicit Link(Settings sa = {}, Settings sb = {}, Options oa = {}, Options ob = {})
      : settings_a(sa), settings_b(sb), opts_b(ob) {
    a = std::make_unique<Connection>(settings_a, oa, Connection::Endpoints{kAddrA, kAddrB, kPortA, kPortB}, now, 1);
  }

  // Active open from A; B answers as a listener would when `listen` holds.
  void open(int mtu = 1500) {
    a->connect(mtu, now);
    pump();
  }

  // Moves segments until both sides are quiet at the current time.
  void pump() {
    for (int round = 0; round < 1000000; ++round) {
      bool moved = false;
      moved |= move(true);
      moved |= move(false);
      if (!moved) return;
    }
  }

  // Runs timers and traffic until `until` (relative to now).
  void run_for(Clock::duration d) { run_until(now + d); }
  void run_until(Clock::time_point until) {
    pump();
    for (int i = 0; i < 10000000; ++i) {
      std::optional<Clock::time_point> next;
      for (Connection* c : {a.get(), b.get()})
        if (c) {
          auto d = c->next_deadline();
          if (d && (!next || *d < *next)) next = d;
        }
      if (!held.empty() && (!next || held.front().first < *next)) next = held.front().first;
      if (!next || *next > until) break;
      now = std::max(now, *next);
      release_held();
      if (a) a->advance(now);
      if (b) b->advance(now);
      pump();
    }
    now = until;
    release_held();
    if (a) a->advance(now);
    if (b) b->advance(now);
    pump();
  }

  // For debugging a failing test: the trace, one segment a line.
  std::string dump() const {
    std::string o;
    for (const auto& s : trace) {
      char line[200];
      std::snprintf(line, sizeof line, "%9.3f %s %02x seq=%u ack=%u win=%u len=%zu%s\n",
                    std::chrono::duration<double>(s.at).count(), s.from_a ? "A>B" : "B>A", s.hdr.flags, s.hdr.seq,
                    s.hdr.ack, s.hdr.window, s.data.size(), s.dropped ? " DROPPED" : "");
      o += line;
    }
    return o;
  }

  std::vector<Seen> from(bool a_side) const {
    std::vector<Seen> out;
    for (const auto& s : trace)
      if (s.from_a == a_side) out.push_back(s);
    return out;
  }

  Settings settings_a, settings_b;
  Options opts_b;
  Clock::time_point start{Clock::duration(1000s)};
  Clock::time_point now{start};
  std::unique_ptr<Connection> a, b;
  bool listen = true;
  std::uint8_t ecn_bits_for_b = 0;  // IP ECN bits to present with segments B receives
  Filter filter;
  Clock::duration delay{};   // one-way delay: segments are held this long
  std::vector<Seen> trace;
  std::deque<std::pair<Clock::time_point, std::pair<bool, std::vector<std::uint8_t>>>> held;

 private:
  bool move(bool from_a) {
    Connection* src = from_a ? a.get() : b.get();
    if (!src) return false;
    auto segs = src->take_output();
    if (segs.empty()) return false;
    const Ipv4Address s = from_a ? kAddrA : kAddrB;
    const Ipv4Address d = from_a ? kAddrB : kAddrA;
    for (auto& seg : segs) {
      auto bytes = seg.emit(s, d);
      auto view = wire::TcpPacket::check(std::span<const std::uint8_t>(bytes));
      if (!view) throw std::runtime_error("emitted segment does not parse");
      auto repr = wire::TcpRepr::parse(*view, s, d);
      if (!repr) throw std::runtime_error("emitted segment fails its checksum");
      Seen seen;
      seen.from_a = from_a;
      seen.at = now - start;
      seen.hdr = *repr;
      seen.data.assign(repr->payload.begin(), repr->payload.end());
      seen.hdr.payload = {};
      seen.bytes = bytes;
      seen.ect = seg.ect;
      seen.dropped = filter && filter(seen);
      trace.push_back(seen);
      if (seen.dropped) continue;
      if (delay > Clock::duration::zero()) {
        held.push_back({now + delay, {from_a, std::move(bytes)}});
        continue;
      }
      deliver(from_a, bytes);
    }
    return true;
  }

  void release_held() {
    while (!held.empty() && held.front().first <= now) {
      auto [to_b, bytes] = std::move(held.front().second);
      held.pop_front();
      deliver(to_b, bytes);
    }
  }

  void deliver(bool from_a, const std::vector<std::uint8_t>& bytes) {
    const Ipv4Address s = from_a ? kAddrA : kAddrB;
    const Ipv4Address d = from_a ? kAddrB : kAddrA;
    auto view = wire::TcpPacket::check(std::span<const std::uint8_t>(bytes));
    auto repr = wire::TcpRepr::parse(*view, s, d);
    if (from_a) {
      if (!b) {
        if (listen && (repr->flags & wire::tcp::flag::kSyn) && !(repr->flags & wire::tcp::flag::kAck)) {
          b = std::make_unique<Connection>(settings_b, opts_b, Connection::Endpoints{kAddrB, kAddrA, kPortB, kPortA},
                                           now, 2);
          b->accept_syn(*repr, 1500, 0, now);
        } else if (auto r = reset_for(*repr)) {
          pending_to_a.push_back(std::move(*r));
        }
        flush_pending();
        return;
      }
      b->on_segment(*repr, ecn_bits_for_b, now);
    } else if (a) {
      a->on_segment(*repr, 0, now);
    }
  }

  // Stateless resets from an absent B still cross the link (and the trace).
  void flush_pending() {
    if (pending_to_a.empty()) return;
    auto segs = std::exchange(pending_to_a, {});
    for (auto& seg : segs) {
      auto bytes = seg.emit(kAddrB, kAddrA);
      auto view = wire::TcpPacket::check(std::span<const std::uint8_t>(bytes));
      auto repr = wire::TcpRepr::parse(*view, kAddrB, kAddrA);
      Seen seen;
      seen.from_a = false;
      seen.at = now - start;
      seen.hdr = *repr;
      seen.hdr.payload = {};
      seen.bytes = bytes;
      trace.push_back(seen);
      if (a) a->on_segment(*repr, 0, now);
    }
  }

  std::vector<OutSegment> pending_to_a;
};

inline std::vector<std::uint8_t> pattern(std::size_t n, std::uint32_t seed = 7) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t x = seed;
  for (auto& b : v) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  return v;
}

}  // namespace ipc::stack::tcp::testing
