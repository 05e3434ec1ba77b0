#include "stack/wire/checksum.hpp"

namespace ipc::stack::wire {

Checksum& Checksum::add(std::span<const std::uint8_t> data) {
  std::size_t i = 0;
  if (odd_ && !data.empty()) {
    acc_ += data[0];  // low half of the word begun by the previous call
    i = 1;
    odd_ = false;
  }
  for (; i + 1 < data.size(); i += 2) acc_ += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
  if (i < data.size()) {
    acc_ += static_cast<std::uint32_t>(data[i]) << 8;  // pad with a zero byte for now (RFC 1071 2(A))
    odd_ = true;
  }
  return *this;
}

Checksum& Checksum::add16(std::uint16_t word) {
  acc_ += word;
  return *this;
}

std::uint16_t Checksum::sum() const {
  std::uint64_t s = acc_;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}

std::uint16_t internet_checksum(std::span<const std::uint8_t> data) { return Checksum().add(data).finish(); }

Checksum& add_pseudo_header(Checksum& c, Ipv4Address src, Ipv4Address dst, std::uint8_t protocol,
                            std::uint16_t length) {
  return c.add32(src.to_u32()).add32(dst.to_u32()).add16(protocol).add16(length);
}

std::uint16_t checksum_update(std::uint16_t old_checksum, std::uint16_t old_word, std::uint16_t new_word) {
  // HC' = ~(~HC + ~m + m')
  std::uint32_t s = static_cast<std::uint16_t>(~old_checksum);
  s += static_cast<std::uint16_t>(~old_word);
  s += new_word;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(~s);
}

}  // namespace ipc::stack::wire
