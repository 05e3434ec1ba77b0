// UDP (RFC 768).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include "stack/wire/address.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/error.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::wire {

namespace udp {
namespace field {
constexpr std::size_t kSrcPort = 0;
constexpr std::size_t kDstPort = 2;
constexpr std::size_t kLength = 4;
constexpr std::size_t kChecksum = 6;
constexpr std::size_t kPayload = 8;
}  // namespace field
constexpr std::size_t kHeaderLen = 8;
}  // namespace udp

template <class B>
class BasicUdpPacket {
 public:
  // `buf` is the IP payload. As in Linux's __udp4_lib_rcv: a length field
  // above the buffer, or below 8, is a short packet (kTruncated / kBadLength);
  // bytes beyond the length field are trimmed off (pskb_trim_rcsum).
  static Result<BasicUdpPacket> check(std::span<B> buf) {
    if (buf.size() < udp::kHeaderLen) return Error::kTruncated;
    std::size_t len = bytes::get16(buf, udp::field::kLength);
    if (len > buf.size()) return Error::kTruncated;
    if (len < udp::kHeaderLen) return Error::kBadLength;
    return BasicUdpPacket(buf.first(len));
  }
  static std::optional<BasicUdpPacket> prepare(std::span<B> buf) requires(!std::is_const_v<B>) {
    if (buf.size() < udp::kHeaderLen) return std::nullopt;
    return BasicUdpPacket(buf);
  }

  std::uint16_t src_port() const { return bytes::get16(buf_, udp::field::kSrcPort); }
  std::uint16_t dst_port() const { return bytes::get16(buf_, udp::field::kDstPort); }
  std::uint16_t length() const { return bytes::get16(buf_, udp::field::kLength); }
  std::uint16_t checksum() const { return bytes::get16(buf_, udp::field::kChecksum); }
  std::span<B> payload() const { return buf_.subspan(udp::kHeaderLen); }
  std::span<B> bytes() const { return buf_; }

  // Checksum 0 means the sender computed none (RFC 768); that verifies.
  bool verify_checksum(Ipv4Address src, Ipv4Address dst) const {
    if (checksum() == 0) return true;
    return compute_checksum(src, dst) == 0;
  }
  // The one's complement of the sum over the pseudo-header and the datagram
  // as it currently is (0 when the stored checksum is right).
  std::uint16_t compute_checksum(Ipv4Address src, Ipv4Address dst) const {
    Checksum c;
    add_pseudo_header(c, src, dst, ipproto::kUdp, static_cast<std::uint16_t>(buf_.size()));
    return c.add(buf_).finish();
  }

  void set_src_port(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, udp::field::kSrcPort, v); }
  void set_dst_port(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, udp::field::kDstPort, v); }
  void set_length(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, udp::field::kLength, v); }
  void set_checksum(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, udp::field::kChecksum, v); }
  // A computed 0 is sent as 0xffff: 0 would mean "no checksum" (RFC 768).
  void fill_checksum(Ipv4Address src, Ipv4Address dst) const requires(!std::is_const_v<B>) {
    set_checksum(0);
    std::uint16_t c = compute_checksum(src, dst);
    set_checksum(c == 0 ? 0xffff : c);
  }

 private:
  explicit BasicUdpPacket(std::span<B> buf) : buf_(buf) {}
  std::span<B> buf_;
};

using UdpPacket = BasicUdpPacket<const std::uint8_t>;
using MutableUdpPacket = BasicUdpPacket<std::uint8_t>;

struct UdpRepr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::span<const std::uint8_t> payload;  // into the parsed buffer, or the data to send

  // The addresses are those of the enclosing IP header (the pseudo-header).
  static Result<UdpRepr> parse(const UdpPacket& p, Ipv4Address src, Ipv4Address dst,
                               ChecksumPolicy policy = ChecksumPolicy::kVerify);
  std::size_t buffer_len() const { return udp::kHeaderLen + payload.size(); }
  // With with_checksum = false the checksum field is 0 (SO_NO_CHECK).
  Result<std::size_t> emit(std::span<std::uint8_t> out, Ipv4Address src, Ipv4Address dst,
                           bool with_checksum = true) const;

  friend bool operator==(const UdpRepr& a, const UdpRepr& b) {
    return a.src_port == b.src_port && a.dst_port == b.dst_port && std::ranges::equal(a.payload, b.payload);
  }
};

}  // namespace ipc::stack::wire
