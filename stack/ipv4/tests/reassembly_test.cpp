#include "stack/ipv4/reassembly.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace ipc::stack::ipv4 {
namespace {

using Clock = Reassembler::Clock;
using namespace std::chrono_literals;

const Clock::time_point T0 = Clock::time_point{} + 1000s;

constexpr FragmentKey kKey{0xc0000201, 0xc0000202, 0x1234, 17};  // 192.0.2.1 -> 192.0.2.2 UDP

struct Frag {
  FragmentKey key;
  std::uint16_t off = 0;
  bool mf = false;
  std::vector<std::uint8_t> header;
  std::vector<std::uint8_t> payload;
  std::size_t truesize = 0;

  Fragment view() const {
    return Fragment{key, off, mf, header, payload, truesize};
  }
};

std::vector<std::uint8_t> make_header(const FragmentKey& k, std::uint16_t off, bool mf, bool df = false,
                                      std::uint8_t tos = 0, std::size_t ihl = 20) {
  std::vector<std::uint8_t> h(ihl, 0x01);  // options: NOPs
  h[0] = static_cast<std::uint8_t>(0x40 | (ihl / 4));
  h[1] = tos;
  h[2] = h[3] = 0;
  h[4] = static_cast<std::uint8_t>(k.id >> 8);
  h[5] = static_cast<std::uint8_t>(k.id);
  const std::uint16_t fo = static_cast<std::uint16_t>((df ? 0x4000 : 0) | (mf ? 0x2000 : 0) | (off / 8));
  h[6] = static_cast<std::uint8_t>(fo >> 8);
  h[7] = static_cast<std::uint8_t>(fo);
  h[8] = 64;
  h[9] = k.protocol;
  h[10] = h[11] = 0;
  for (int i = 0; i < 4; ++i) {
    h[12 + i] = static_cast<std::uint8_t>(k.src >> (24 - 8 * i));
    h[16 + i] = static_cast<std::uint8_t>(k.dst >> (24 - 8 * i));
  }
  return h;
}

Frag frag(const FragmentKey& k, std::uint16_t off, std::vector<std::uint8_t> payload, bool mf,
          bool df = false, std::uint8_t tos = 0, std::size_t ihl = 20) {
  Frag f;
  f.key = k;
  f.off = off;
  f.mf = mf;
  f.header = make_header(k, off, mf, df, tos, ihl);
  f.payload = std::move(payload);
  return f;
}

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed = 0) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>((i * 7 + seed + (i >> 8)) & 0xff);
  return v;
}

std::vector<std::uint8_t> slice(const std::vector<std::uint8_t>& v, std::size_t from, std::size_t n) {
  return {v.begin() + static_cast<std::ptrdiff_t>(from), v.begin() + static_cast<std::ptrdiff_t>(from + n)};
}

// Splits `data` in chunks of `chunk` bytes (a multiple of 8).
std::vector<Frag> split(const FragmentKey& k, const std::vector<std::uint8_t>& data, std::size_t chunk,
                        bool df = false) {
  std::vector<Frag> out;
  for (std::size_t off = 0; off < data.size(); off += chunk) {
    const std::size_t n = std::min(chunk, data.size() - off);
    out.push_back(frag(k, static_cast<std::uint16_t>(off), slice(data, off, n), off + n < data.size(), df));
  }
  return out;
}

bool checksum_ok(const std::vector<std::uint8_t>& h) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) sum += (std::uint32_t{h[i]} << 8) | h[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum == 0xffff;
}

// Feeds all fragments; expects Queued for all but the last, Complete for the
// last, and returns the datagram.
Reassembled feed_all(Reassembler& r, const std::vector<Frag>& frags, Clock::time_point now = T0) {
  for (std::size_t i = 0; i + 1 < frags.size(); ++i) {
    auto [o, d] = r.add(frags[i].view(), now);
    EXPECT_EQ(o, Outcome::Queued) << "fragment " << i;
    EXPECT_FALSE(d.has_value());
  }
  auto [o, d] = r.add(frags.back().view(), now);
  EXPECT_EQ(o, Outcome::Complete);
  if (!d) {
    ADD_FAILURE() << "not reassembled";
    return {};
  }
  return std::move(*d);
}

void expect_header(const Reassembled& d, std::size_t ihl, std::size_t total, bool df = false) {
  ASSERT_EQ(d.header.size(), ihl);
  EXPECT_EQ(d.header[6], df ? 0x40 : 0x00);  // MF cleared, offset 0
  EXPECT_EQ(d.header[7], 0x00);
  EXPECT_EQ((std::size_t{d.header[2]} << 8) | d.header[3], total);
  EXPECT_TRUE(checksum_ok(d.header));
}

// --- delivery orders ---------------------------------------------------------

TEST(Reassembly, InOrder) {
  Reassembler r;
  const auto data = pattern(4000);
  auto frags = split(kKey, data, 1480);
  const auto d = feed_all(r, frags);
  EXPECT_EQ(d.payload, data);
  expect_header(d, 20, 4020);
  EXPECT_EQ(r.memory(), 0u);
  EXPECT_EQ(r.queues(), 0u);
  EXPECT_EQ(r.stats().reqds, 3u);
  EXPECT_EQ(r.stats().oks, 1u);
  EXPECT_EQ(r.stats().fails, 0u);
}

TEST(Reassembly, ReverseOrder) {
  Reassembler r;
  const auto data = pattern(5000, 3);
  auto frags = split(kKey, data, 504);
  std::reverse(frags.begin(), frags.end());
  const auto d = feed_all(r, frags);
  EXPECT_EQ(d.payload, data);
  expect_header(d, 20, 5020);
  EXPECT_EQ(r.memory(), 0u);
  EXPECT_EQ(r.queues(), 0u);
}

TEST(Reassembly, ShuffledOrders) {
  const auto data = pattern(9000, 5);
  for (unsigned seed = 1; seed <= 50; ++seed) {
    Reassembler r;
    auto frags = split(kKey, data, 96);
    std::mt19937 rng(seed);
    std::shuffle(frags.begin(), frags.end(), rng);
    const auto d = feed_all(r, frags);
    EXPECT_EQ(d.payload, data) << "seed " << seed;
    EXPECT_EQ(r.memory(), 0u);
    EXPECT_EQ(r.queues(), 0u);
  }
}

TEST(Reassembly, ShuffledWithExactDuplicates) {
  const auto data = pattern(3000, 9);
  for (unsigned seed = 1; seed <= 30; ++seed) {
    Reassembler r;
    const auto base = split(kKey, data, 200 - 200 % 8);
    std::vector<Frag> frags = base;
    std::mt19937 rng(seed);
    // Duplicate every other fragment; the last fragment fed must be the
    // one that completes, so keep one original of the completing piece last.
    for (std::size_t i = 0; i < base.size(); i += 2) frags.push_back(base[i]);
    std::shuffle(frags.begin(), frags.end(), rng);
    std::optional<Reassembled> got;
    std::size_t dups = 0, late = 0;
    for (const auto& f : frags) {
      auto [o, d] = r.add(f.view(), T0);
      if (o == Outcome::Complete) {
        ASSERT_FALSE(got.has_value());
        got = std::move(d);
      } else if (o == Outcome::Dropped) {
        EXPECT_EQ(r.last_drop(), DropReason::Duplicate);
        EXPECT_FALSE(got.has_value());
        ++dups;
      } else if (got) {
        ++late;
      }
    }
    ASSERT_TRUE(got.has_value()) << "seed " << seed;
    EXPECT_EQ(got->payload, data);
    // A duplicate arriving after completion opens a fresh queue (the old
    // one is unhashed by ipq_kill()), so it shows up as Queued, not Dropped.
    EXPECT_EQ(dups + late, (base.size() + 1) / 2) << "seed " << seed;
    EXPECT_EQ(r.queues(), late ? 1u : 0u);
  }
}

TEST(Reassembly, InterleavedQueues) {
  Reassembler r;
  FragmentKey a = kKey, b = kKey, c = kKey, d = kKey;
  b.id = 0x1235;
  c.protocol = 6;
  d.src = 0xc0000203;
  const auto da = pattern(3000, 1), db = pattern(2000, 2), dc = pattern(1000, 3), dd = pattern(2500, 4);
  auto fa = split(a, da, 512), fb = split(b, db, 512), fc = split(c, dc, 512), fd = split(d, dd, 512);
  std::vector<Frag> all;
  for (std::size_t i = 0; i < 6; ++i)
    for (auto* v : {&fa, &fb, &fc, &fd})
      if (i < v->size()) all.push_back((*v)[i]);
  std::map<std::uint16_t, std::vector<std::uint8_t>> done;  // by id+proto+src mix
  std::size_t completes = 0;
  std::size_t max_queues = 0;
  for (const auto& f : all) {
    auto [o, dg] = r.add(f.view(), T0);
    ASSERT_NE(o, Outcome::Dropped);
    max_queues = std::max(max_queues, r.queues());
    if (o == Outcome::Complete) {
      ++completes;
      const auto& want = f.key == a ? da : f.key == b ? db : f.key == c ? dc : dd;
      EXPECT_EQ(dg->payload, want);
      EXPECT_EQ(dg->header[9], f.key.protocol);
    }
  }
  EXPECT_EQ(completes, 4u);
  EXPECT_EQ(max_queues, 4u);
  EXPECT_EQ(r.queues(), 0u);
  EXPECT_EQ(r.memory(), 0u);
}

TEST(Reassembly, TinyFragments) {
  Reassembler r;
  const auto data = pattern(8 * 64 + 1, 7);  // 64 eight-byte fragments and a 1-byte tail
  auto frags = split(kKey, data, 8);
  ASSERT_EQ(frags.size(), 65u);
  std::mt19937 rng(42);
  std::shuffle(frags.begin(), frags.end(), rng);
  const auto d = feed_all(r, frags);
  EXPECT_EQ(d.payload, data);
  EXPECT_EQ(r.memory(), 0u);
}

TEST(Reassembly, FirstFragmentHeaderWithOptionsIsKept) {
  Reassembler r;
  const auto data = pattern(64);
  auto f0 = frag(kKey, 0, slice(data, 0, 32), true, false, 0, 28);  // 8 bytes of options
  auto f1 = frag(kKey, 32, slice(data, 32, 32), false);               // no options
  ASSERT_EQ(r.add(f1.view(), T0).first, Outcome::Queued);
  auto [o, d] = r.add(f0.view(), T0);
  ASSERT_EQ(o, Outcome::Complete);
  expect_header(*d, 28, 28 + 64);
  EXPECT_TRUE(std::equal(d->header.begin() + 20, d->header.end(), f0.header.begin() + 20));
  EXPECT_EQ(d->payload, data);
}

// --- duplicates and overlaps (inet_frag_queue_insert) ------------------------

TEST(Reassembly, ExactDuplicateFirstCopyWins) {
  Reassembler r;
  const auto data = pattern(48);
  auto f0 = frag(kKey, 0, slice(data, 0, 16), true);
  auto f1 = frag(kKey, 16, slice(data, 16, 16), true);
  auto f1b = frag(kKey, 16, std::vector<std::uint8_t>(16, 0xee), true);  // same range, other bytes
  auto f2 = frag(kKey, 32, slice(data, 32, 16), false);
  ASSERT_EQ(r.add(f1.view(), T0).first, Outcome::Queued);
  const auto mem = r.memory();
  auto [o, d] = r.add(f1b.view(), T0);
  EXPECT_EQ(o, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::Duplicate);
  EXPECT_EQ(r.queues(), 1u);
  EXPECT_EQ(r.memory(), mem);  // the duplicate is not charged
  EXPECT_EQ(r.stats().fails, 0u);
  EXPECT_EQ(r.stats().overlaps, 0u);
  ASSERT_EQ(r.add(f0.view(), T0).first, Outcome::Queued);
  auto dg = feed_all(r, {f2});
  EXPECT_EQ(dg.payload, data);
}

TEST(Reassembly, PartialOverlapDiscardsTheDatagram) {
  for (bool same_bytes : {true, false}) {
    Reassembler r;
    const auto data = pattern(48);
    auto f0 = frag(kKey, 0, slice(data, 0, 24), true);
    // [16, 40) overlaps [0, 24) by 8 bytes.
    auto ov = frag(kKey, 16, same_bytes ? slice(data, 16, 24) : std::vector<std::uint8_t>(24, 0xaa), true);
    auto f1 = frag(kKey, 24, slice(data, 24, 24), false);
    ASSERT_EQ(r.add(f0.view(), T0).first, Outcome::Queued);
    auto [o, d] = r.add(ov.view(), T0);
    EXPECT_EQ(o, Outcome::Dropped);
    EXPECT_EQ(r.last_drop(), DropReason::Overlap);
    EXPECT_EQ(r.queues(), 0u);
    EXPECT_EQ(r.memory(), 0u);
    EXPECT_EQ(r.stats().overlaps, 1u);
    EXPECT_EQ(r.stats().fails, 1u);
    // The fragment that would have completed it only starts a new queue.
    EXPECT_EQ(r.add(f1.view(), T0).first, Outcome::Queued);
    EXPECT_EQ(r.queues(), 1u);
  }
}

TEST(Reassembly, OverlapFoundByTreeSearch) {
  Reassembler r;
  // [32,48) then [0,16); [8,24) lands before the tail and overlaps [0,16).
  ASSERT_EQ(r.add(frag(kKey, 32, pattern(16), true).view(), T0).first, Outcome::Queued);
  ASSERT_EQ(r.add(frag(kKey, 0, pattern(16), true).view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.add(frag(kKey, 8, pattern(16), true).view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::Overlap);
  EXPECT_EQ(r.queues(), 0u);
}

TEST(Reassembly, SupersetIsAnOverlap) {
  Reassembler r;
  ASSERT_EQ(r.add(frag(kKey, 8, pattern(8), true).view(), T0).first, Outcome::Queued);
  ASSERT_EQ(r.add(frag(kKey, 32, pattern(8), true).view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.add(frag(kKey, 0, pattern(24), true).view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::Overlap);
  EXPECT_EQ(r.queues(), 0u);
}

TEST(Reassembly, RangeInsideOneFragmentIsADuplicate) {
  Reassembler r;
  const auto data = pattern(40);
  ASSERT_EQ(r.add(frag(kKey, 0, slice(data, 0, 32), true).view(), T0).first, Outcome::Queued);
  // Same start, shorter; and strictly inside.
  EXPECT_EQ(r.add(frag(kKey, 0, pattern(8, 99), true).view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::Duplicate);
  EXPECT_EQ(r.add(frag(kKey, 8, pattern(16, 99), true).view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::Duplicate);
  EXPECT_EQ(r.queues(), 1u);
  auto d = feed_all(r, {frag(kKey, 32, slice(data, 32, 8), false)});
  EXPECT_EQ(d.payload, data);  // the first copies won
}

TEST(Reassembly, RangeAcrossAnInOrderRunIsADuplicate) {
  // [0,16) and [16,32) arrive in order and form one run: [8,24) lies inside
  // the run and is only a duplicate.
  Reassembler r;
  const auto data = pattern(40);
  ASSERT_EQ(r.add(frag(kKey, 0, slice(data, 0, 16), true).view(), T0).first, Outcome::Queued);
  ASSERT_EQ(r.add(frag(kKey, 16, slice(data, 16, 16), true).view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.add(frag(kKey, 8, pattern(16, 1), true).view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::Duplicate);
  auto d = feed_all(r, {frag(kKey, 32, slice(data, 32, 8), false)});
  EXPECT_EQ(d.payload, data);
}

TEST(Reassembly, RangeAcrossSeparateFragmentsIsAnOverlap) {
  // Same two ranges, but [0,16) was inserted before the tail [16,32) came
  // in reverse, so they are separate runs and [8,24) overlaps.
  Reassembler r;
  ASSERT_EQ(r.add(frag(kKey, 16, pattern(16), true).view(), T0).first, Outcome::Queued);
  ASSERT_EQ(r.add(frag(kKey, 0, pattern(16), true).view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.add(frag(kKey, 8, pattern(16), true).view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::Overlap);
  EXPECT_EQ(r.queues(), 0u);
}

TEST(Reassembly, DuplicateLastFragmentKeepsQueue) {
  Reassembler r;
  const auto data = pattern(32);
  auto last = frag(kKey, 16, slice(data, 16, 16), false);
  ASSERT_EQ(r.add(last.view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.add(last.view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::Duplicate);
  auto d = feed_all(r, {frag(kKey, 0, slice(data, 0, 16), true)});
  EXPECT_EQ(d.payload, data);
}

TEST(Reassembly, LateDuplicateAfterCompletionStartsANewQueue) {
  Reassembler r;
  const auto data = pattern(32);
  auto frags = split(kKey, data, 16);
  feed_all(r, frags);
  EXPECT_EQ(r.add(frags[0].view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.queues(), 1u);
  // ...and, holding the first fragment, it times out with an ICMP error.
  EXPECT_EQ(r.expire(T0 + 30s).size(), 1u);
}

// --- length rules (ip_frag_queue) --------------------------------------------

TEST(Reassembly, FragmentBeyondKnownEndDiscardsQueue) {
  Reassembler r;
  ASSERT_EQ(r.add(frag(kKey, 0, pattern(8), true).view(), T0).first, Outcome::Queued);
  ASSERT_EQ(r.add(frag(kKey, 16, pattern(8), false).view(), T0).first, Outcome::Queued);  // len = 24
  EXPECT_EQ(r.add(frag(kKey, 24, pattern(8), true).view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::BadEnd);
  EXPECT_EQ(r.queues(), 0u);
  EXPECT_EQ(r.memory(), 0u);
  EXPECT_EQ(r.stats().fails, 1u);
}

TEST(Reassembly, SecondLastFragmentWithDifferentEndDiscardsQueue) {
  for (int other_end : {16, 40}) {
    Reassembler r;
    ASSERT_EQ(r.add(frag(kKey, 0, pattern(8), true).view(), T0).first, Outcome::Queued);
    ASSERT_EQ(r.add(frag(kKey, 24, pattern(8), false).view(), T0).first, Outcome::Queued);  // end 32
    EXPECT_EQ(r.add(frag(kKey, static_cast<std::uint16_t>(other_end - 8), pattern(8), false).view(), T0).first,
              Outcome::Dropped);
    EXPECT_EQ(r.last_drop(), DropReason::BadEnd);
    EXPECT_EQ(r.queues(), 0u);
    EXPECT_EQ(r.memory(), 0u);
  }
}

TEST(Reassembly, LastFragmentBelowReceivedDataDiscardsQueue) {
  Reassembler r;
  ASSERT_EQ(r.add(frag(kKey, 32, pattern(16), true).view(), T0).first, Outcome::Queued);  // len 48
  EXPECT_EQ(r.add(frag(kKey, 8, pattern(8), false).view(), T0).first, Outcome::Dropped);   // end 16 < 48
  EXPECT_EQ(r.last_drop(), DropReason::BadEnd);
  EXPECT_EQ(r.queues(), 0u);
}

TEST(Reassembly, MfFragmentNotMultipleOf8IsTrimmed) {
  // IPv4 does not reject it: the fragment is cut back to the 8-byte
  // boundary and the rest must come from the next fragment.
  Reassembler r;
  const auto data = pattern(30);
  auto f0 = frag(kKey, 0, slice(data, 0, 13), true);  // only [0, 8) is kept
  auto f1 = frag(kKey, 8, slice(data, 8, 22), false);
  ASSERT_EQ(r.add(f0.view(), T0).first, Outcome::Queued);
  auto d = feed_all(r, {f1});
  EXPECT_EQ(d.payload, data);
  expect_header(d, 20, 50);
}

TEST(Reassembly, MfFragmentTrimmedToNothingDiscardsQueue) {
  Reassembler r;
  ASSERT_EQ(r.add(frag(kKey, 0, pattern(16), true).view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.add(frag(kKey, 16, pattern(5), true).view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::Empty);
  EXPECT_EQ(r.queues(), 0u);
  EXPECT_EQ(r.memory(), 0u);
}

TEST(Reassembly, EmptyLastFragmentDiscardsQueue) {
  Reassembler r;
  ASSERT_EQ(r.add(frag(kKey, 0, pattern(16), true).view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.add(frag(kKey, 16, {}, false).view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::Empty);
  EXPECT_EQ(r.queues(), 0u);
  EXPECT_EQ(r.memory(), 0u);
}

TEST(Reassembly, Largest65535ByteDatagram) {
  Reassembler r;
  const auto data = pattern(65535 - 20, 11);
  auto frags = split(kKey, data, 1480);
  std::mt19937 rng(7);
  std::shuffle(frags.begin(), frags.end(), rng);
  const auto d = feed_all(r, frags);
  EXPECT_EQ(d.payload, data);
  expect_header(d, 20, 65535);
  EXPECT_EQ(r.memory(), 0u);
  EXPECT_EQ(r.queues(), 0u);
}

TEST(Reassembly, Datagram65536IsDropped) {
  Reassembler r;
  const auto data = pattern(65536 - 20, 11);
  auto frags = split(kKey, data, 1480);
  for (std::size_t i = 0; i + 1 < frags.size(); ++i) ASSERT_EQ(r.add(frags[i].view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.add(frags.back().view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::Oversize);
  EXPECT_EQ(r.queues(), 0u);
  EXPECT_EQ(r.memory(), 0u);
  EXPECT_EQ(r.stats().fails, 1u);
  EXPECT_EQ(r.stats().oks, 0u);
}

TEST(Reassembly, OversizeCountsTheFirstFragmentsHeaderLength) {
  // 65512 bytes of data fit under a 20-byte header (65532) but not under
  // the first fragment's 24-byte header (65536).
  Reassembler r;
  const auto data = pattern(65512);
  auto frags = split(kKey, data, 1480);
  frags[0] = frag(kKey, 0, slice(data, 0, 1480), true, false, 0, 24);
  for (std::size_t i = 0; i + 1 < frags.size(); ++i) ASSERT_EQ(r.add(frags[i].view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.add(frags.back().view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::Oversize);
}

// --- DF and ECN (ip_frag_reasm) ----------------------------------------------

TEST(Reassembly, DfKeptWhenTheLargestFragmentHadIt) {
  {
    Reassembler r;
    const auto d = feed_all(r, split(kKey, pattern(3000), 1480, /*df=*/true));
    expect_header(d, 20, 3020, /*df=*/true);
  }
  {
    Reassembler r;
    const auto data = pattern(1000);
    // Small DF fragment, larger non-DF one: DF is not kept.
    auto f0 = frag(kKey, 0, slice(data, 0, 8), true, /*df=*/true);
    auto f1 = frag(kKey, 8, slice(data, 8, 992), false);
    const auto d = feed_all(r, {f0, f1});
    expect_header(d, 20, 1020, /*df=*/false);
  }
}

TEST(Reassembly, EcnCeIsPropagated) {
  Reassembler r;
  const auto data = pattern(32);
  auto f0 = frag(kKey, 0, slice(data, 0, 16), true, false, /*tos=*/0x02);  // ECT(0)
  auto f1 = frag(kKey, 16, slice(data, 16, 16), false, false, 0x03);      // CE
  const auto d = feed_all(r, {f0, f1});
  EXPECT_EQ(d.header[1], 0x03);
  EXPECT_TRUE(checksum_ok(d.header));
}

TEST(Reassembly, EcnNotEctMixedWithEctIsDropped) {
  Reassembler r;
  const auto data = pattern(32);
  auto f0 = frag(kKey, 0, slice(data, 0, 16), true, false, 0x00);   // Not-ECT
  auto f1 = frag(kKey, 16, slice(data, 16, 16), false, false, 0x02);  // ECT(0)
  ASSERT_EQ(r.add(f0.view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.add(f1.view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::InvalidEcn);
  EXPECT_EQ(r.queues(), 0u);
  EXPECT_EQ(r.memory(), 0u);
}

// --- timeouts (ip_expire) ----------------------------------------------------

TEST(Reassembly, TimeoutWithFirstFragmentSendsTimeExceeded) {
  Reassembler r;
  const auto data = pattern(3000);
  auto frags = split(kKey, data, 1480);
  ASSERT_EQ(r.add(frags[0].view(), T0).first, Outcome::Queued);
  ASSERT_EQ(r.add(frags[2].view(), T0 + 10s).first, Outcome::Queued);
  EXPECT_EQ(r.next_deadline(), T0 + 30s);  // not pushed back by later fragments
  EXPECT_TRUE(r.expire(T0 + 29999ms).empty());
  EXPECT_EQ(r.queues(), 1u);
  auto ev = r.expire(T0 + 30s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Event::Kind::TimeExceeded);
  EXPECT_EQ(ev[0].icmp_type, 11);
  EXPECT_EQ(ev[0].icmp_code, 1);
  EXPECT_EQ(ev[0].key, kKey);
  EXPECT_EQ(ev[0].header, frags[0].header);
  ASSERT_GE(ev[0].payload.size(), 8u);
  EXPECT_EQ(ev[0].payload, frags[0].payload);
  EXPECT_EQ(r.queues(), 0u);
  EXPECT_EQ(r.memory(), 0u);
  EXPECT_EQ(r.stats().timeout, 1u);
  EXPECT_EQ(r.stats().fails, 1u);
  EXPECT_TRUE(r.expire(T0 + 60s).empty());
}

TEST(Reassembly, TimeoutWithoutFirstFragmentIsSilent) {
  Reassembler r;
  auto frags = split(kKey, pattern(3000), 1480);
  ASSERT_EQ(r.add(frags[1].view(), T0).first, Outcome::Queued);
  ASSERT_EQ(r.add(frags[2].view(), T0).first, Outcome::Queued);
  EXPECT_TRUE(r.expire(T0 + 30s).empty());
  EXPECT_EQ(r.queues(), 0u);
  EXPECT_EQ(r.memory(), 0u);
  EXPECT_EQ(r.stats().timeout, 1u);
}

TEST(Reassembly, TimeoutOfOneSecond) {
  Reassembler::Limits lim;
  lim.timeout = 1s;  // ipfrag_time=1
  Reassembler r(lim);
  auto frags = split(kKey, pattern(3000), 1480);
  ASSERT_EQ(r.add(frags[0].view(), T0).first, Outcome::Queued);
  EXPECT_TRUE(r.expire(T0 + 999ms).empty());
  EXPECT_EQ(r.expire(T0 + 1s).size(), 1u);
  // The late rest of the datagram does not complete anything.
  EXPECT_EQ(r.add(frags[1].view(), T0 + 2s).first, Outcome::Queued);
  EXPECT_EQ(r.add(frags[2].view(), T0 + 2s).first, Outcome::Queued);
  EXPECT_EQ(r.queues(), 1u);
}

TEST(Reassembly, AddAfterDeadlineExpiresTheOldQueueFirst) {
  Reassembler r;
  auto frags = split(kKey, pattern(3000), 1480);
  ASSERT_EQ(r.add(frags[0].view(), T0).first, Outcome::Queued);
  ASSERT_EQ(r.add(frags[1].view(), T0).first, Outcome::Queued);
  // Past the deadline, without expire(): the kernel timer had fired already,
  // so the last fragment opens a new queue instead of completing.
  EXPECT_EQ(r.add(frags[2].view(), T0 + 31s).first, Outcome::Queued);
  EXPECT_EQ(r.queues(), 1u);
  auto ev = r.expire(T0 + 31s);
  ASSERT_EQ(ev.size(), 1u);  // the event of the old queue, held until now
  EXPECT_EQ(ev[0].header, frags[0].header);
}

TEST(Reassembly, TimeoutChangeAppliesToNewQueuesOnly) {
  Reassembler r;
  ASSERT_EQ(r.add(frag(kKey, 0, pattern(8), true).view(), T0).first, Outcome::Queued);
  auto lim = r.limits();
  lim.timeout = 5s;
  r.set_limits(lim);
  FragmentKey k2 = kKey;
  k2.id = 7;
  ASSERT_EQ(r.add(frag(k2, 0, pattern(8), true).view(), T0).first, Outcome::Queued);
  auto ev = r.expire(T0 + 5s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].key, k2);
  EXPECT_EQ(r.expire(T0 + 30s).size(), 1u);
}

// --- memory (inet_frag_find, add_frag_mem_limit) -----------------------------

TEST(Reassembly, MemoryAccounting) {
  Reassembler r;
  const auto data = pattern(3000);
  auto frags = split(kKey, data, 1480);
  frags[0].truesize = 2944;  // explicit truesize is honoured
  ASSERT_EQ(r.add(frags[0].view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.memory(), kQueueOverhead + 2944);
  ASSERT_EQ(r.add(frags[1].view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.memory(), kQueueOverhead + 2944 + default_truesize(20, 1480));
  // A duplicate is not charged.
  EXPECT_EQ(r.add(frags[1].view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.memory(), kQueueOverhead + 2944 + default_truesize(20, 1480));
  ASSERT_EQ(r.add(frags[2].view(), T0).first, Outcome::Complete);
  EXPECT_EQ(r.memory(), 0u);

  ASSERT_EQ(r.add(frags[1].view(), T0).first, Outcome::Queued);
  EXPECT_GT(r.memory(), 0u);
  r.expire(T0 + 30s);
  EXPECT_EQ(r.memory(), 0u);
}

TEST(Reassembly, HighThreshZeroRefusesEverything) {
  Reassembler::Limits lim;
  lim.high_thresh = 0;
  lim.low_thresh = 0;
  Reassembler r(lim);
  for (const auto& f : split(kKey, pattern(3000), 1480)) {
    EXPECT_EQ(r.add(f.view(), T0).first, Outcome::Dropped);
    EXPECT_EQ(r.last_drop(), DropReason::MemoryLimit);
  }
  EXPECT_EQ(r.queues(), 0u);
  EXPECT_EQ(r.memory(), 0u);
  EXPECT_EQ(r.stats().fails, 3u);
  EXPECT_EQ(r.stats().reqds, 3u);
  EXPECT_TRUE(r.expire(T0 + 30s).empty());
}

TEST(Reassembly, HighThreshOneQueuesOnlyTheFirstFragment) {
  Reassembler::Limits lim;
  lim.high_thresh = 1;
  lim.low_thresh = 0;
  Reassembler r(lim);
  auto frags = split(kKey, pattern(3000), 1480);
  // Memory is 0, not above 1: the first fragment gets in...
  EXPECT_EQ(r.add(frags[0].view(), T0).first, Outcome::Queued);
  // ...and from then on everything is refused, even for that queue.
  EXPECT_EQ(r.add(frags[1].view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::MemoryLimit);
  EXPECT_EQ(r.add(frags[2].view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.queues(), 1u);
  // The queue is not evicted; it times out (with its first fragment).
  EXPECT_EQ(r.expire(T0 + 30s).size(), 1u);
  EXPECT_EQ(r.memory(), 0u);
}

TEST(Reassembly, AboveHighThreshNewFragmentsAreRefusedUntilMemoryIsFreed) {
  Reassembler::Limits lim;
  lim.high_thresh = 3000;
  lim.low_thresh = 0;
  Reassembler r(lim);
  FragmentKey k1 = kKey, k2 = kKey, k3 = kKey;
  k2.id = 2;
  k3.id = 3;
  auto f1 = split(k1, pattern(3000), 1480);
  auto f2 = split(k2, pattern(3000), 1480);
  ASSERT_EQ(r.add(f1[0].view(), T0).first, Outcome::Queued);  // 200 + 2076
  ASSERT_EQ(r.add(f2[0].view(), T0).first, Outcome::Queued);  // 2276 <= 3000: accepted
  EXPECT_GT(r.memory(), lim.high_thresh);
  EXPECT_EQ(r.add(f1[1].view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.add(frag(k3, 0, pattern(8), true).view(), T0).first, Outcome::Dropped);
  EXPECT_EQ(r.last_drop(), DropReason::MemoryLimit);
  // Raising the limit lets the queues finish.
  lim.high_thresh = 4 * 1024 * 1024;
  r.set_limits(lim);
  EXPECT_EQ(r.add(f1[1].view(), T0).first, Outcome::Queued);
  EXPECT_EQ(r.add(f1[2].view(), T0).first, Outcome::Complete);
  EXPECT_EQ(r.expire(T0 + 30s).size(), 1u);
  EXPECT_EQ(r.memory(), 0u);
}

// --- ipfrag_max_dist (ip_frag_too_far / ip_frag_reinit) ----------------------

void interleave_others(Reassembler& r, int n, Clock::time_point now) {
  for (int i = 0; i < n; ++i) {
    FragmentKey k = kKey;
    k.id = static_cast<std::uint16_t>(0x8000 + i);
    ASSERT_EQ(r.add(frag(k, 0, pattern(8), true).view(), now).first, Outcome::Queued);
  }
}

TEST(Reassembly, MaxDistBoundaryKeepsQueue) {
  Reassembler r;
  const auto data = pattern(32);
  ASSERT_EQ(r.add(frag(kKey, 0, slice(data, 0, 16), true).view(), T0).first, Outcome::Queued);
  interleave_others(r, 63, T0);  // rid distance 64: not more than max_dist
  EXPECT_EQ(r.add(frag(kKey, 16, slice(data, 16, 16), false).view(), T0).first, Outcome::Complete);
}

TEST(Reassembly, MaxDistExceededRestartsQueue) {
  Reassembler r;
  const auto data = pattern(32);
  auto f0 = frag(kKey, 0, slice(data, 0, 16), true);
  auto f1 = frag(kKey, 16, slice(data, 16, 16), false);
  ASSERT_EQ(r.add(f0.view(), T0).first, Outcome::Queued);
  interleave_others(r, 64, T0);  // distance 65
  const auto fails = r.stats().fails;
  // The old fragments are thrown away; f1 starts the queue afresh.
  EXPECT_EQ(r.add(f1.view(), T0 + 20s).first, Outcome::Queued);
  EXPECT_EQ(r.stats().fails, fails + 1);
  EXPECT_EQ(r.add(f0.view(), T0 + 20s).first, Outcome::Complete);
}

TEST(Reassembly, MaxDistZeroDisablesTheCheck) {
  Reassembler::Limits lim;
  lim.max_dist = 0;
  Reassembler r(lim);
  const auto data = pattern(32);
  ASSERT_EQ(r.add(frag(kKey, 0, slice(data, 0, 16), true).view(), T0).first, Outcome::Queued);
  interleave_others(r, 200, T0);
  EXPECT_EQ(r.add(frag(kKey, 16, slice(data, 16, 16), false).view(), T0).first, Outcome::Complete);
}

TEST(Reassembly, MaxDistRestartReArmsTimer) {
  Reassembler r;
  const auto data = pattern(32);
  ASSERT_EQ(r.add(frag(kKey, 16, slice(data, 16, 16), false).view(), T0).first, Outcome::Queued);
  interleave_others(r, 64, T0);
  ASSERT_EQ(r.add(frag(kKey, 0, slice(data, 0, 16), true).view(), T0 + 20s).first, Outcome::Queued);
  // The other 64 queues expire at T0+30s; ours was re-armed at T0+20s.
  auto ev = r.expire(T0 + 30s);
  EXPECT_EQ(ev.size(), 64u);
  EXPECT_EQ(r.queues(), 1u);
  ev = r.expire(T0 + 50s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].key, kKey);
  EXPECT_EQ(r.memory(), 0u);
}

}  // namespace
}  // namespace ipc::stack::ipv4
