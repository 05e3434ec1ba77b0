// The seeded pseudo-random byte stream the sender sends and the receiver
// regenerates independently to check every byte.
//
// The stream is a sequence of 32-bit words (host byte order): word i is
// mix32(lo32(i) * 0x9e3779b9 + key(seed, i >> 32)) with mix32 the
// "lowbias32" integer hash, a bijection. Within each 16 GiB block the words
// are therefore all different (no period, so a lost, repeated or reordered
// segment never lines up with the expected bytes), and any byte offset can be
// generated directly, without the bytes before it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ipc::bench {

class Stream {
 public:
  explicit Stream(std::uint64_t seed) : seed_(seed) {}
  std::uint64_t seed() const { return seed_; }

  // Writes the words [first_word, first_word + out.size()).
  void words(std::uint64_t first_word, std::span<std::uint32_t> out) const;
  // Writes the bytes [offset, offset + out.size()) through `scratch`.
  void bytes(std::uint64_t offset, std::span<std::uint8_t> out, std::vector<std::uint32_t>& scratch) const;

 private:
  std::uint64_t seed_;
};

// The receiving end: compares what arrives with the stream, in order.
class Verifier {
 public:
  explicit Verifier(const Stream& stream) : stream_(stream) {}
  // Checks `data` as the bytes at offset received(); returns false if they
  // differ (first_mismatch() then says where; later calls only count).
  bool feed(std::span<const std::uint8_t> data);
  std::uint64_t received() const { return received_; }
  std::optional<std::uint64_t> first_mismatch() const { return mismatch_; }

 private:
  const Stream& stream_;
  std::uint64_t received_ = 0;
  std::optional<std::uint64_t> mismatch_;
  std::vector<std::uint32_t> scratch_;
};

}  // namespace ipc::bench
