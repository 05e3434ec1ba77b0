// Ethernet II framing (IEEE 802.3 with an EtherType, RFC 894). No FCS: a TAP
// device hands frames over without it, and Linux neither checks nor adds it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include "stack/wire/address.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/error.hpp"

namespace ipc::stack::wire {

namespace ethertype {
constexpr std::uint16_t kIpv4 = 0x0800;
constexpr std::uint16_t kArp = 0x0806;
}  // namespace ethertype

namespace ethernet {
namespace field {
constexpr std::size_t kDst = 0;
constexpr std::size_t kSrc = 6;
constexpr std::size_t kEthertype = 12;
}  // namespace field
constexpr std::size_t kHeaderLen = 14;
}  // namespace ethernet

// A view over a frame. `B` is `const std::uint8_t` (read) or `std::uint8_t`
// (read and write). Made only through check(), so accessors need no checks.
template <class B>
class BasicEthernetFrame {
 public:
  static Result<BasicEthernetFrame> check(std::span<B> buf) {
    if (buf.size() < ethernet::kHeaderLen) return Error::kTruncated;
    return BasicEthernetFrame(buf);
  }

  MacAddress dst() const { return MacAddress::from_bytes(buf_.subspan(ethernet::field::kDst)); }
  MacAddress src() const { return MacAddress::from_bytes(buf_.subspan(ethernet::field::kSrc)); }
  std::uint16_t ethertype() const { return bytes::get16(buf_, ethernet::field::kEthertype); }
  std::span<B> payload() const { return buf_.subspan(ethernet::kHeaderLen); }
  std::span<B> bytes() const { return buf_; }

  void set_dst(MacAddress a) const requires(!std::is_const_v<B>) { a.write(buf_.subspan(ethernet::field::kDst)); }
  void set_src(MacAddress a) const requires(!std::is_const_v<B>) { a.write(buf_.subspan(ethernet::field::kSrc)); }
  void set_ethertype(std::uint16_t v) const requires(!std::is_const_v<B>) {
    bytes::put16(buf_, ethernet::field::kEthertype, v);
  }

 private:
  explicit BasicEthernetFrame(std::span<B> buf) : buf_(buf) {}
  std::span<B> buf_;
};

using EthernetFrame = BasicEthernetFrame<const std::uint8_t>;
using MutableEthernetFrame = BasicEthernetFrame<std::uint8_t>;

struct EthernetRepr {
  MacAddress src;
  MacAddress dst;
  std::uint16_t ethertype = 0;

  static EthernetRepr parse(const EthernetFrame& f);
  std::size_t buffer_len() const { return ethernet::kHeaderLen; }
  // Writes the header into the first buffer_len() bytes; the payload follows.
  Result<std::size_t> emit(std::span<std::uint8_t> out) const;

  friend bool operator==(const EthernetRepr&, const EthernetRepr&) = default;
};

}  // namespace ipc::stack::wire
