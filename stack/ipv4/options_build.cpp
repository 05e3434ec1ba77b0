#include "stack/ipv4/options_build.hpp"

#include <algorithm>
#include <cstring>

#include "stack/wire/bytes.hpp"
#include "stack/wire/ipv4_options.hpp"

namespace ipc::stack::ipv4 {

namespace opt = wire::ipv4_option;

std::vector<std::uint8_t> build_options(const socket::CompiledIpOptions& o, wire::Ipv4Address daddr,
                                        wire::Ipv4Address src, std::uint32_t timestamp) {
  std::vector<std::uint8_t> d = o.data;
  std::span<std::uint8_t> s(d);
  // Offsets in CompiledIpOptions are into the options area (Linux counts
  // from the IP header; the arithmetic below is the kernel's minus 20).
  if (o.srr >= 0) {
    const std::size_t at = static_cast<std::size_t>(o.srr);
    daddr.write(s.subspan(at + d[at + 1] - 4));
  }
  if (o.rr_needaddr) {
    const std::size_t at = static_cast<std::size_t>(o.rr);
    src.write(s.subspan(at + d[at + 2] - 5));
  }
  if (o.ts_needaddr) {
    const std::size_t at = static_cast<std::size_t>(o.ts);
    src.write(s.subspan(at + d[at + 2] - 9));
  }
  if (o.ts_needtime) {
    const std::size_t at = static_cast<std::size_t>(o.ts);
    wire::bytes::put32(s, at + d[at + 2] - 5, timestamp);
  }
  return d;
}

void fragment_options(std::span<std::uint8_t> area) {
  std::size_t p = 0;
  while (p < area.size()) {
    const std::uint8_t type = area[p];
    if (type == opt::kEndOfList) return;
    if (type == opt::kNoOperation) {
      ++p;
      continue;
    }
    if (p + 1 >= area.size()) return;
    const std::size_t len = area[p + 1];
    if (len < 2 || len > area.size() - p) return;
    if (!opt::is_copied(type)) std::fill_n(area.begin() + static_cast<std::ptrdiff_t>(p), len, opt::kNoOperation);
    p += len;
  }
}

wire::Ipv4Address first_hop(const socket::CompiledIpOptions* o, wire::Ipv4Address daddr) {
  if (!o || o->srr < 0) return daddr;
  // faddr holds the address bytes in network order as memcpy'd from the option.
  std::uint8_t b[4];
  std::memcpy(b, &o->faddr, 4);
  return wire::Ipv4Address::from_bytes(b);
}

}  // namespace ipc::stack::ipv4
