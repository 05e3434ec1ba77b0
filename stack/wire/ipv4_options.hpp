// IPv4 options (RFC 791 section 3.1, RFC 2113 for Router Alert), read one at
// a time from the options area of a header (the bytes between offset 20 and
// ihl*4).
//
// Validation follows Linux's ip_options_compile (net/ipv4/ip_options.c) for
// received packets, because Linux answers a malformed option with ICMP
// Parameter Problem whose pointer names the offending byte, and the stack has
// to name the same one:
//   - any option but EOL/NOP with no room for a length byte, a length < 2 or a
//     length running past the area: the option's type byte;
//   - RR, LSRR, SSRR with length < 3, TS or RA with length < 4: the length byte;
//   - RR/LSRR/SSRR pointer < 4, TS pointer < 5: the pointer byte;
//   - RR or TS whose pointer is inside the option but leaves no room for a
//     4-byte slot (8 for TS with addresses): the pointer byte;
//   - TS already full (pointer past the length) with the overflow counter at
//     15, so it cannot count one more: the flags byte;
//   - a second RR, a second TS, or a second source route (LSRR or SSRR, RFC
//     1812 5.2.4.1): the type byte of the repeat. Linux checks the repeat
//     before the lengths for RR and TS, after them for source routes; so do we.
// Not checked here (the IP layer's business, as in Linux): whether a source
// route's pointer leaves room for an address (ip_options_rcv_srr, only reached
// when source routing is accepted), unknown TS flag values (accepted on
// input), and options that are only refused when set through IP_OPTIONS.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "stack/wire/address.hpp"

namespace ipc::stack::wire {

namespace ipv4_option {
constexpr std::uint8_t kEndOfList = 0;
constexpr std::uint8_t kNoOperation = 1;
constexpr std::uint8_t kRecordRoute = 7;
constexpr std::uint8_t kTimestamp = 68;
constexpr std::uint8_t kLooseSourceRoute = 131;
constexpr std::uint8_t kStrictSourceRoute = 137;
constexpr std::uint8_t kRouterAlert = 148;

// Offsets within one option.
namespace field {
constexpr std::size_t kType = 0;
constexpr std::size_t kLength = 1;
constexpr std::size_t kPointer = 2;     // RR, LSRR, SSRR, TS (1-based, counted from the type byte)
constexpr std::size_t kTsFlags = 3;     // TS: overflow (high nibble), flag (low nibble)
constexpr std::size_t kRouteData = 3;   // RR, LSRR, SSRR: the address slots
constexpr std::size_t kTsData = 4;      // TS: the timestamp slots
constexpr std::size_t kRaValue = 2;     // RA: 16-bit value (0: "examine packet")
}  // namespace field

constexpr std::uint8_t kRouteMinPointer = 4;
constexpr std::uint8_t kTsMinPointer = 5;
// TS flag values (RFC 791).
constexpr std::uint8_t kTsOnly = 0;
constexpr std::uint8_t kTsAndAddr = 1;
constexpr std::uint8_t kTsPrespec = 3;

// The copied flag: the option goes into every fragment (ip_options_fragment).
constexpr bool is_copied(std::uint8_t type) { return (type & 0x80) != 0; }
}  // namespace ipv4_option

enum class Ipv4OptionKind : std::uint8_t {
  kEndOfList,
  kNoOperation,
  kRecordRoute,
  kTimestamp,
  kLooseSourceRoute,
  kStrictSourceRoute,
  kRouterAlert,
  kUnknown,
};

struct Ipv4Option {
  Ipv4OptionKind kind = Ipv4OptionKind::kUnknown;
  std::uint8_t type = 0;
  std::size_t offset = 0;               // of the type byte, within the options area
  std::span<const std::uint8_t> raw;    // the whole option (1 byte for EOL and NOP)
  // RR, LSRR, SSRR, TS: the pointer as on the wire (1-based from the type byte).
  std::uint8_t pointer = 0;
  // TS only.
  std::uint8_t ts_overflow = 0;
  std::uint8_t ts_flag = 0;
  // RA only.
  std::uint16_t router_alert = 0;
  // After the fixed part: route slots (RR/LSRR/SSRR), timestamp slots (TS),
  // the bytes after the length (unknown options); empty for EOL/NOP/RA.
  std::span<const std::uint8_t> data;

  // Whether the pointer is past the last slot (the route or TS is full).
  bool full() const { return pointer > raw.size(); }
  // The i-th address of a route option's data (i < data.size() / 4).
  Ipv4Address route_address(std::size_t i) const { return Ipv4Address::from_bytes(data.subspan(i * 4)); }
};

struct Ipv4OptionError {
  std::size_t offset = 0;  // of the offending byte, within the options area
  // The ICMP Parameter Problem pointer: counted from the start of the IP header.
  std::size_t icmp_pointer() const { return offset + 20; }
  friend bool operator==(const Ipv4OptionError&, const Ipv4OptionError&) = default;
};

// Yields the options in order. next() returns nullopt at the end of the area,
// after an EOL (what follows it is padding), or on an error, which error()
// then reports. The reader never reads outside `area`.
class Ipv4OptionReader {
 public:
  explicit Ipv4OptionReader(std::span<const std::uint8_t> area) : area_(area) {}
  std::optional<Ipv4Option> next();
  const std::optional<Ipv4OptionError>& error() const { return error_; }

 private:
  std::optional<Ipv4Option> fail(std::size_t offset);
  std::span<const std::uint8_t> area_;
  std::size_t pos_ = 0;
  bool done_ = false;
  bool seen_rr_ = false;
  bool seen_ts_ = false;
  bool seen_srr_ = false;
  std::optional<Ipv4OptionError> error_;
};

// Reads the whole area; the first error, if any.
std::optional<Ipv4OptionError> check_ipv4_options(std::span<const std::uint8_t> area);

}  // namespace ipc::stack::wire
