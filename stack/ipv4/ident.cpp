#include "stack/ipv4/ident.hpp"

namespace ipc::stack::ipv4 {
namespace {

// A keyed mix of the flow (Linux uses siphash_3u32; any keyed hash gives the
// same observable behaviour: unrelated flows use unrelated counters).
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

IdentGenerator::IdentGenerator(std::uint64_t hash_key, Random random, std::size_t buckets)
    : key_(hash_key), random_(std::move(random)), ids_(buckets, 0), stamps_(buckets, 0) {}

std::uint16_t IdentGenerator::next(wire::Ipv4Address daddr, wire::Ipv4Address saddr, std::uint8_t protocol,
                                   std::uint32_t now, std::uint32_t segs) {
  std::uint64_t h = mix(key_ ^ (std::uint64_t{daddr.to_u32()} << 32 | saddr.to_u32()));
  h = mix(h ^ protocol);
  const std::size_t bucket = h & (ids_.size() - 1);
  // ip_idents_reserve: an idle bucket advances by a random amount below the
  // ticks it was idle, so an observer cannot count another flow's datagrams.
  std::uint32_t delta = 0;
  const std::uint32_t old = stamps_[bucket];
  if (old != now) {
    stamps_[bucket] = now;
    if (random_) delta = random_(now - old);
  }
  ids_[bucket] += segs + delta;  // atomic_add_return(segs + delta) - segs
  return static_cast<std::uint16_t>(ids_[bucket] - segs);
}

std::uint16_t select_ident(const IdentRequest& req, IdentGenerator& gen, std::uint32_t now) {
  if (req.inet_id) {
    if (req.tcp) {
      const std::uint16_t v = *req.inet_id;
      *req.inet_id = static_cast<std::uint16_t>(v + req.segs);
      return v;
    }
    *req.inet_id = static_cast<std::uint16_t>(*req.inet_id + req.segs);
    return *req.inet_id;
  }
  if (req.df && !req.ignore_df) return 0;
  return gen.next(req.daddr, req.saddr, req.protocol, now, req.segs);
}

}  // namespace ipc::stack::ipv4
