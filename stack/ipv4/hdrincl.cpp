#include "stack/ipv4/hdrincl.hpp"

#include <cerrno>

#include "stack/wire/bytes.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::ipv4 {

wire::Result<std::vector<std::uint8_t>, int> build_hdrincl(std::span<const std::uint8_t> user,
                                                           const HdrinclContext& ctx) {
  namespace f = wire::ipv4::field;
  if (user.size() > ctx.device_mtu) return EMSGSIZE;
  if (user.size() < wire::ipv4::kMinHeaderLen) return EINVAL;
  std::vector<std::uint8_t> out(user.begin(), user.end());
  std::span<std::uint8_t> b(out);
  // Read field by field: the user's header is not checked as a packet
  // (version is never looked at, ihl only for its length).
  const std::size_t ihl = b[f::kVersionIhl] & 0x0f;
  if (ihl * 4 > out.size()) return EINVAL;
  // "ipv4: raw: reject IP_HDRINCL packets with ihl < 5" (upstream 915fab69823a,
  // in the stable series): a header shorter than struct iphdr is -EINVAL
  // instead of being sent untouched.
  if (ihl < 5) return EINVAL;
  if (wire::bytes::get32(b, f::kSrc) == 0) ctx.route_src.write(b.subspan(f::kSrc));
  wire::bytes::put16(b, f::kChecksum, 0);
  wire::bytes::put16(b, f::kTotalLen, static_cast<std::uint16_t>(out.size()));
  if (wire::bytes::get16(b, f::kIdent) == 0 && ctx.pick_id) {
    const bool df = wire::bytes::get16(b, f::kFlagsFrag) & wire::ipv4::kFlagDf;
    const auto id = ctx.pick_id(wire::Ipv4Address::from_bytes(b.subspan(f::kDst)),
                                wire::Ipv4Address::from_bytes(b.subspan(f::kSrc)), b[f::kProtocol], df);
    wire::bytes::put16(b, f::kIdent, id);
  }
  wire::bytes::put16(b, f::kChecksum, wire::internet_checksum(b.first(ihl * 4)));
  return out;
}

}  // namespace ipc::stack::ipv4
