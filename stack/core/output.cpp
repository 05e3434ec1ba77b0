// IPv4 output: header, fragmentation, and the choice between the loopback
// device and the Ethernet interface (ip_local_out, ip_finish_output2,
// ip_mc_output).
#include <cerrno>

#include "stack/core/stack.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::core {

namespace {
constexpr int kLoopbackIndex = 1;

std::vector<std::uint8_t> build(const Stack::OutputArgs& a, std::uint16_t id, std::span<const std::uint8_t> chunk,
                                std::uint16_t offset, bool more, bool first) {
  wire::Ipv4Repr h;
  h.src = a.src;
  h.dst = a.dst;
  h.protocol = a.protocol;
  h.ttl = a.ttl;
  h.dscp = a.tos >> 2;
  h.ecn = a.tos & 3;
  h.ident = id;
  h.dont_frag = a.df;
  h.more_frags = more;
  h.frag_offset = offset;
  if (a.options && !a.options->empty()) {
    h.options = a.options->data;
    // ip_options_fragment: fragments after the first keep only the options
    // with the copied flag; the others become NOPs.
    if (!first) {
      for (std::size_t i = 0; i < h.options.size();) {
        const std::uint8_t t = h.options[i];
        if (t == 0) break;
        if (t == 1) { ++i; continue; }
        if (i + 1 >= h.options.size()) break;
        const std::size_t len = h.options[i + 1];
        if (len < 2 || i + len > h.options.size()) break;
        if (!(t & 0x80)) std::fill(h.options.begin() + static_cast<long>(i), h.options.begin() + static_cast<long>(i + len), 1);
        i += len;
      }
    }
  }
  h.payload_len = static_cast<std::uint16_t>(chunk.size());
  std::vector<std::uint8_t> out(h.header_len() + chunk.size());
  (void)h.emit(out);
  std::copy(chunk.begin(), chunk.end(), out.begin() + static_cast<long>(h.header_len()));
  return out;
}
}  // namespace

int Stack::ip_output(const OutputArgs& a) {
  if (a.header_included) {
    send_ip_datagram({a.payload.begin(), a.payload.end()}, a.route, a.loop_multicast);
    return 0;
  }
  const std::size_t hlen = 20 + (a.options ? (a.options->data.size() + 3) / 4 * 4 : 0);
  const std::size_t mtu = static_cast<std::size_t>(a.route.mtu);
  const std::uint16_t id = next_ip_id_++;
  if (hlen + a.payload.size() <= mtu) {
    send_ip_datagram(build(a, id, a.payload, 0, false, true), a.route, a.loop_multicast);
    return 0;
  }
  if (a.df) return -EMSGSIZE;
  // ip_do_fragment: every fragment but the last carries a multiple of 8 bytes.
  std::size_t off = 0;
  bool first = true;
  while (off < a.payload.size()) {
    const std::size_t this_hlen = first ? hlen : build(a, id, {}, 0, false, false).size();
    std::size_t room = (mtu - this_hlen) & ~std::size_t{7};
    const std::size_t n = std::min(room, a.payload.size() - off);
    const bool more = off + n < a.payload.size();
    send_ip_datagram(build(a, id, a.payload.subspan(off, n), static_cast<std::uint16_t>(off), more, first),
                     a.route, a.loop_multicast);
    off += n;
    first = false;
  }
  return 0;
}

void Stack::send_ip_datagram(std::vector<std::uint8_t> packet, const ipv4::OutputRoute& rt, bool loop_multicast) {
  if (rt.oif == kLoopbackIndex || (rt.local && !rt.multicast && !rt.broadcast)) {
    loopback_.emplace_back(std::move(packet), kLoopbackIndex);
    return;
  }
  if (rt.multicast) {
    // ip_mc_output: with IP_MULTICAST_LOOP a copy goes up the local stack,
    // where input keeps it only if this host has joined the group.
    if (loop_multicast) loopback_.emplace_back(packet, rt.oif);
    transmit(rt.oif, wire::MacAddress::ipv4_multicast(rt.dst), packet);
    return;
  }
  if (rt.broadcast) {
    loopback_.emplace_back(packet, rt.oif);
    transmit(rt.oif, wire::MacAddress::broadcast(), packet);
    return;
  }
  link::Packet p;
  p.source = rt.src;
  p.bytes = std::move(packet);
  apply(neighbours_->output(rt.next_hop, std::move(p), now_));
}

void Stack::run_pending() {
  if (draining_) return;
  draining_ = true;
  while (!loopback_.empty()) {
    auto batch = std::move(loopback_);
    loopback_.clear();
    for (auto& [pkt, ifindex] : batch) ip_input(pkt, ifindex, false, false);
  }
  draining_ = false;
}

}  // namespace ipc::stack::core
