#include "stack/wire/ipv4.hpp"

#include <algorithm>

namespace ipc::stack::wire {

Result<Ipv4Repr> Ipv4Repr::parse(const Ipv4Packet& p, ChecksumPolicy policy) {
  if (policy == ChecksumPolicy::kVerify && !p.verify_checksum()) return Error::kBadChecksum;
  Ipv4Repr r;
  r.src = p.src();
  r.dst = p.dst();
  r.protocol = p.protocol();
  r.ttl = p.ttl();
  r.dscp = p.dscp();
  r.ecn = p.ecn();
  r.ident = p.ident();
  r.dont_frag = p.dont_frag();
  r.more_frags = p.more_frags();
  r.frag_offset = p.frag_offset();
  auto opts = p.options();
  r.options.assign(opts.begin(), opts.end());
  r.payload_len = static_cast<std::uint16_t>(p.total_len() - p.header_len());
  return r;
}

Result<std::size_t> Ipv4Repr::emit(std::span<std::uint8_t> out) const {
  if (options.size() > ipv4::kMaxOptionsLen || dscp > 63 || ecn > 3 || frag_offset % 8 != 0 ||
      header_len() + payload_len > 0xffff)
    return Error::kUnrepresentable;
  auto p = MutableIpv4Packet::prepare(out, header_len());
  if (!p) return Error::kBufferTooSmall;
  p->set_tos(static_cast<std::uint8_t>(dscp << 2 | ecn));
  p->set_total_len(static_cast<std::uint16_t>(header_len() + payload_len));
  p->set_ident(ident);
  std::uint16_t ff = static_cast<std::uint16_t>(frag_offset / 8);
  if (dont_frag) ff |= ipv4::kFlagDf;
  if (more_frags) ff |= ipv4::kFlagMf;
  p->set_flags_frag(ff);
  p->set_ttl(ttl);
  p->set_protocol(protocol);
  p->set_src(src);
  p->set_dst(dst);
  auto opt_area = out.subspan(ipv4::field::kOptions, header_len() - ipv4::kMinHeaderLen);
  std::copy(options.begin(), options.end(), opt_area.begin());
  // Pad with End of Option List (type 0), as ip_options_build does.
  std::fill(opt_area.begin() + static_cast<std::ptrdiff_t>(options.size()), opt_area.end(), std::uint8_t{0});
  p->fill_checksum();
  return header_len();
}

}  // namespace ipc::stack::wire
