// The IPv4 header (RFC 791 section 3.1).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "stack/wire/address.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/error.hpp"

namespace ipc::stack::wire {

namespace ipproto {
constexpr std::uint8_t kIcmp = 1;
constexpr std::uint8_t kIgmp = 2;
constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kRaw = 255;
}  // namespace ipproto

namespace ipv4 {
namespace field {
constexpr std::size_t kVersionIhl = 0;  // version: high nibble, ihl (32-bit words): low nibble
constexpr std::size_t kTos = 1;         // DSCP: high six bits, ECN: low two (RFC 2474, RFC 3168)
constexpr std::size_t kTotalLen = 2;
constexpr std::size_t kIdent = 4;
constexpr std::size_t kFlagsFrag = 6;   // 3 flag bits, 13-bit fragment offset in 8-byte units
constexpr std::size_t kTtl = 8;
constexpr std::size_t kProtocol = 9;
constexpr std::size_t kChecksum = 10;
constexpr std::size_t kSrc = 12;
constexpr std::size_t kDst = 16;
constexpr std::size_t kOptions = 20;
}  // namespace field
constexpr std::size_t kMinHeaderLen = 20;
constexpr std::size_t kMaxHeaderLen = 60;
constexpr std::size_t kMaxOptionsLen = kMaxHeaderLen - kMinHeaderLen;
constexpr std::uint16_t kFlagReserved = 0x8000;  // "evil bit"; Linux ignores it on input
constexpr std::uint16_t kFlagDf = 0x4000;
constexpr std::uint16_t kFlagMf = 0x2000;
constexpr std::uint16_t kFragOffsetMask = 0x1fff;
}  // namespace ipv4

template <class B>
class BasicIpv4Packet {
 public:
  // The checks of Linux's ip_rcv_core (net/ipv4/ip_input.c), in its order
  // except for the checksum, which verify_checksum() does separately:
  //   fewer than 20 bytes                 -> kTruncated
  //   version != 4                        -> kBadVersion
  //   ihl < 5                             -> kBadHeaderLength
  //   ihl*4 > buffer                      -> kTruncated
  //   total length > buffer               -> kTruncated   (Linux: InTruncatedPkts)
  //   total length < ihl*4                -> kBadLength    (Linux: InHdrErrors)
  // Linux verifies the checksum between the ihl and total length checks; all
  // of these drop the packet silently, so only the MIB counter differs.
  // Bytes beyond the total length (Ethernet padding) are not part of the packet.
  static Result<BasicIpv4Packet> check(std::span<B> buf) {
    auto p = check_header(buf);
    if (!p) return p;
    std::size_t total = p->total_len();
    if (total > buf.size()) return Error::kTruncated;
    if (total < p->header_len()) return Error::kBadLength;
    return BasicIpv4Packet(buf.first(total));
  }

  // Like check() without the total-length checks: for the header quoted in an
  // ICMP error, of which usually only the header and 8 bytes are present.
  // payload() is then whatever follows the header in the buffer.
  static Result<BasicIpv4Packet> check_quoted(std::span<B> buf) { return check_header(buf); }

  // For emitting: the buffer must hold header_len bytes (20..60, a multiple of 4).
  static std::optional<BasicIpv4Packet> prepare(std::span<B> buf, std::size_t header_len)
    requires(!std::is_const_v<B>)
  {
    if (header_len < ipv4::kMinHeaderLen || header_len > ipv4::kMaxHeaderLen || header_len % 4 != 0 ||
        buf.size() < header_len)
      return std::nullopt;
    BasicIpv4Packet p(buf);
    buf[ipv4::field::kVersionIhl] = static_cast<std::uint8_t>(0x40 | header_len / 4);
    return p;
  }

  std::uint8_t version() const { return buf_[ipv4::field::kVersionIhl] >> 4; }
  std::uint8_t ihl() const { return buf_[ipv4::field::kVersionIhl] & 0x0f; }
  std::size_t header_len() const { return std::size_t{ihl()} * 4; }
  std::uint8_t tos() const { return buf_[ipv4::field::kTos]; }
  std::uint8_t dscp() const { return tos() >> 2; }
  std::uint8_t ecn() const { return tos() & 0x03; }
  std::uint16_t total_len() const { return bytes::get16(buf_, ipv4::field::kTotalLen); }
  std::uint16_t ident() const { return bytes::get16(buf_, ipv4::field::kIdent); }
  std::uint16_t flags_frag() const { return bytes::get16(buf_, ipv4::field::kFlagsFrag); }
  bool reserved_flag() const { return flags_frag() & ipv4::kFlagReserved; }
  bool dont_frag() const { return flags_frag() & ipv4::kFlagDf; }
  bool more_frags() const { return flags_frag() & ipv4::kFlagMf; }
  std::uint16_t frag_offset() const { return static_cast<std::uint16_t>((flags_frag() & ipv4::kFragOffsetMask) * 8); }
  std::uint8_t ttl() const { return buf_[ipv4::field::kTtl]; }
  std::uint8_t protocol() const { return buf_[ipv4::field::kProtocol]; }
  std::uint16_t checksum() const { return bytes::get16(buf_, ipv4::field::kChecksum); }
  Ipv4Address src() const { return Ipv4Address::from_bytes(buf_.subspan(ipv4::field::kSrc)); }
  Ipv4Address dst() const { return Ipv4Address::from_bytes(buf_.subspan(ipv4::field::kDst)); }
  std::span<B> header() const { return buf_.first(header_len()); }
  std::span<B> options() const { return buf_.subspan(ipv4::field::kOptions, header_len() - ipv4::kMinHeaderLen); }
  std::span<B> payload() const { return buf_.subspan(header_len()); }
  // The whole packet: exactly total_len bytes after check().
  std::span<B> bytes() const { return buf_; }
  bool verify_checksum() const { return internet_checksum(header()) == 0; }

  void set_tos(std::uint8_t v) const requires(!std::is_const_v<B>) { buf_[ipv4::field::kTos] = v; }
  void set_total_len(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, ipv4::field::kTotalLen, v); }
  void set_ident(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, ipv4::field::kIdent, v); }
  void set_flags_frag(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, ipv4::field::kFlagsFrag, v); }
  void set_ttl(std::uint8_t v) const requires(!std::is_const_v<B>) { buf_[ipv4::field::kTtl] = v; }
  void set_protocol(std::uint8_t v) const requires(!std::is_const_v<B>) { buf_[ipv4::field::kProtocol] = v; }
  void set_checksum(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, ipv4::field::kChecksum, v); }
  void set_src(Ipv4Address a) const requires(!std::is_const_v<B>) { a.write(buf_.subspan(ipv4::field::kSrc)); }
  void set_dst(Ipv4Address a) const requires(!std::is_const_v<B>) { a.write(buf_.subspan(ipv4::field::kDst)); }
  void fill_checksum() const requires(!std::is_const_v<B>) {
    set_checksum(0);
    set_checksum(internet_checksum(header()));
  }
  // Forwarding: TTL - 1 with the RFC 1624 incremental checksum update
  // (what ip_decrease_ttl does).
  void decrement_ttl() const requires(!std::is_const_v<B>) {
    std::uint16_t old_word = bytes::get16(buf_, ipv4::field::kTtl);
    set_ttl(static_cast<std::uint8_t>(ttl() - 1));
    set_checksum(checksum_update(checksum(), old_word, bytes::get16(buf_, ipv4::field::kTtl)));
  }

 private:
  explicit BasicIpv4Packet(std::span<B> buf) : buf_(buf) {}
  static Result<BasicIpv4Packet> check_header(std::span<B> buf) {
    if (buf.size() < ipv4::kMinHeaderLen) return Error::kTruncated;
    BasicIpv4Packet p(buf);
    if (p.version() != 4) return Error::kBadVersion;
    if (p.ihl() < 5) return Error::kBadHeaderLength;
    if (p.header_len() > buf.size()) return Error::kTruncated;
    return p;
  }
  std::span<B> buf_;
};

using Ipv4Packet = BasicIpv4Packet<const std::uint8_t>;
using MutableIpv4Packet = BasicIpv4Packet<std::uint8_t>;

enum class ChecksumPolicy : std::uint8_t { kVerify, kIgnore };

// The header as a value. The payload is not part of it: upper layers write
// theirs after buffer_len() bytes and payload_len says how long it is.
struct Ipv4Repr {
  Ipv4Address src;
  Ipv4Address dst;
  std::uint8_t protocol = 0;
  std::uint8_t ttl = 64;
  std::uint8_t dscp = 0;  // 0..63
  std::uint8_t ecn = 0;   // 0..3
  std::uint16_t ident = 0;
  bool dont_frag = false;
  bool more_frags = false;
  std::uint16_t frag_offset = 0;  // in bytes; a multiple of 8 below 65536
  std::vector<std::uint8_t> options;  // raw option bytes; emit pads them with EOL to a multiple of 4
  std::uint16_t payload_len = 0;

  // Copies the fields out of a checked packet; with kVerify, a wrong header
  // checksum is kBadChecksum. Options are taken as raw bytes; validate them
  // with Ipv4OptionReader / check_ipv4_options (ipv4_options.hpp).
  static Result<Ipv4Repr> parse(const Ipv4Packet& p, ChecksumPolicy policy = ChecksumPolicy::kVerify);

  std::size_t header_len() const { return ipv4::kMinHeaderLen + (options.size() + 3) / 4 * 4; }
  std::size_t buffer_len() const { return header_len(); }
  // Writes the header with a correct checksum. kUnrepresentable when the
  // options exceed 40 bytes, dscp/ecn/frag_offset are out of range, or the
  // total length exceeds 65535.
  Result<std::size_t> emit(std::span<std::uint8_t> out) const;

  friend bool operator==(const Ipv4Repr&, const Ipv4Repr&) = default;
};

}  // namespace ipc::stack::wire
