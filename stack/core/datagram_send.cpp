// What UDP, raw and ping sends share between the route lookup and IP
// output: ip_append_data's MTU and size rule with ip_local_error under
// IP_RECVERR (ip_setup_cork, __ip_append_data), a pending sk_err
// (sock_alloc_send_pskb -> sock_error), and the header's TTL, TOS and DF
// (__ip_make_skb).
#include <cerrno>

#include "stack/core/stack.hpp"
#include "stack/socket/ip_sockopt_names.hpp"

namespace ipc::stack::core {

namespace {
namespace pmtu = socket::pmtudisc;
constexpr int kIpMaxMtu = 0xFFFF;
constexpr std::uint8_t kOriginLocal = 1;  // SO_EE_ORIGIN_LOCAL
}  // namespace

int Stack::prepare_datagram(Socket& s, const SendRequest& r, const ipv4::OutputRoute& rt, const DatagramSend& d,
                            OutputArgs& a) {
  const int pmtudisc = s.ip.pmtudisc;
  const int mtu = send_mtu(pmtudisc, d.faddr, rt);
  const int optlen = d.opt ? static_cast<int>((d.opt->data.size() + 3) / 4 * 4) : 0;
  const bool ignore_df = pmtudisc < pmtu::kDo || pmtudisc == pmtu::kOmit;  // ip_sk_ignore_df
  const int maxnonfrag = ignore_df ? kIpMaxMtu : mtu;
  if (static_cast<int>(d.len) > maxnonfrag - (20 + optlen)) {
    // ip_local_error(sk, EMSGSIZE, fl4->daddr, inet->inet_dport, mtu - optlen).
    if (s.ip.recverr) {
      QueuedError e;
      e.ee_errno = EMSGSIZE;
      e.origin = kOriginLocal;
      e.info = static_cast<std::uint32_t>(mtu - optlen);
      e.addr = d.faddr;
      e.port = d.err_port;
      queue_error(s, std::move(e));
    }
    return -EMSGSIZE;
  }
  if (const int e = s.sol.sk_err; e) {
    s.sol.sk_err = 0;
    return -e;
  }
  a.route = rt;
  a.route.mtu = mtu;
  a.loop_multicast = s.ip.mc_loop;
  a.src = rt.src;
  a.dst = d.faddr;
  a.final_dst = d.daddr;
  a.protocol = d.protocol;
  // An IP_TTL control message, else IP_MULTICAST_TTL for a group, else
  // IP_TTL (-1: the sysctl's default).
  const bool mcast = d.daddr.is_multicast();
  const int ttl = r.ttl ? *r.ttl : (mcast ? s.ip.mc_ttl : (s.ip.ttl < 0 ? sysctl_.ip_default_ttl() : s.ip.ttl));
  a.ttl = static_cast<std::uint8_t>(ttl);
  a.tos = static_cast<std::uint8_t>(r.tos ? *r.tos : s.ip.tos);
  // DO and PROBE always; WANT when the datagram fits and the learnt MTU is
  // not locked (ip_dont_fragment).
  a.df = datagram_df(pmtudisc, d.faddr, rt, 20 + optlen + static_cast<int>(d.len));
  a.ignore_df = ignore_df;
  a.sock = &s;
  a.options = d.opt;
  return 0;
}

}  // namespace ipc::stack::core
