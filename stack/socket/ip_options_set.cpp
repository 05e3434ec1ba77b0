#include "stack/socket/ip_options_set.hpp"

#include <cerrno>
#include <cstring>

namespace ipc::stack::socket {
namespace {

constexpr std::uint8_t kEnd = 0, kNoop = 1, kRr = 7, kTs = 68, kLsrr = 131, kSsrr = 137,
                       kRa = 148;
constexpr std::uint8_t kTsOnly = 0, kTsAndAddr = 1, kTsPrespec = 3;

bool default_not_unicast(std::span<const std::uint8_t, 4> a) {
  // inet_addr_type: zeronet and limited broadcast -> RTN_BROADCAST, multicast
  // -> RTN_MULTICAST, the local table (127/8 here) -> RTN_LOCAL.
  return a[0] == 0 || a[0] == 127 || (a[0] & 0xf0) == 0xe0 ||
         (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

// __ip_options_compile(net, opt, skb = NULL, info): 0 or EINVAL.
int compile(CompiledIpOptions& opt, const IpOptionsContext& ctx) {
  auto& d = opt.data;
  std::size_t p = 0;
  for (std::size_t l = d.size(); l > 0;) {
    if (d[p] == kEnd) {  // IPOPT_END: everything after it becomes IPOPT_END
      for (++p, --l; l > 0; ++p, --l) d[p] = kEnd;
      return 0;
    }
    if (d[p] == kNoop) {
      --l;
      ++p;
      continue;
    }
    if (l < 2) return EINVAL;
    const std::size_t optlen = d[p + 1];
    if (optlen < 2 || optlen > l) return EINVAL;
    std::uint8_t* o = d.data() + p;
    switch (o[0]) {
      case kSsrr:
      case kLsrr:
        if (optlen < 3 || o[2] < 4 || opt.srr >= 0) return EINVAL;
        // skb == NULL: "if (optptr[2] != 4 || optlen < 7 || ((optlen-3) & 3))"
        if (o[2] != 4 || optlen < 7 || ((optlen - 3) & 3)) return EINVAL;
        std::memcpy(&opt.faddr, o + 3, 4);
        if (optlen > 7) std::memmove(o + 3, o + 7, optlen - 7);
        opt.is_strictroute = o[0] == kSsrr;
        opt.srr = static_cast<int>(p);
        break;
      case kRr:
        if (opt.rr >= 0 || optlen < 3 || o[2] < 4) return EINVAL;
        if (o[2] <= optlen) {
          if (o[2] + 3u > optlen) return EINVAL;
          o[2] += 4;  // no route yet: the slot stays empty
          opt.rr_needaddr = true;
        }
        opt.rr = static_cast<int>(p);
        break;
      case kTs:
        if (opt.ts >= 0 || optlen < 4 || o[2] < 5) return EINVAL;
        if (o[2] <= optlen) {
          if (o[2] + 3u > optlen) return EINVAL;
          switch (o[3] & 0xf) {
            case kTsOnly:
              opt.ts_needtime = true;
              o[2] += 4;
              break;
            case kTsAndAddr:
              if (o[2] + 7u > optlen) return EINVAL;
              opt.ts_needaddr = opt.ts_needtime = true;
              o[2] += 8;
              break;
            case kTsPrespec: {
              if (o[2] + 7u > optlen) return EINVAL;
              std::span<const std::uint8_t, 4> addr(o + o[2] - 1, 4);
              const bool not_unicast =
                  ctx.addr_not_unicast ? ctx.addr_not_unicast(addr) : default_not_unicast(addr);
              if (!not_unicast) break;  // RTN_UNICAST: not ours to stamp
              opt.ts_needtime = true;
              o[2] += 8;
              break;
            }
            default:  // unknown flag: "!skb && !ns_capable(CAP_NET_RAW)"
              if (!ctx.cap_net_raw) return EINVAL;
              break;
          }
        } else if ((o[3] & 0xf) != kTsPrespec && (o[3] >> 4) == 15) {
          return EINVAL;  // full, and the overflow counter cannot count one more
        }
        opt.ts = static_cast<int>(p);
        break;
      case kRa:
        if (optlen < 4) return EINVAL;
        if (o[2] == 0 && o[3] == 0) opt.router_alert = static_cast<int>(p);
        break;
      default:  // IPOPT_SEC, IPOPT_SID, IPOPT_CIPSO, unknown: need CAP_NET_RAW
        // (CIPSO with the capability goes on to cipso_v4_validate: not modelled)
        if (!ctx.cap_net_raw) return EINVAL;
        break;
    }
    l -= optlen;
    p += optlen;
  }
  return 0;
}

}  // namespace

int ip_options_from_user(std::span<const std::uint8_t> user, const IpOptionsContext& ctx,
                         CompiledIpOptions& out) {
  CompiledIpOptions opt;
  // ip_options_get_finish: "while (optlen & 3) opt->__data[optlen++] = IPOPT_END;"
  opt.data.assign(user.begin(), user.end());
  while (opt.data.size() & 3) opt.data.push_back(kEnd);
  // "if (optlen && ip_options_compile(net, &opt->opt, NULL))" -> EINVAL
  if (!opt.data.empty()) {
    if (int err = compile(opt, ctx)) return err;
  }
  out = std::move(opt);
  return 0;
}

std::vector<std::uint8_t> ip_options_user_view(const CompiledIpOptions& opt) {
  std::vector<std::uint8_t> d = opt.data;  // do_ip_getsockopt undoes a copy
  if (opt.srr >= 0) {
    std::uint8_t* o = d.data() + opt.srr;
    std::memmove(o + 7, o + 3, o[1] - 7);
    std::memcpy(o + 3, &opt.faddr, 4);
  }
  if (opt.rr_needaddr) {
    std::uint8_t* o = d.data() + opt.rr;
    o[2] -= 4;
    std::memset(o + o[2] - 1, 0, 4);
  }
  if (opt.ts >= 0) {
    std::uint8_t* o = d.data() + opt.ts;
    if (opt.ts_needtime) {
      o[2] -= 4;
      std::memset(o + o[2] - 1, 0, 4);
      if ((o[3] & 0xf) == kTsPrespec) o[2] -= 4;
    }
    if (opt.ts_needaddr) {
      o[2] -= 4;
      std::memset(o + o[2] - 1, 0, 4);
    }
  }
  return d;
}

}  // namespace ipc::stack::socket
