#include "bench/stream.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <vector>

namespace {

using ipc::bench::Stream;
using ipc::bench::Verifier;

std::vector<std::uint8_t> bytes_at(const Stream& s, std::uint64_t offset, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  std::vector<std::uint32_t> scratch;
  s.bytes(offset, out, scratch);
  return out;
}

TEST(Stream, AnyOffsetMatchesTheWholeStream) {
  const Stream s(42);
  const auto all = bytes_at(s, 0, 4096);
  for (std::uint64_t off : {0, 1, 2, 3, 5, 1000, 4093})
    for (std::size_t n : {1, 2, 3, 4, 7, 64}) {
      if (off + n > all.size()) continue;
      EXPECT_EQ(bytes_at(s, off, n), std::vector<std::uint8_t>(all.begin() + off, all.begin() + off + n))
          << off << "+" << n;
    }
  // words() is the same stream.
  std::vector<std::uint32_t> w(1024);
  s.words(0, w);
  EXPECT_EQ(std::memcmp(w.data(), all.data(), all.size()), 0);
}

TEST(Stream, SeedsDifferAndWordsDoNotRepeat) {
  EXPECT_NE(bytes_at(Stream(1), 0, 64), bytes_at(Stream(2), 0, 64));
  std::vector<std::uint32_t> w(1 << 20);
  Stream(7).words(0, w);
  EXPECT_EQ(std::set<std::uint32_t>(w.begin(), w.end()).size(), w.size());  // a bijection of the index
  // Across a 2^32-word block boundary the stream goes on (another key).
  std::vector<std::uint32_t> a(4), b(2), c(2);
  const Stream s(7);
  s.words((std::uint64_t{1} << 32) - 2, a);
  s.words((std::uint64_t{1} << 32) - 2, b);
  s.words(std::uint64_t{1} << 32, c);
  EXPECT_EQ(a[0], b[0]);
  EXPECT_EQ(a[2], c[0]);
  EXPECT_EQ(a[3], c[1]);
}

TEST(Verifier, AcceptsTheStreamInAnyPiecesAndFindsTheFirstBadByte) {
  const Stream s(3);
  const auto all = bytes_at(s, 0, 10000);
  Verifier v(s);
  std::size_t at = 0;
  for (std::size_t n : {1, 3, 4, 1000, 17, 4096}) {
    EXPECT_TRUE(v.feed(std::span(all.data() + at, n)));
    at += n;
  }
  EXPECT_EQ(v.received(), at);
  EXPECT_FALSE(v.first_mismatch());

  auto bad = all;
  bad[5001] ^= 0x40;
  Verifier w(s);
  EXPECT_TRUE(w.feed(std::span(bad.data(), 5000)));
  EXPECT_FALSE(w.feed(std::span(bad.data() + 5000, 5000)));
  EXPECT_EQ(w.first_mismatch(), 5001u);
  EXPECT_EQ(w.received(), 10000u);

  // A lost segment shifts everything after it.
  Verifier x(s);
  x.feed(std::span(all.data(), 1460));
  x.feed(std::span(all.data() + 2920, 1460));
  EXPECT_EQ(x.first_mismatch(), 1460u);
}

}  // namespace
