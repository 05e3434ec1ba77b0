#include "stack/ipv4/output.hpp"

#include <algorithm>
#include <cerrno>

#include "stack/ipv4/fragment.hpp"
#include "stack/ipv4/options_build.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::ipv4 {

PmtuPolicy pmtu_policy(PmtuDisc mode, std::size_t datagram_len, std::size_t mtu) {
  PmtuPolicy p;
  p.ignore_df = mode == PmtuDisc::kDont || mode == PmtuDisc::kWant || mode == PmtuDisc::kOmit;
  p.df = mode == PmtuDisc::kDo || mode == PmtuDisc::kProbe || (mode == PmtuDisc::kWant && datagram_len <= mtu);
  return p;
}

std::size_t header_length(const OutputPacket& p) {
  const std::size_t optlen = p.options ? p.options->data.size() : 0;
  return wire::ipv4::kMinHeaderLen + (optlen + 3) / 4 * 4;
}

wire::Result<std::vector<std::vector<std::uint8_t>>, int> build_datagrams(const OutputPacket& p, std::size_t mtu) {
  const std::size_t hlen = header_length(p);
  if (hlen > wire::ipv4::kMaxHeaderLen) return EINVAL;
  const std::size_t total = hlen + p.payload.size();
  // __ip_append_data: maxnonfragsize = ignore_df ? IP_MAX_MTU : mtu.
  const std::size_t max_unfragmented = p.ignore_df ? 0xffff : mtu;
  if (total > max_unfragmented || total > 0xffff) return EMSGSIZE;
  if (total > mtu && p.df) return EMSGSIZE;

  wire::Ipv4Repr r;
  r.src = p.src;
  r.dst = first_hop(p.options, p.dst);
  r.protocol = p.protocol;
  r.ttl = p.ttl;
  r.dscp = p.tos >> 2;
  r.ecn = p.tos & 3;
  r.ident = p.id;
  r.dont_frag = p.df;
  if (p.options && !p.options->empty()) r.options = build_options(*p.options, p.dst, p.src, p.timestamp);
  r.payload_len = static_cast<std::uint16_t>(p.payload.size());

  std::vector<std::uint8_t> datagram(total);
  auto written = r.emit(datagram);
  if (!written) return EINVAL;
  std::copy(p.payload.begin(), p.payload.end(), datagram.begin() + static_cast<std::ptrdiff_t>(hlen));
  // __ip_append_data cuts the fragments as it copies; the sizes and headers
  // come out as ip_do_fragment's, which fragment_datagram follows.
  return fragment_datagram(datagram, mtu);
}

}  // namespace ipc::stack::ipv4
