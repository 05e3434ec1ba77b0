#include "stack/wire/udp.hpp"

#include <cstring>

namespace ipc::stack::wire {

Result<UdpRepr> UdpRepr::parse(const UdpPacket& p, Ipv4Address src, Ipv4Address dst, ChecksumPolicy policy) {
  if (policy == ChecksumPolicy::kVerify && !p.verify_checksum(src, dst)) return Error::kBadChecksum;
  return UdpRepr{p.src_port(), p.dst_port(), p.payload()};
}

Result<std::size_t> UdpRepr::emit(std::span<std::uint8_t> out, Ipv4Address src, Ipv4Address dst,
                                  bool with_checksum) const {
  const std::size_t len = buffer_len();
  if (len > 0xffff) return Error::kUnrepresentable;
  if (out.size() < len) return Error::kBufferTooSmall;
  auto p = MutableUdpPacket::prepare(out.first(len));
  if (!p) return Error::kBufferTooSmall;
  if (!payload.empty()) std::memmove(out.data() + udp::kHeaderLen, payload.data(), payload.size());
  p->set_src_port(src_port);
  p->set_dst_port(dst_port);
  p->set_length(static_cast<std::uint16_t>(len));
  if (with_checksum)
    p->fill_checksum(src, dst);
  else
    p->set_checksum(0);
  return len;
}

}  // namespace ipc::stack::wire
