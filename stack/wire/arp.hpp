// ARP (RFC 826), only the Ethernet/IPv4 variant: hardware type 1, protocol
// type 0x0800, address lengths 6 and 4. Linux's arp_rcv likewise drops
// packets whose ar_hln differs from the device's address length or whose
// ar_pln is not 4, and arp_process ignores other hardware/protocol types.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include "stack/wire/address.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/error.hpp"

namespace ipc::stack::wire {

namespace arp {
namespace field {
constexpr std::size_t kHardwareType = 0;
constexpr std::size_t kProtocolType = 2;
constexpr std::size_t kHardwareLen = 4;
constexpr std::size_t kProtocolLen = 5;
constexpr std::size_t kOperation = 6;
// Below: valid only for hardware length 6 and protocol length 4.
constexpr std::size_t kSenderHw = 8;
constexpr std::size_t kSenderProto = 14;
constexpr std::size_t kTargetHw = 18;
constexpr std::size_t kTargetProto = 24;
}  // namespace field
constexpr std::size_t kFixedLen = 8;     // up to and including the operation
constexpr std::size_t kPacketLen = 28;   // Ethernet/IPv4
constexpr std::uint16_t kHardwareEthernet = 1;
constexpr std::uint16_t kProtocolIpv4 = 0x0800;
constexpr std::uint16_t kOpRequest = 1;
constexpr std::uint16_t kOpReply = 2;
}  // namespace arp

template <class B>
class BasicArpPacket {
 public:
  // Rejects short buffers (kTruncated) and anything but Ethernet/IPv4
  // (kUnsupported), so the address accessors are always in bounds.
  static Result<BasicArpPacket> check(std::span<B> buf) {
    if (buf.size() < arp::kFixedLen) return Error::kTruncated;
    BasicArpPacket p(buf);
    if (p.hardware_type() != arp::kHardwareEthernet || p.protocol_type() != arp::kProtocolIpv4 ||
        p.hardware_len() != MacAddress::kSize || p.protocol_len() != Ipv4Address::kSize)
      return Error::kUnsupported;
    if (buf.size() < arp::kPacketLen) return Error::kTruncated;
    return p;
  }
  // For emitting: only the buffer length is checked.
  static std::optional<BasicArpPacket> prepare(std::span<B> buf) requires(!std::is_const_v<B>) {
    if (buf.size() < arp::kPacketLen) return std::nullopt;
    return BasicArpPacket(buf);
  }

  std::uint16_t hardware_type() const { return bytes::get16(buf_, arp::field::kHardwareType); }
  std::uint16_t protocol_type() const { return bytes::get16(buf_, arp::field::kProtocolType); }
  std::uint8_t hardware_len() const { return buf_[arp::field::kHardwareLen]; }
  std::uint8_t protocol_len() const { return buf_[arp::field::kProtocolLen]; }
  std::uint16_t operation() const { return bytes::get16(buf_, arp::field::kOperation); }
  MacAddress sender_hw() const { return MacAddress::from_bytes(buf_.subspan(arp::field::kSenderHw)); }
  Ipv4Address sender_proto() const { return Ipv4Address::from_bytes(buf_.subspan(arp::field::kSenderProto)); }
  MacAddress target_hw() const { return MacAddress::from_bytes(buf_.subspan(arp::field::kTargetHw)); }
  Ipv4Address target_proto() const { return Ipv4Address::from_bytes(buf_.subspan(arp::field::kTargetProto)); }

  void set_fixed_ethernet_ipv4() const requires(!std::is_const_v<B>) {
    bytes::put16(buf_, arp::field::kHardwareType, arp::kHardwareEthernet);
    bytes::put16(buf_, arp::field::kProtocolType, arp::kProtocolIpv4);
    buf_[arp::field::kHardwareLen] = MacAddress::kSize;
    buf_[arp::field::kProtocolLen] = Ipv4Address::kSize;
  }
  void set_operation(std::uint16_t v) const requires(!std::is_const_v<B>) { bytes::put16(buf_, arp::field::kOperation, v); }
  void set_sender_hw(MacAddress a) const requires(!std::is_const_v<B>) { a.write(buf_.subspan(arp::field::kSenderHw)); }
  void set_sender_proto(Ipv4Address a) const requires(!std::is_const_v<B>) { a.write(buf_.subspan(arp::field::kSenderProto)); }
  void set_target_hw(MacAddress a) const requires(!std::is_const_v<B>) { a.write(buf_.subspan(arp::field::kTargetHw)); }
  void set_target_proto(Ipv4Address a) const requires(!std::is_const_v<B>) { a.write(buf_.subspan(arp::field::kTargetProto)); }

 private:
  explicit BasicArpPacket(std::span<B> buf) : buf_(buf) {}
  std::span<B> buf_;
};

using ArpPacket = BasicArpPacket<const std::uint8_t>;
using MutableArpPacket = BasicArpPacket<std::uint8_t>;

struct ArpRepr {
  std::uint16_t operation = arp::kOpRequest;  // any value: RFC 5227/5494 define more than 1 and 2
  MacAddress sender_hw;
  Ipv4Address sender_proto;
  MacAddress target_hw;
  Ipv4Address target_proto;

  static ArpRepr parse(const ArpPacket& p);
  std::size_t buffer_len() const { return arp::kPacketLen; }
  Result<std::size_t> emit(std::span<std::uint8_t> out) const;

  friend bool operator==(const ArpRepr&, const ArpRepr&) = default;
};

}  // namespace ipc::stack::wire
