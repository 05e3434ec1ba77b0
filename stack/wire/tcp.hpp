// The TCP header (RFC 9293 section 3.1) and its options (RFC 9293 3.2, RFC
// 7323 window scale and timestamps, RFC 2018 SACK). Parsing and emitting
// only; the state machine lives elsewhere.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "stack/wire/address.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/error.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::wire {

namespace tcp {
namespace field {
constexpr std::size_t kSrcPort = 0;
constexpr std::size_t kDstPort = 2;
constexpr std::size_t kSeq = 4;
constexpr std::size_t kAck = 8;
constexpr std::size_t kDataOffset = 12;  // high nibble: header length in 32-bit words; low: reserved (AE, RFC 9768)
constexpr std::size_t kFlags = 13;
constexpr std::size_t kWindow = 14;
constexpr std::size_t kChecksum = 16;
constexpr std::size_t kUrgent = 18;
constexpr std::size_t kOptions = 20;
}  // namespace field
constexpr std::size_t kMinHeaderLen = 20;
constexpr std::size_t kMaxHeaderLen = 60;

namespace flag {
constexpr std::uint8_t kFin = 0x01;
constexpr std::uint8_t kSyn = 0x02;
constexpr std::uint8_t kRst = 0x04;
constexpr std::uint8_t kPsh = 0x08;
constexpr std::uint8_t kAck = 0x10;
constexpr std::uint8_t kUrg = 0x20;
constexpr std::uint8_t kEce = 0x40;
constexpr std::uint8_t kCwr = 0x80;
}  // namespace flag

namespace option {
constexpr std::uint8_t kEndOfList = 0;
constexpr std::uint8_t kNoOperation = 1;
constexpr std::uint8_t kMss = 2;
constexpr std::uint8_t kWindowScale = 3;
constexpr std::uint8_t kSackPermitted = 4;
constexpr std::uint8_t kSack = 5;
constexpr std::uint8_t kTimestamps = 8;
constexpr std::size_t kMssLen = 4;
constexpr std::size_t kWindowScaleLen = 3;
constexpr std::size_t kSackPermittedLen = 2;
constexpr std::size_t kSackBlockLen = 8;
constexpr std::size_t kTimestampsLen = 10;
}  // namespace option
}  // namespace tcp

template <class B>
class BasicTcpPacket {
 public:
  // `buf` is the IP payload (the segment). As in Linux's tcp_v4_rcv: at
  // least 20 bytes, data offset >= 5 and the header inside the buffer
  // (kBadHeaderLength for doff < 5, kTruncated otherwise).
  static Result<BasicTcpPacket> check(std::span<B> buf) {
    if (buf.size() < tcp::kMinHeaderLen) return Error::kTruncated;
    BasicTcpPacket p(buf);
    if (p.data_offset() < 5) return Error::kBadHeaderLength;
    if (p.header_len() > buf.size()) return Error::kTruncated;
    return p;
  }
  static std::optional<BasicTcpPacket> prepare(std::span<B> buf, std::size_t header_len)
    requires(!std::is_const_v<B>)
  {
    if (header_len < tcp::kMinHeaderLen || header_len > tcp::kMaxHeaderLen || header_len % 4 != 0 ||
        buf.size() < header_len)
      return std::nullopt;
    buf[tcp::field::kDataOffset] = static_cast<std::uint8_t>(header_len / 4 << 4);
    return BasicTcpPacket(buf);
  }

  std::uint16_t src_port() const { return bytes::get16(buf_, tcp::field::kSrcPort); }
  std::uint16_t dst_port() const { return bytes::get16(buf_, tcp::field::kDstPort); }
  std::uint32_t seq() const { return bytes::get32(buf_, tcp::field::kSeq); }
  std::uint32_t ack() const { return bytes::get32(buf_, tcp::field::kAck); }
  std::uint8_t data_offset() const { return buf_[tcp::field::kDataOffset] >> 4; }
  std::uint8_t reserved() const { return buf_[tcp::field::kDataOffset] & 0x0f; }
  std::size_t header_len() const { return std::size_t{data_offset()} * 4; }
  std::uint8_t flags() const { return buf_[tcp::field::kFlags]; }
  bool fin() const { return flags() & tcp::flag::kFin; }
  bool syn() const { return flags() & tcp::flag::kSyn; }
  bool rst() const { return flags() & tcp::flag::kRst; }
  bool psh() const { return flags() & tcp::flag::kPsh; }
  bool ack_flag() const { return flags() & tcp::flag::kAck; }
  bool urg() const { return flags() & tcp::flag::kUrg; }
  std::uint16_t window() const { return bytes::get16(buf_, tcp::field::kWindow); }
  std::uint16_t checksum() const { return bytes::get16(buf_, tcp::field::kChecksum); }
  std::uint16_t urgent() const { return bytes::get16(buf_, tcp::field::kUrgent); }
  std::span<B> options() const { return buf_.subspan(tcp::field::kOptions, header_len() - tcp::kMinHeaderLen); }
  std::span<B> payload() const { return buf_.subspan(header_len()); }
  std::span<B> bytes() const { return buf_; }

  std::uint16_t compute_checksum(Ipv4Address src, Ipv4Address dst) const {
    Checksum c;
    add_pseudo_header(c, src, dst, ipproto::kTcp, static_cast<std::uint16_t>(buf_.size()));
    return c.add(buf_).finish();
  }
  // TCP has no "no checksum" value (unlike UDP).
  bool verify_checksum(Ipv4Address src, Ipv4Address dst) const { return compute_checksum(src, dst) == 0; }

  void set_src_port(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, tcp::field::kSrcPort, v); }
  void set_dst_port(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, tcp::field::kDstPort, v); }
  void set_seq(std::uint32_t v) const requires(!std::is_const_v<B>) { bytes::put32(buf_, tcp::field::kSeq, v); }
  void set_ack(std::uint32_t v) const requires(!std::is_const_v<B>) { bytes::put32(buf_, tcp::field::kAck, v); }
  void set_flags(std::uint8_t v) const requires(!std::is_const_v<B>) { buf_[tcp::field::kFlags] = v; }
  void set_window(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, tcp::field::kWindow, v); }
  void set_checksum(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, tcp::field::kChecksum, v); }
  void set_urgent(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, tcp::field::kUrgent, v); }
  void fill_checksum(Ipv4Address src, Ipv4Address dst) const requires(!std::is_const_v<B>) {
    set_checksum(0);
    set_checksum(compute_checksum(src, dst));
  }

 private:
  explicit BasicTcpPacket(std::span<B> buf) : buf_(buf) {}
  std::span<B> buf_;
};

using TcpPacket = BasicTcpPacket<const std::uint8_t>;
using MutableTcpPacket = BasicTcpPacket<std::uint8_t>;

enum class TcpOptionKind : std::uint8_t {
  kEndOfList,
  kNoOperation,
  kMss,
  kWindowScale,
  kSackPermitted,
  kSack,
  kTimestamps,
  kUnknown,  // includes a known kind with the wrong length (Linux ignores those)
};

struct TcpSackBlock {
  std::uint32_t left = 0;
  std::uint32_t right = 0;
  friend bool operator==(const TcpSackBlock&, const TcpSackBlock&) = default;
};

struct TcpOption {
  TcpOptionKind kind = TcpOptionKind::kUnknown;
  std::uint8_t type = 0;
  std::size_t offset = 0;             // of the kind byte, within the options area
  std::span<const std::uint8_t> raw;  // the whole option
  std::uint16_t mss = 0;
  std::uint8_t window_scale = 0;      // as sent; Linux clamps values above 14
  std::uint32_t ts_val = 0;
  std::uint32_t ts_ecr = 0;
  std::span<const std::uint8_t> data;  // after the length byte (SACK blocks, unknown)

  std::size_t sack_block_count() const { return data.size() / tcp::option::kSackBlockLen; }
  TcpSackBlock sack_block(std::size_t i) const {
    return {bytes::get32(data, i * 8), bytes::get32(data, i * 8 + 4)};
  }
};

// Yields the options in order, following Linux's tcp_parse_options: EOL
// ends the list; a kind other than EOL/NOP without room for its length byte,
// with a length < 2 or running past the area ends it too ("don't parse
// partial options"), which malformed() then reports. Known kinds are typed
// only with their exact length (SACK: 2 + 8n, n >= 1), else kUnknown.
class TcpOptionReader {
 public:
  explicit TcpOptionReader(std::span<const std::uint8_t> area) : area_(area) {}
  std::optional<TcpOption> next();
  bool malformed() const { return malformed_; }
  std::size_t error_offset() const { return error_offset_; }

 private:
  std::span<const std::uint8_t> area_;
  std::size_t pos_ = 0;
  bool done_ = false;
  bool malformed_ = false;
  std::size_t error_offset_ = 0;
};

struct TcpTimestamps {
  std::uint32_t val = 0;
  std::uint32_t ecr = 0;
  friend bool operator==(const TcpTimestamps&, const TcpTimestamps&) = default;
};

struct TcpRepr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  std::uint16_t urgent = 0;
  // Options (the last of each kind wins on parse, as in tcp_parse_options).
  std::optional<std::uint16_t> mss;
  std::optional<std::uint8_t> window_scale;
  bool sack_permitted = false;
  std::vector<TcpSackBlock> sack_blocks;  // at most 4 (3 with timestamps) fit
  std::optional<TcpTimestamps> timestamps;
  std::span<const std::uint8_t> payload;

  static Result<TcpRepr> parse(const TcpPacket& p, Ipv4Address src, Ipv4Address dst,
                               ChecksumPolicy policy = ChecksumPolicy::kVerify);
  // Options laid out as Linux's tcp_options_write does: MSS; SACK-permitted
  // and timestamps together (NOP NOP in place of SACK-permitted when only
  // timestamps); NOP NOP SACK-permitted alone; NOP window scale; NOP NOP SACK.
  std::size_t options_len() const;
  std::size_t header_len() const { return tcp::kMinHeaderLen + options_len(); }
  std::size_t buffer_len() const { return header_len() + payload.size(); }
  Result<std::size_t> emit(std::span<std::uint8_t> out, Ipv4Address src, Ipv4Address dst) const;

  friend bool operator==(const TcpRepr& a, const TcpRepr& b) {
    return a.src_port == b.src_port && a.dst_port == b.dst_port && a.seq == b.seq && a.ack == b.ack &&
           a.flags == b.flags && a.window == b.window && a.urgent == b.urgent && a.mss == b.mss &&
           a.window_scale == b.window_scale && a.sack_permitted == b.sack_permitted &&
           a.sack_blocks == b.sack_blocks && a.timestamps == b.timestamps && std::ranges::equal(a.payload, b.payload);
  }
};

}  // namespace ipc::stack::wire
