#include "stack/ipv4/options_echo.hpp"

#include <cerrno>
#include <cstring>

#include "stack/wire/ipv4.hpp"
#include "stack/wire/ipv4_options.hpp"

namespace ipc::stack::ipv4 {

namespace opt = wire::ipv4_option;

wire::Result<socket::CompiledIpOptions, int> echo_options(std::span<const std::uint8_t> header,
                                                          const socket::CompiledIpOptions& sopt,
                                                          const std::function<bool(wire::Ipv4Address)>& is_unicast) {
  socket::CompiledIpOptions d;
  if (header.size() <= wire::ipv4::kMinHeaderLen) return d;
  const auto area = header.subspan(wire::ipv4::kMinHeaderLen);
  auto& out = d.data;

  if (sopt.rr >= 0) {
    const auto s = area.subspan(static_cast<std::size_t>(sopt.rr));
    const std::size_t optlen = s[1];
    const std::size_t soffset = s[2];
    d.rr = static_cast<int>(out.size());
    out.insert(out.end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(optlen));
    if (sopt.rr_needaddr && soffset <= optlen) {
      if (soffset + 3 > optlen) return EINVAL;
      out[static_cast<std::size_t>(d.rr) + 2] = static_cast<std::uint8_t>(soffset + 4);
      d.rr_needaddr = true;
    }
  }
  if (sopt.ts >= 0) {
    const auto s = area.subspan(static_cast<std::size_t>(sopt.ts));
    const std::size_t optlen = s[1];
    std::size_t soffset = s[2];
    d.ts = static_cast<int>(out.size());
    out.insert(out.end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(optlen));
    std::uint8_t* dptr = out.data() + d.ts;
    if (soffset <= optlen) {
      if (sopt.ts_needaddr) {
        if (soffset + 3 > optlen) return EINVAL;
        d.ts_needaddr = true;
        soffset += 4;
      }
      if (sopt.ts_needtime) {
        if (soffset + 3 > optlen) return EINVAL;
        if ((dptr[3] & 0x0f) != opt::kTsPrespec) {
          d.ts_needtime = true;
          soffset += 4;
        } else if (soffset + 7 <= optlen) {
          const auto addr = wire::Ipv4Address::from_bytes(std::span<const std::uint8_t>(dptr + soffset - 1, 4));
          if (!(is_unicast ? is_unicast(addr) : true)) {
            d.ts_needtime = true;
            soffset += 8;
          }
        }
      }
      dptr[2] = static_cast<std::uint8_t>(soffset);
    }
  }
  if (sopt.srr >= 0) {
    const auto start = area.subspan(static_cast<std::size_t>(sopt.srr));
    const int optlen = start[1];
    int soffset = start[2];
    int doffset = 0;
    std::uint8_t faddr[4] = {};
    std::uint8_t buf[40] = {};
    if (soffset > optlen) soffset = optlen + 1;
    soffset -= 4;
    if (soffset > 3) {
      std::memcpy(faddr, &start[static_cast<std::size_t>(soffset - 1)], 4);
      for (soffset -= 4, doffset = 4; soffset > 3; soffset -= 4, doffset += 4)
        std::memcpy(&buf[doffset - 1], &start[static_cast<std::size_t>(soffset - 1)], 4);
      // RFC 1812: do not route the reply back through its own source.
      if (std::memcmp(&header[wire::ipv4::field::kSrc], &start[static_cast<std::size_t>(soffset + 3)], 4) == 0)
        doffset -= 4;
    }
    if (doffset > 3) {
      std::memcpy(&d.faddr, faddr, 4);
      buf[0] = start[0];
      buf[1] = static_cast<std::uint8_t>(doffset + 3);
      buf[2] = 4;
      d.srr = static_cast<int>(out.size());
      out.insert(out.end(), buf, buf + doffset + 3);
      d.is_strictroute = sopt.is_strictroute;
    }
  }
  while (out.size() & 3) out.push_back(opt::kEndOfList);
  return d;
}

}  // namespace ipc::stack::ipv4
