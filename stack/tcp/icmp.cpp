// ICMP errors about our segments (tcp_v4_err, tcp_v4_mtu_reduced).
#include <algorithm>
#include <array>
#include <cerrno>

#include "stack/tcp/connection.hpp"
#include "stack/tcp/seq.hpp"

namespace ipc::stack::tcp {

namespace {
// icmp_err_convert (net/ipv4/icmp.c): destination unreachable code -> errno.
constexpr std::array<int, 16> kUnreachErrno = {
    ENETUNREACH,   // 0 net unreachable
    EHOSTUNREACH,  // 1 host unreachable
    ENOPROTOOPT,   // 2 protocol unreachable
    ECONNREFUSED,  // 3 port unreachable
    EMSGSIZE,      // 4 fragmentation needed
    EOPNOTSUPP,    // 5 source route failed
    ENETUNREACH,   // 6 net unknown
    EHOSTDOWN,     // 7 host unknown
    ENONET,        // 8 host isolated
    ENETUNREACH,   // 9 net prohibited
    EHOSTUNREACH,  // 10 host prohibited
    ENETUNREACH,   // 11 net unreachable for TOS
    EHOSTUNREACH,  // 12 host unreachable for TOS
    EHOSTUNREACH,  // 13 administratively filtered
    EHOSTUNREACH,  // 14 precedence violation
    EHOSTUNREACH,  // 15 precedence cutoff
};
}  // namespace

void Connection::on_icmp_unreachable(std::uint8_t code, std::uint32_t quoted_seq, Clock::time_point now) {
  if (state_ == State::Closed || state_ == State::Listen || state_ == State::TimeWait) return;
  if (code >= kUnreachErrno.size()) return;
  // Only an error about data in flight counts.
  if (!seq::between(quoted_seq, snd_una_, snd_nxt_)) return;
  if (code == 4) return;  // fragmentation needed: on_frag_needed
  const int err = kUnreachErrno[code];
  if (state_ == State::SynSent || state_ == State::SynReceived) {
    // The connection attempt fails at once with the converted errno (a
    // request sock of a listener just goes away).
    if (!passive_) err_ = err;
    done();
    return;
  }
  // Connected: keep trying; the error is reported at once only with
  // IP_RECVERR, else it waits for a timeout (sk_err_soft).
  if (opts_.recverr) err_ = err;
  else soft_err_ = err;
  (void)now;
}

// tcp_v4_mtu_reduced: a smaller path MTU shrinks the MSS and everything in
// flight that no longer fits goes again at once (tcp_simple_retransmit),
// without a congestion-window reduction.
void Connection::on_frag_needed(int mtu, Clock::time_point now) {
  if (state_ == State::Closed || state_ == State::Listen || state_ == State::TimeWait) return;
  if (mtu <= 0 || (pmtu_ != 0 && mtu >= pmtu_)) return;
  sync_mss(mtu);
  bool lost = false;
  for (auto& t : rtx_) {
    const std::uint32_t len = t.end - t.seq - ((t.flags & wire::tcp::flag::kFin) ? 1 : 0);
    if (len > static_cast<std::uint32_t>(mss_cache_) && !t.sacked) {
      set_seg_retrans(t, false);
      set_seg_lost(t, true);
      lost = true;
    }
  }
  if (!lost) return;
  if (ca_ != CaState::Loss) {
    high_seq_ = snd_nxt_;
    ca_ = CaState::Loss;
  }
  xmit_retransmit_queue(now);
}

}  // namespace ipc::stack::tcp
