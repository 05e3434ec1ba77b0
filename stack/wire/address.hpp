// Link and network addresses as small value types.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ipc::stack::wire {

class Ipv4Address {
 public:
  static constexpr std::size_t kSize = 4;

  constexpr Ipv4Address() = default;
  constexpr Ipv4Address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) : o_{a, b, c, d} {}
  static constexpr Ipv4Address from_u32(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
            static_cast<std::uint8_t>(v)};
  }
  // The first four bytes of `b` (callers have checked the length).
  static Ipv4Address from_bytes(std::span<const std::uint8_t> b) { return {b[0], b[1], b[2], b[3]}; }
  // Strict dotted quad: exactly four decimal parts 0..255, no leading zeros
  // beyond "0" itself (unlike inet_aton, which accepts "1", "0x7f.1", octal).
  static std::optional<Ipv4Address> parse(std::string_view s);

  static constexpr Ipv4Address unspecified() { return {}; }
  static constexpr Ipv4Address broadcast() { return {255, 255, 255, 255}; }
  static constexpr Ipv4Address loopback() { return {127, 0, 0, 1}; }

  constexpr std::uint32_t to_u32() const {
    return (std::uint32_t{o_[0]} << 24) | (std::uint32_t{o_[1]} << 16) | (std::uint32_t{o_[2]} << 8) | o_[3];
  }
  constexpr const std::array<std::uint8_t, 4>& octets() const { return o_; }
  std::string to_string() const;
  void write(std::span<std::uint8_t> out) const;  // first four bytes of `out`

  // Classification (RFC 1122 3.2.1.3, RFC 5735/6890).
  constexpr bool is_unspecified() const { return to_u32() == 0; }
  constexpr bool is_broadcast() const { return to_u32() == 0xffffffffu; }     // limited broadcast
  constexpr bool is_multicast() const { return (o_[0] & 0xf0) == 0xe0; }       // 224/4 (ipv4_is_multicast)
  constexpr bool is_loopback() const { return o_[0] == 127; }                  // 127/8 (ipv4_is_loopback)
  constexpr bool is_link_local() const { return o_[0] == 169 && o_[1] == 254; }  // 169.254/16 (RFC 3927)
  // 224.0.0.0/24: never forwarded, IGMP does not report it (except 224.0.0.1 is
  // never reported at all; see ip_mc_... in net/ipv4/igmp.c).
  constexpr bool is_local_multicast() const { return o_[0] == 224 && o_[1] == 0 && o_[2] == 0; }
  // 0/8 ("this network"), which Linux drops as a source (ipv4_is_zeronet).
  constexpr bool is_zeronet() const { return o_[0] == 0; }

  friend constexpr auto operator<=>(const Ipv4Address&, const Ipv4Address&) = default;

 private:
  std::array<std::uint8_t, 4> o_{};
};

class MacAddress {
 public:
  static constexpr std::size_t kSize = 6;

  constexpr MacAddress() = default;
  constexpr explicit MacAddress(const std::array<std::uint8_t, 6>& o) : o_(o) {}
  static MacAddress from_bytes(std::span<const std::uint8_t> b) { return MacAddress({b[0], b[1], b[2], b[3], b[4], b[5]}); }
  // "aa:bb:cc:dd:ee:ff", hex case-insensitive.
  static std::optional<MacAddress> parse(std::string_view s);
  static constexpr MacAddress broadcast() { return MacAddress({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}); }
  // RFC 1112 6.4: 01:00:5e followed by the low 23 bits of the group address.
  static constexpr MacAddress ipv4_multicast(Ipv4Address group) {
    const auto& g = group.octets();
    return MacAddress({0x01, 0x00, 0x5e, static_cast<std::uint8_t>(g[1] & 0x7f), g[2], g[3]});
  }

  constexpr const std::array<std::uint8_t, 6>& octets() const { return o_; }
  std::string to_string() const;
  void write(std::span<std::uint8_t> out) const;

  constexpr bool is_broadcast() const { return *this == broadcast(); }
  constexpr bool is_multicast() const { return (o_[0] & 0x01) != 0; }  // I/G bit; includes broadcast
  constexpr bool is_unicast() const { return !is_multicast(); }
  constexpr bool is_zero() const { return *this == MacAddress(); }

  friend constexpr auto operator<=>(const MacAddress&, const MacAddress&) = default;

 private:
  std::array<std::uint8_t, 6> o_{};
};

}  // namespace ipc::stack::wire
