#include "stack/ipv4/fragment.hpp"

#include <algorithm>
#include <cerrno>

#include "stack/ipv4/options_build.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::ipv4 {

wire::Result<std::vector<std::vector<std::uint8_t>>, int> fragment_datagram(std::span<const std::uint8_t> datagram,
                                                                             std::size_t mtu) {
  auto pkt = wire::Ipv4Packet::check(datagram);
  if (!pkt || pkt->total_len() != datagram.size()) return EINVAL;
  const std::size_t hlen = pkt->header_len();
  std::vector<std::vector<std::uint8_t>> out;
  if (datagram.size() <= mtu) {
    out.emplace_back(datagram.begin(), datagram.end());
    return out;
  }
  if (mtu < hlen + 8) return EMSGSIZE;
  // ip_do_fragment: "len = left; if (len > mtu) len = mtu; if (len < left) len &= ~7;"
  const std::size_t room = (mtu - hlen) & ~std::size_t{7};
  const auto data = pkt->payload();
  const std::uint16_t base_off = pkt->frag_offset();
  const bool base_mf = pkt->more_frags();
  const std::uint16_t keep_flags = pkt->flags_frag() & (wire::ipv4::kFlagDf | wire::ipv4::kFlagReserved);

  // The header the fragments after the first are copied from: the original
  // with its non-copied options blanked (ip_frag_ipcb / ip_options_fragment
  // run once, on the first fragment).
  std::vector<std::uint8_t> later_header(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(hlen));
  fragment_options(std::span<std::uint8_t>(later_header).subspan(wire::ipv4::kMinHeaderLen));

  for (std::size_t done = 0; done < data.size();) {
    const std::size_t len = std::min(room, data.size() - done);
    const bool last = done + len == data.size();
    std::vector<std::uint8_t> frag;
    frag.reserve(hlen + len);
    if (done == 0)
      frag.assign(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(hlen));
    else
      frag = later_header;
    frag.insert(frag.end(), data.begin() + static_cast<std::ptrdiff_t>(done),
                data.begin() + static_cast<std::ptrdiff_t>(done + len));
    auto h = wire::MutableIpv4Packet::prepare(frag, hlen);
    std::uint16_t ff = static_cast<std::uint16_t>(keep_flags | ((base_off + done) >> 3));
    if (!last || base_mf) ff |= wire::ipv4::kFlagMf;
    h->set_flags_frag(ff);
    h->set_total_len(static_cast<std::uint16_t>(hlen + len));
    h->fill_checksum();
    out.push_back(std::move(frag));
    done += len;
  }
  return out;
}

}  // namespace ipc::stack::ipv4
