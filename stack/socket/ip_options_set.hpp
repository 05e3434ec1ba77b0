// IP_OPTIONS as set through setsockopt and read back through getsockopt:
// Linux's ip_options_get (net/ipv4/ip_options.c) -- pad to a multiple of 4
// with IPOPT_END, then __ip_options_compile with skb == NULL -- and the
// ip_options_undo that do_ip_getsockopt applies to a copy before returning it.
//
// This is the sending-side compile, not the receive-side check in
// stack/wire/ipv4_options: with no skb Linux also insists that a source route
// has pointer 4 and whole address slots, strips its first hop into faddr, and
// refuses unknown, security and CIPSO options (and unknown TS flags) unless the
// caller has CAP_NET_RAW.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace ipc::stack::socket {

// struct ip_options as left by __ip_options_compile(skb == NULL). Offsets are
// into `data` (the kernel's are counted from the IP header; we drop the 20).
struct CompiledIpOptions {
  std::vector<std::uint8_t> data;  // opt->__data, opt->optlen == data.size()
  std::uint32_t faddr = 0;         // first hop of a source route, network order bytes as stored
  int srr = -1;                    // offset of LSRR/SSRR, -1: none
  bool is_strictroute = false;
  int rr = -1;
  bool rr_needaddr = false;
  int ts = -1;
  bool ts_needtime = false;
  bool ts_needaddr = false;
  int router_alert = -1;
  bool empty() const { return data.empty(); }
};

struct IpOptionsContext {
  bool cap_net_raw = true;  // ns_capable(net->user_ns, CAP_NET_RAW)
  // inet_addr_type(net, addr) != RTN_UNICAST, for a TS prespecified address
  // (given as the 4 bytes of the option, network order). Empty: only
  // 0.0.0.0/8, 127.0.0.0/8, multicast and 255.255.255.255 count.
  std::function<bool(std::span<const std::uint8_t, 4>)> addr_not_unicast;
};

// ip_options_get: 0 or EINVAL. `out` is written only on success. The caller
// checks the 40-byte limit (do_ip_setsockopt does, before ip_options_get).
int ip_options_from_user(std::span<const std::uint8_t> user, const IpOptionsContext& ctx,
                         CompiledIpOptions& out);

// do_ip_getsockopt IP_OPTIONS: the stored options after ip_options_undo.
std::vector<std::uint8_t> ip_options_user_view(const CompiledIpOptions& opt);

}  // namespace ipc::stack::socket
