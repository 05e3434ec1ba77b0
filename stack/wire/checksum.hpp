// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's
// complement sum of the data taken as big-endian 16-bit words.
#pragma once

#include <cstdint>
#include <span>

#include "stack/wire/address.hpp"

namespace ipc::stack::wire {

// Accumulates a one's complement sum over pieces that need not be of even
// length: an odd trailing byte is carried over as the high half of the next
// word, so add(a); add(b) equals add(a ++ b) (RFC 1071 section 2(B)).
class Checksum {
 public:
  Checksum& add(std::span<const std::uint8_t> data);
  Checksum& add16(std::uint16_t word);  // must be called on a word boundary
  Checksum& add32(std::uint32_t v) { return add16(static_cast<std::uint16_t>(v >> 16)).add16(static_cast<std::uint16_t>(v)); }

  // The folded one's complement sum (not complemented).
  std::uint16_t sum() const;
  // The value for the checksum field: ~sum().
  std::uint16_t finish() const { return static_cast<std::uint16_t>(~sum()); }

 private:
  std::uint64_t acc_ = 0;
  bool odd_ = false;  // an odd number of bytes has been added so far
};

// The checksum of `data` alone: 0 when data carries a correct checksum.
std::uint16_t internet_checksum(std::span<const std::uint8_t> data);

// Adds the IPv4 pseudo-header (RFC 793 3.1, RFC 768) to `c`: source,
// destination, zero, protocol, and the transport length.
Checksum& add_pseudo_header(Checksum& c, Ipv4Address src, Ipv4Address dst, std::uint8_t protocol,
                            std::uint16_t length);

// RFC 1624 eqn. 3: the new checksum field after one 16-bit word of the covered
// data changed from old_word to new_word (e.g. a TTL decrement when forwarding).
std::uint16_t checksum_update(std::uint16_t old_checksum, std::uint16_t old_word, std::uint16_t new_word);

}  // namespace ipc::stack::wire
