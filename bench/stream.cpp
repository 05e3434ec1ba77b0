#include "bench/stream.hpp"

#include <algorithm>
#include <cstring>

namespace ipc::bench {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Sanitized builds get the plain loop: the ifunc resolver of target_clones
// runs before the sanitizer runtime is up, and instrumented it crashes.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(IPCONFORM_BENCH_NO_CLONES)
#define IPCONFORM_BENCH_CLONES 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define IPCONFORM_BENCH_CLONES 0
#endif
#endif
#if !defined(IPCONFORM_BENCH_CLONES) && defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define IPCONFORM_BENCH_CLONES 1
#endif

// A simple loop the compiler vectorises (no carried state); with AVX2 where
// the CPU has it (8 words per multiply), which makes generating and checking
// the stream several times faster than the kernel moves it.
#if IPCONFORM_BENCH_CLONES
__attribute__((target_clones("avx2", "default")))
#endif
void fill_block(std::uint32_t* out, std::size_t n, std::uint32_t first, std::uint32_t key) {
  for (std::size_t j = 0; j < n; ++j) {
    std::uint32_t x = (first + static_cast<std::uint32_t>(j)) * 0x9e3779b9u + key;
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    out[j] = x;
  }
}

}  // namespace

void Stream::words(std::uint64_t first_word, std::span<std::uint32_t> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::uint64_t w = first_word + done;
    const std::uint64_t block = w >> 32;
    // Words left in this 2^32-word block.
    const std::uint64_t room = (std::uint64_t{1} << 32) - (w & 0xffffffffu);
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(room, out.size() - done));
    const auto key = static_cast<std::uint32_t>(splitmix64(seed_ ^ (block * 0xd6e8feb86659fd93ull)));
    fill_block(out.data() + done, n, static_cast<std::uint32_t>(w), key);
    done += n;
  }
}

void Stream::bytes(std::uint64_t offset, std::span<std::uint8_t> out, std::vector<std::uint32_t>& scratch) const {
  if (out.empty()) return;
  const std::size_t skip = offset % 4;
  const std::size_t nwords = (skip + out.size() + 3) / 4;
  if (scratch.size() < nwords) scratch.resize(nwords);
  words(offset / 4, std::span(scratch.data(), nwords));
  std::memcpy(out.data(), reinterpret_cast<const std::uint8_t*>(scratch.data()) + skip, out.size());
}

bool Verifier::feed(std::span<const std::uint8_t> data) {
  const std::uint64_t at = received_;
  received_ += data.size();
  if (mismatch_ || data.empty()) return !mismatch_;
  // The words covering [at, at + size), compared in place.
  const std::size_t skip = at % 4;
  const std::size_t nwords = (skip + data.size() + 3) / 4;
  if (scratch_.size() < nwords) scratch_.resize(nwords);
  stream_.words(at / 4, std::span(scratch_.data(), nwords));
  const auto* expected = reinterpret_cast<const std::uint8_t*>(scratch_.data()) + skip;
  if (std::memcmp(expected, data.data(), data.size()) == 0) return true;
  const auto diff = std::mismatch(data.begin(), data.end(), expected);
  mismatch_ = at + static_cast<std::uint64_t>(diff.first - data.begin());
  return false;
}

}  // namespace ipc::bench
