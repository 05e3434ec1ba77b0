// ICMPv4 (RFC 792), with the Fragmentation Needed next-hop MTU of RFC 1191.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <variant>

#include "stack/wire/address.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/error.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::wire {

namespace icmp {
namespace field {
constexpr std::size_t kType = 0;
constexpr std::size_t kCode = 1;
constexpr std::size_t kChecksum = 2;
constexpr std::size_t kRest = 4;        // the 4-byte "rest of header", by type:
constexpr std::size_t kEchoIdent = 4;   //   echo, echo reply
constexpr std::size_t kEchoSeq = 6;
constexpr std::size_t kNextHopMtu = 6;  //   destination unreachable, code 4 (RFC 1191)
constexpr std::size_t kPointer = 4;     //   parameter problem
constexpr std::size_t kGateway = 4;     //   redirect
constexpr std::size_t kData = 8;
}  // namespace field
constexpr std::size_t kHeaderLen = 8;

namespace type {
constexpr std::uint8_t kEchoReply = 0;
constexpr std::uint8_t kDestUnreachable = 3;
constexpr std::uint8_t kSourceQuench = 4;
constexpr std::uint8_t kRedirect = 5;
constexpr std::uint8_t kEchoRequest = 8;
constexpr std::uint8_t kTimeExceeded = 11;
constexpr std::uint8_t kParameterProblem = 12;
constexpr std::uint8_t kTimestamp = 13;
constexpr std::uint8_t kTimestampReply = 14;
}  // namespace type

namespace unreach {
constexpr std::uint8_t kNet = 0;
constexpr std::uint8_t kHost = 1;
constexpr std::uint8_t kProtocol = 2;
constexpr std::uint8_t kPort = 3;
constexpr std::uint8_t kFragNeeded = 4;
constexpr std::uint8_t kSourceRouteFailed = 5;
constexpr std::uint8_t kNetProhibited = 9;
constexpr std::uint8_t kHostProhibited = 10;
constexpr std::uint8_t kAdminProhibited = 13;  // RFC 1812
}  // namespace unreach

namespace time_exceeded {
constexpr std::uint8_t kTtl = 0;
constexpr std::uint8_t kReassembly = 1;
}  // namespace time_exceeded
}  // namespace icmp

template <class B>
class BasicIcmpPacket {
 public:
  // The whole ICMP message (the IP payload). Only the 8-byte header is
  // required, as in Linux's icmp_rcv (pskb_pull of sizeof(struct icmphdr)).
  static Result<BasicIcmpPacket> check(std::span<B> buf) {
    if (buf.size() < icmp::kHeaderLen) return Error::kTruncated;
    return BasicIcmpPacket(buf);
  }

  std::uint8_t type() const { return buf_[icmp::field::kType]; }
  std::uint8_t code() const { return buf_[icmp::field::kCode]; }
  std::uint16_t checksum() const { return bytes::get16(buf_, icmp::field::kChecksum); }
  std::uint32_t rest() const { return bytes::get32(buf_, icmp::field::kRest); }
  std::uint16_t echo_ident() const { return bytes::get16(buf_, icmp::field::kEchoIdent); }
  std::uint16_t echo_seq() const { return bytes::get16(buf_, icmp::field::kEchoSeq); }
  std::uint16_t next_hop_mtu() const { return bytes::get16(buf_, icmp::field::kNextHopMtu); }
  std::uint8_t pointer() const { return buf_[icmp::field::kPointer]; }
  Ipv4Address gateway() const { return Ipv4Address::from_bytes(buf_.subspan(icmp::field::kGateway)); }
  std::span<B> data() const { return buf_.subspan(icmp::field::kData); }
  std::span<B> bytes() const { return buf_; }
  // The checksum covers the whole message (RFC 792).
  bool verify_checksum() const { return internet_checksum(buf_) == 0; }

  void set_type(std::uint8_t v) const requires(!std::is_const_v<B>) { buf_[icmp::field::kType] = v; }
  void set_code(std::uint8_t v) const requires(!std::is_const_v<B>) { buf_[icmp::field::kCode] = v; }
  void set_checksum(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, icmp::field::kChecksum, v); }
  void set_rest(std::uint32_t v) const requires(!std::is_const_v<B>) { bytes::put32(buf_, icmp::field::kRest, v); }
  void fill_checksum() const requires(!std::is_const_v<B>) {
    set_checksum(0);
    set_checksum(internet_checksum(buf_));
  }

 private:
  explicit BasicIcmpPacket(std::span<B> buf) : buf_(buf) {}
  std::span<B> buf_;
};

using IcmpPacket = BasicIcmpPacket<const std::uint8_t>;
using MutableIcmpPacket = BasicIcmpPacket<std::uint8_t>;

// The messages, each with the fields of its rest-of-header. `data` is the
// echo payload, or for errors the quoted datagram (the offending IP header
// and at least 8 bytes of its payload, RFC 792; Linux quotes up to 576 bytes
// in all, RFC 1812 4.3.2.3). The spans point into the parsed buffer.
struct IcmpEcho {
  bool reply = false;
  std::uint16_t ident = 0;
  std::uint16_t seq = 0;
  std::span<const std::uint8_t> data;
  friend bool operator==(const IcmpEcho& a, const IcmpEcho& b) {
    return a.reply == b.reply && a.ident == b.ident && a.seq == b.seq && std::ranges::equal(a.data, b.data);
  }
};
struct IcmpDestUnreachable {
  std::uint8_t code = 0;
  std::uint16_t next_hop_mtu = 0;  // code 4 only (RFC 1191); 0 otherwise
  std::span<const std::uint8_t> data;
  friend bool operator==(const IcmpDestUnreachable& a, const IcmpDestUnreachable& b) {
    return a.code == b.code && a.next_hop_mtu == b.next_hop_mtu && std::ranges::equal(a.data, b.data);
  }
};
struct IcmpTimeExceeded {
  std::uint8_t code = 0;
  std::span<const std::uint8_t> data;
  friend bool operator==(const IcmpTimeExceeded& a, const IcmpTimeExceeded& b) {
    return a.code == b.code && std::ranges::equal(a.data, b.data);
  }
};
struct IcmpParameterProblem {
  std::uint8_t code = 0;
  std::uint8_t pointer = 0;  // offset of the offending byte in the quoted IP header
  std::span<const std::uint8_t> data;
  friend bool operator==(const IcmpParameterProblem& a, const IcmpParameterProblem& b) {
    return a.code == b.code && a.pointer == b.pointer && std::ranges::equal(a.data, b.data);
  }
};
struct IcmpRedirect {
  std::uint8_t code = 0;
  Ipv4Address gateway;
  std::span<const std::uint8_t> data;
  friend bool operator==(const IcmpRedirect& a, const IcmpRedirect& b) {
    return a.code == b.code && a.gateway == b.gateway && std::ranges::equal(a.data, b.data);
  }
};
// Anything else (source quench, timestamp, ...), kept raw.
struct IcmpOther {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t rest = 0;
  std::span<const std::uint8_t> data;
  friend bool operator==(const IcmpOther& a, const IcmpOther& b) {
    return a.type == b.type && a.code == b.code && a.rest == b.rest && std::ranges::equal(a.data, b.data);
  }
};

struct IcmpRepr {
  std::variant<IcmpEcho, IcmpDestUnreachable, IcmpTimeExceeded, IcmpParameterProblem, IcmpRedirect, IcmpOther> message;

  // With kVerify a wrong checksum is kBadChecksum (icmp_rcv drops those).
  static Result<IcmpRepr> parse(const IcmpPacket& p, ChecksumPolicy policy = ChecksumPolicy::kVerify);
  std::uint8_t type() const;
  std::uint8_t code() const;
  std::span<const std::uint8_t> data() const;
  std::size_t buffer_len() const { return icmp::kHeaderLen + data().size(); }
  // Writes header and data (data may already sit at out[8..]: it is moved,
  // not copied) and the checksum.
  Result<std::size_t> emit(std::span<std::uint8_t> out) const;

  friend bool operator==(const IcmpRepr&, const IcmpRepr&) = default;
};

}  // namespace ipc::stack::wire
