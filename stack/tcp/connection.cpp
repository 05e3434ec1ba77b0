// Opening, option negotiation, window set-up, user calls and queries.
#include "stack/tcp/connection.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>

#include "stack/tcp/seq.hpp"
#include "stack/tcp/window.hpp"

namespace ipc::stack::tcp {

namespace f = wire::tcp::flag;
using namespace std::chrono_literals;

Connection::Connection(const Settings& settings, Options options, Endpoints ep, Clock::time_point now,
                       std::uint64_t seed)
    : settings_(&settings), opts_(options), ep_(ep), rng_(seed) {
  // secure_tcp_seq and secure_tcp_ts_off: unpredictable per connection.
  iss_ = static_cast<std::uint32_t>(rng_());
  ts_offset_ = static_cast<std::uint32_t>(rng_());
  rto_ = settings.rto_initial;
  last_rx_ = lrcvtime_ = now;
  snd_una_ = snd_nxt_ = write_seq_ = iss_;
  sndq_seq_ = iss_ + 1;
  if (opts_.user_mss > 0) mss_cache_ = std::min(mss_cache_, opts_.user_mss);
}

// tcp_mss_clamp: TCP_MAXSEG caps the MSS we offer.
int Connection::user_mss_clamp(int mss) const {
  return (opts_.user_mss > 0 && opts_.user_mss < mss) ? opts_.user_mss : mss;
}

std::size_t Connection::rcvbuf() const {
  if (opts_.rcvbuf > 0) return static_cast<std::size_t>(opts_.rcvbuf);
  return std::max(static_cast<std::size_t>(settings_->rmem_default), rcvbuf_auto_);
}

// tcp_rcv_space_adjust: once per round trip, a reader that copied more than
// the last measure grows the receive buffer (up to tcp_rmem[2]) to about
// twice what it copied, so that the window can open past 64 KB. Not with
// SO_RCVBUF set or tcp_moderate_rcvbuf off.
void Connection::rcv_space_adjust(Clock::time_point now) {
  if (!rtt_.has_sample() || now - space_time_ < rtt_.srtt()) return;
  const std::uint64_t copied = copied_total_ - space_seq_;
  if (copied > space_) {
    if (settings_->moderate_rcvbuf && opts_.rcvbuf == 0 && space_ > 0) {
      std::uint64_t rcvwin = (copied << 1) + 16 * static_cast<std::uint64_t>(advmss_);
      const std::uint64_t grow = rcvwin * (copied - space_) / space_;
      rcvwin += grow << 1;
      const std::uint64_t buf = std::min<std::uint64_t>(2 * rcvwin, static_cast<std::uint64_t>(settings_->rmem_max));
      if (buf > rcvbuf()) {
        rcvbuf_auto_ = static_cast<std::size_t>(buf);
        window_clamp_ = win_from_space(static_cast<std::uint32_t>(buf));  // tcp_space_from_win's inverse
      }
    }
    space_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(copied, 0xffffffffu));
  }
  space_seq_ = copied_total_;
  space_time_ = now;
}

// tcp_sndbuf_expand: once established, an unlocked send buffer grows to hold
// two congestion windows (at least TCP_INIT_CWND) of full-sized skbs. The
// per-segment charge is fitted to a 6.18 kernel, where SO_SNDBUF reads
// 69120 (2 * 10 * 3456) right after connect with MSS 1460. Space is counted
// in payload bytes.
std::size_t Connection::sndbuf() const {
  if (opts_.sndbuf > 0) return static_cast<std::size_t>(opts_.sndbuf);
  std::size_t buf = static_cast<std::size_t>(settings_->wmem_default);
  if (state_ != State::SynSent && state_ != State::Closed && state_ != State::SynReceived) {
    const std::size_t per_mss =
        std::bit_ceil(static_cast<std::size_t>(std::max(mss_clamp_, mss_cache_)) + 320) + 1408;
    const std::size_t segs = std::max<std::size_t>({static_cast<std::size_t>(settings_->initial_cwnd), cwnd_, 4});
    buf = std::max(buf, std::min<std::size_t>(2 * segs * per_mss, static_cast<std::size_t>(settings_->wmem_max)));
  }
  return buf;
}

std::uint32_t Connection::ts_now(Clock::time_point now) const {
  // tcp_clock_ms() + tp->tsoffset: a millisecond clock with a random offset.
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return static_cast<std::uint32_t>(ms) + ts_offset_;
}

// tcp_sync_mss: __tcp_mtu_to_mss (the path MTU less 40, clamped by the
// peer's MSS, less the IP options (icsk_ext_hdr_len), at least
// tcp_min_snd_mss), less the timestamp option, then tcp_bound_to_half_wnd
// (never more than half the largest window the peer offered).
void Connection::sync_mss(int pmtu) {
  pmtu_ = pmtu;
  int mss = std::min(pmtu - 40, mss_clamp_) - ext_hdr_len_;
  mss = std::max(mss, settings_->min_snd_mss);
  const int tcp_header_len = 20 + (ts_ok_ ? 12 : 0);
  mss -= tcp_header_len - 20;
  const int cutoff = static_cast<int>(max_window_ > 536 ? max_window_ / 2 : max_window_);
  if (cutoff > 0 && mss > cutoff) mss = std::max(cutoff, 68 - tcp_header_len);
  mss_cache_ = std::max(mss, 1);
}

void Connection::set_ext_hdr_len(int len) {
  // do_ip_setsockopt(IP_OPTIONS) on a stream socket: icsk_ext_hdr_len, then
  // icsk_sync_mss(sk, icsk_pmtu_cookie) once a path MTU is known.
  ext_hdr_len_ = len;
  if (pmtu_ > 0) sync_mss(pmtu_);
}

void Connection::init_windows(bool ts_in_mss) {
  // The scale is chosen for the largest buffer the socket may grow to,
  // unless SO_RCVBUF fixed it: then the window clamp is the full space
  // (tcp_connect_init / tcp_openreq_init_rwin with SOCK_RCVBUF_LOCK).
  auto max_space = static_cast<std::uint32_t>(std::max(settings_->rmem_max, settings_->core_rmem_max));
  if (opts_.rcvbuf > 0) max_space = std::min(max_space, full_space());
  InitialWindow w = select_initial_window(full_space(), advmss_ - (ts_in_mss ? 12 : 0),
                                          settings_->window_scaling && (passive_ ? wscale_ok_ : true),
                                          max_space);
  rcv_wnd_ = w.rcv_wnd;
  window_clamp_ = w.window_clamp;
  rcv_wscale_ = w.rcv_wscale;
  rcv_ssthresh_ = rcv_wnd_;
}

// tcp_init_buffer_space: the window clamp becomes the whole receive space.
// (No segment is held in reserve: a 6.18 server that got nothing yet
// answers a bare FIN with window 64 << 10, i.e. min(rcv_ssthresh = 65160,
// 65536) rounded up, which a 64076 clamp would not allow.)
void Connection::init_buffer_space() {
  const std::uint32_t maxwin = full_space();
  const std::uint32_t adv = static_cast<std::uint32_t>(advmss_);
  if (window_clamp_ >= maxwin) {
    window_clamp_ = maxwin;
    if (maxwin > 4 * adv) window_clamp_ = std::max(maxwin - (maxwin >> 31), 4 * adv);  // tcp_app_win = 31
  }
  rcv_ssthresh_ = std::min(rcv_ssthresh_, window_clamp_);
  // tcp_init_buffer_space: rcvq_space.space = min(rcv_ssthresh, rcv_wnd, 10 * advmss).
  space_ = std::min({rcv_ssthresh_, rcv_wnd_, static_cast<std::uint32_t>(settings_->initial_cwnd * advmss_)});
}

// Options a SYN (or SYN-ACK) from the peer settles (tcp_parse_options and
// tcp_openreq_init / tcp_rcv_synsent_state_process).
void Connection::init_options_from_peer(const wire::TcpRepr& syn) {
  mss_clamp_ = syn.mss ? *syn.mss : 536;  // TCP_MSS_DEFAULT
  if (opts_.user_mss > 0 && opts_.user_mss < mss_clamp_) mss_clamp_ = opts_.user_mss;
  ts_ok_ = settings_->timestamps && syn.timestamps.has_value();
  sack_ok_ = settings_->sack && syn.sack_permitted;
  wscale_ok_ = settings_->window_scaling && syn.window_scale.has_value();
  snd_wscale_ = wscale_ok_ ? std::min<std::uint8_t>(*syn.window_scale, 14) : 0;
  if (!wscale_ok_) rcv_wscale_ = 0;
}

void Connection::connect(int mtu, Clock::time_point now) {
  state_ = State::SynSent;
  passive_ = false;
  pmtu_ = mtu;
  advmss_ = user_mss_clamp(mtu - 40);
  mss_clamp_ = opts_.user_mss > 0 ? opts_.user_mss : 536;
  // tcp_connect_init sizes the header for timestamps before the peer agrees:
  // TCP_MAXSEG reads 536 - 12 = 524 in SYN_SENT.
  ts_ok_ = settings_->timestamps;
  sync_mss(mtu);
  init_windows(false);
  snd_una_ = iss_;
  snd_nxt_ = iss_ + 1;
  write_seq_ = iss_ + 1;
  sndq_seq_ = iss_ + 1;
  // tcp_ecn_send_syn: only tcp_ecn = 1 asks for ECN.
  ecn_ok_ = settings_->ecn == 1;
  syn_sent_at_ = now;
  retrans_stamp_ = now;
  rto_ = settings_->rto_initial;
  send_syn(now);
  rtx_timer_ = now + rto_;
}

void Connection::accept_syn(const wire::TcpRepr& syn, int mtu, std::uint8_t ip_tos, Clock::time_point now) {
  passive_ = true;
  state_ = State::SynReceived;
  syn_tos_ = ip_tos;
  peer_syn_ = syn;
  peer_syn_.payload = {};
  irs_ = syn.seq;
  rcv_nxt_ = rcv_wup_ = irs_ + 1;
  rcv_nxt_off_ = 0;
  pmtu_ = mtu;
  advmss_ = user_mss_clamp(mtu - 40);
  init_options_from_peer(syn);
  if (ts_ok_) {
    ts_recent_ = syn.timestamps->val;
    ts_recent_stamp_ = now;
  }
  // tcp_ecn_create_request: a SYN with ECE and CWR gets ECN when tcp_ecn is not 0.
  ecn_ok_ = (syn.flags & f::kEce) && (syn.flags & f::kCwr) && settings_->ecn != 0;
  init_windows(ts_ok_);
  snd_una_ = iss_;
  snd_nxt_ = iss_ + 1;
  write_seq_ = iss_ + 1;
  sndq_seq_ = iss_ + 1;
  snd_wnd_ = syn.window;  // never scaled in a SYN
  snd_wl1_ = syn.seq;
  max_window_ = snd_wnd_;
  syn_sent_at_ = now;
  last_rx_ = now;
  rto_ = settings_->rto_initial;
  send_synack(now);
  rtx_timer_ = now + rto_;
}

// Both opens end here: tcp_finish_connect / tcp_rcv_state_process SYN_RECV,
// then tcp_init_transfer.
void Connection::set_established(Clock::time_point now) {
  state_ = State::Established;
  sync_mss(pmtu_);
  init_buffer_space();
  space_time_ = now;
  space_seq_ = copied_total_;
  cwnd_ = static_cast<std::uint32_t>(settings_->initial_cwnd);
  if (!rtt_.has_sample()) {
    // tcp_init_transfer: no valid sample from the handshake (a SYN was
    // retransmitted) -> RTO falls back to 3 s (RFC 6298 5.7).
    if (retransmits_ > 0) rto_ = 3s;
    else rto_ = settings_->rto_initial;
  } else {
    rto_ = std::min<Clock::duration>(rtt_.rto(), settings_->rto_max);
  }
  retransmits_ = 0;
  backoff_ = 0;
  retrans_stamp_.reset();
  rtx_timer_.reset();
  rtx_timer_is_probe_ = false;
  reset_keepalive(now);
  // tcp_initialize_rcv_mss
  rcv_mss_ = std::clamp(std::min({advmss_, mss_cache_, static_cast<int>(rcv_wnd_ / 2)}), 88, 536);
}

void Connection::enter_time_wait(Clock::time_point now) {
  state_ = State::TimeWait;
  tw_fin_wait2_ = false;
  rtx_timer_.reset();
  rtx_timer_is_probe_ = false;
  probe_timer_.reset();
  keepalive_timer_.reset();
  delack_timer_.reset();
  ack_pending_ = false;
  life_timer_ = now + settings_->timewait;
  sndq_.clear();
  rtx_.clear();
  sacked_out_ = lost_out_ = retrans_out_ = 0;
}

// tcp_done: the connection is gone (its owner may delete it).
void Connection::done() {
  state_ = State::Closed;
  rtx_timer_.reset();
  rtx_timer_is_probe_ = false;
  delack_timer_.reset();
  probe_timer_.reset();
  keepalive_timer_.reset();
  life_timer_.reset();
  ack_pending_ = false;
  sndq_.clear();
  rtx_.clear();
  sacked_out_ = lost_out_ = retrans_out_ = 0;
  rcv_shutdown_ = snd_shutdown_ = true;
}

// tcp_fin_time: TCP_LINGER2 or tcp_fin_timeout, but at least 3.5 RTO.
Clock::duration Connection::fin_time() const {
  Clock::duration t = opts_.linger2_s > 0 ? std::chrono::seconds(opts_.linger2_s)
                                          : std::chrono::seconds(settings_->fin_timeout_s);
  const Clock::duration floor = rto_ * 4 - rto_ / 2;
  return std::max(t, floor);
}

std::size_t Connection::send(std::span<const std::uint8_t> data, Clock::time_point now, bool more) {
  if (snd_shutdown_ || state_ == State::Closed || state_ == State::TimeWait) return 0;
  const std::size_t n = std::min(data.size(), send_space());
  if (n == 0) return 0;
  sndq_.append(data.first(n));
  write_seq_ += static_cast<std::uint32_t>(n);
  // tcp_push: MSG_MORE neither marks PSH nor lets a partial segment go.
  if (!more) push_marks_.push_back(write_seq_);
  corked_more_ = more;
  if (state_ == State::Established || state_ == State::CloseWait) write_xmit(now);
  corked_more_ = false;
  return n;
}

// skb->truesize of a received segment: the reference kernel's veth receive
// path puts each frame in a 2 KB page fragment (plus headroom), and the
// sk_buff and skb_shared_info come on top. This is why one byte of data
// already keeps the offered window from moving (64240 -> 64239): the free
// space falls below the current offer and tcp_select_window never shrinks.
// A bare FIN is an skb on the queue too (tcp_queue_rcv), charged like one.
void Connection::charge_rcv(std::size_t len, bool fin) {
  if (len == 0 && !fin) return;
  constexpr std::size_t kFrag = 2048, kHeadroom = 128, kSkbOverhead = 640;
  const auto truesize = static_cast<std::uint32_t>((len + kHeadroom + kFrag - 1) / kFrag * kFrag + kSkbOverhead);
  rcv_skbs_.emplace_back(rcv_nxt_off_, truesize);
  rcv_alloc_ += truesize;
}

void Connection::uncharge_read() {
  const std::uint64_t read_off = rcv_nxt_off_ - rcvq_.size();
  while (!rcv_skbs_.empty() && rcv_skbs_.front().first <= read_off) {
    rcv_alloc_ -= rcv_skbs_.front().second;
    rcv_skbs_.pop_front();
  }
}

std::size_t Connection::recv(std::span<std::uint8_t> out, bool peek, Clock::time_point now) {
  const std::size_t n = std::min(out.size(), rcvq_.size());
  rcvq_.copy_out(0, out.first(n));
  if (!peek && n > 0) {
    rcvq_.consume(n);
    uncharge_read();
    copied_total_ += n;
    rcv_space_adjust(now);
    cleanup_rbuf(n, now);
  }
  return n;
}

// tcp_shutdown(SEND_SHUTDOWN) -> tcp_close_state + tcp_send_fin.
void Connection::shutdown_send(Clock::time_point now) {
  if (snd_shutdown_) return;
  switch (state_) {
    case State::SynSent:
      snd_shutdown_ = true;
      done();
      return;
    case State::Established:
    case State::SynReceived:
      snd_shutdown_ = true;
      state_ = State::FinWait1;
      queue_fin(now);
      return;
    case State::CloseWait:
      snd_shutdown_ = true;
      state_ = State::LastAck;
      queue_fin(now);
      return;
    default:
      snd_shutdown_ = true;
      return;
  }
}

void Connection::shutdown_receive() { rcv_shutdown_ = true; }

void Connection::close(bool linger_zero, Clock::time_point now) {
  orphan_ = true;
  rcv_shutdown_ = true;
  if (state_ == State::Closed || state_ == State::Listen) {
    done();
    return;
  }
  if (state_ == State::TimeWait) return;
  const State old = state_;
  if (!rcvq_.empty()) {
    // Unread data was tossed: zap the connection with a RST (tcp_close).
    send_active_reset(now);
    done();
    return;
  }
  if (linger_zero) {
    // tcp_disconnect: RST where tcp_need_reset says so.
    const bool need_reset = old == State::Established || old == State::CloseWait || old == State::FinWait1 ||
                            old == State::FinWait2 || old == State::SynReceived ||
                            ((old == State::Closing || old == State::LastAck) && snd_nxt_ != write_seq_);
    if (need_reset) {
      send_active_reset(now);
      err_ = ECONNRESET;
    } else if (old == State::SynSent) {
      err_ = ECONNRESET;
    }
    done();
    return;
  }
  switch (state_) {
    case State::SynSent: done(); return;
    case State::Established:
    case State::SynReceived:
      if (!snd_shutdown_) {
        snd_shutdown_ = true;
        state_ = State::FinWait1;
        queue_fin(now);
      }
      break;
    case State::CloseWait:
      snd_shutdown_ = true;
      state_ = State::LastAck;
      queue_fin(now);
      break;
    default: break;
  }
  snd_shutdown_ = true;
  if (state_ == State::FinWait2) {
    if (opts_.linger2_s < 0) {
      send_active_reset(now);
      done();
      return;
    }
    // tcp_close: an orphan already in FIN_WAIT2 becomes a FIN_WAIT2 timewait sock.
    tw_fin_wait2_ = true;
    rtx_timer_.reset();
    rtx_timer_is_probe_ = false;
    probe_timer_.reset();
    keepalive_timer_.reset();
    life_timer_ = now + fin_time();
  }
}

void Connection::abort(Clock::time_point now) {
  switch (state_) {
    case State::Established:
    case State::CloseWait:
    case State::FinWait1:
    case State::FinWait2:
    case State::Closing:
    case State::LastAck:
    case State::SynReceived:
      send_active_reset(now);
      break;
    default: break;
  }
  done();
}

void Connection::sockopt_changed(Clock::time_point now) {
  if (opts_.quickack) {
    // TCP_QUICKACK: leave interactive mode; a scheduled ACK goes out now.
    pingpong_ = 0;
    if (ack_pending_) send_ack(now);
  }
  if (state_ == State::Established || state_ == State::CloseWait || state_ == State::FinWait1 ||
      state_ == State::LastAck || state_ == State::Closing)
    write_xmit(now);
  reset_keepalive(now);
}

std::vector<OutSegment> Connection::take_output() { return std::exchange(out_, {}); }

State Connection::state() const { return state_; }
std::size_t Connection::readable() const { return rcvq_.size(); }
bool Connection::fin_received() const { return fin_received_; }
std::size_t Connection::send_space() const {
  const std::size_t used = sndq_.size();
  const std::size_t cap = sndbuf();
  return used >= cap ? 0 : cap - used;
}
// tcp_ioctl: SIOCOUTQ / SIOCOUTQNSD read 0 while the handshake is under way.
std::size_t Connection::unacked_bytes() const {
  if (state_ == State::SynSent || state_ == State::SynReceived) return 0;
  return write_seq_ - snd_una_;
}
std::size_t Connection::unsent_bytes() const {
  if (state_ == State::SynSent || state_ == State::SynReceived) return 0;
  return seq::after(write_seq_, snd_nxt_) ? write_seq_ - snd_nxt_ : 0;
}
int Connection::take_error() { return std::exchange(err_, 0); }
int Connection::peek_error() const { return err_; }
bool Connection::reset_received() const { return reset_received_; }
int Connection::mss() const {
  // do_tcp_getsockopt(TCP_MAXSEG): the user's value before the connection exists.
  if (opts_.user_mss > 0 && (state_ == State::Closed || state_ == State::Listen)) return opts_.user_mss;
  return mss_cache_;
}
const Connection::Endpoints& Connection::endpoints() const { return ep_; }
Options& Connection::options() { return opts_; }
const Settings& Connection::settings() const { return *settings_; }
std::optional<std::uint32_t> Connection::ts_recent() const {
  if (!ts_recent_stamp_) return std::nullopt;
  return ts_recent_;
}
Clock::time_point Connection::ts_recent_stamp() const { return ts_recent_stamp_.value_or(Clock::time_point{}); }
bool Connection::finished() const { return state_ == State::Closed && out_.empty(); }

}  // namespace ipc::stack::tcp
