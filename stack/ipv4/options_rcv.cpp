#include "stack/ipv4/options_rcv.hpp"

#include <vector>

#include "stack/wire/bytes.hpp"
#include "stack/wire/ipv4_options.hpp"

namespace ipc::stack::ipv4 {

namespace opt = wire::ipv4_option;

OptionsRcvResult compile_received_options(std::span<std::uint8_t> area, const OptionsRcvContext& ctx) {
  OptionsRcvResult res;
  // The reader walks a snapshot: Linux checks each option before touching it
  // and never revisits one, so reading the original bytes is the same.
  const std::vector<std::uint8_t> snapshot(area.begin(), area.end());
  wire::Ipv4OptionReader reader(snapshot);
  while (auto o = reader.next()) {
    const std::size_t at = o->offset;
    const std::size_t len = o->raw.size();
    switch (o->kind) {
      case wire::Ipv4OptionKind::kRecordRoute:
        if (o->pointer <= len) {
          ctx.spec_dst.write(area.subspan(at + o->pointer - 1));
          area[at + opt::field::kPointer] = static_cast<std::uint8_t>(o->pointer + 4);
          res.opt.rr_needaddr = true;
        }
        res.opt.rr = static_cast<int>(at);
        break;
      case wire::Ipv4OptionKind::kTimestamp:
        if (o->pointer <= len) {
          const std::size_t slot = at + o->pointer - 1;
          switch (o->ts_flag) {
            case opt::kTsOnly:
              wire::bytes::put32(area, slot, ctx.timestamp);
              area[at + opt::field::kPointer] = static_cast<std::uint8_t>(o->pointer + 4);
              res.opt.ts_needtime = true;
              break;
            case opt::kTsAndAddr:
              ctx.spec_dst.write(area.subspan(slot));
              wire::bytes::put32(area, slot + 4, ctx.timestamp);
              area[at + opt::field::kPointer] = static_cast<std::uint8_t>(o->pointer + 8);
              res.opt.ts_needaddr = res.opt.ts_needtime = true;
              break;
            case opt::kTsPrespec: {
              const auto addr = wire::Ipv4Address::from_bytes(std::span<const std::uint8_t>(snapshot).subspan(slot));
              const bool unicast = ctx.is_unicast ? ctx.is_unicast(addr) : true;
              if (unicast) break;  // someone else's turn
              wire::bytes::put32(area, slot + 4, ctx.timestamp);
              area[at + opt::field::kPointer] = static_cast<std::uint8_t>(o->pointer + 8);
              res.opt.ts_needtime = true;
              break;
            }
            default:
              break;  // unknown flags are accepted on input and left alone
          }
        } else if (o->ts_flag != opt::kTsPrespec) {
          // Full: count the hop we could not record (the reader refused 15).
          area[at + opt::field::kTsFlags] =
              static_cast<std::uint8_t>(((o->ts_overflow + 1) << 4) | o->ts_flag);
        }
        res.opt.ts = static_cast<int>(at);
        break;
      case wire::Ipv4OptionKind::kLooseSourceRoute:
      case wire::Ipv4OptionKind::kStrictSourceRoute:
        res.opt.srr = static_cast<int>(at);
        res.opt.is_strictroute = o->kind == wire::Ipv4OptionKind::kStrictSourceRoute;
        break;
      case wire::Ipv4OptionKind::kRouterAlert:
        if (o->router_alert == 0) res.opt.router_alert = static_cast<int>(at);
        break;
      default:
        break;  // NOP, unknown, security, stream id: accepted, ignored
    }
  }
  if (reader.error()) res.param_problem = static_cast<std::uint8_t>(reader.error()->icmp_pointer());
  res.opt.data.assign(area.begin(), area.end());
  return res;
}

}  // namespace ipc::stack::ipv4
