// The connection's timers (tcp_timer.c): retransmission (SYN, SYN-ACK,
// data), zero-window probes, keepalive, delayed ACK, and the TIME_WAIT /
// orphan FIN_WAIT2 lifetime.
#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>

#include "stack/tcp/connection.hpp"
#include "stack/tcp/seq.hpp"

namespace ipc::stack::tcp {

using namespace std::chrono_literals;

std::optional<Clock::time_point> Connection::next_deadline() const {
  std::optional<Clock::time_point> best;
  for (const auto& t : {rtx_timer_, delack_timer_, probe_timer_, keepalive_timer_, life_timer_})
    if (t && (!best || *t < *best)) best = t;
  return best;
}

void Connection::advance(Clock::time_point now) {
  // Run every timer due by `now`, earliest first; a handler may arm another.
  for (int guard = 0; guard < 10000; ++guard) {
    std::optional<Clock::time_point>* due = nullptr;
    for (auto* t : {&rtx_timer_, &delack_timer_, &probe_timer_, &keepalive_timer_, &life_timer_})
      if (*t && **t <= now && (!due || **t < **due)) due = t;
    if (!due) return;
    const Clock::time_point at = **due;
    due->reset();
    if (due == &rtx_timer_) on_retransmit_timer(at);
    else if (due == &delack_timer_) on_delack_timer(at);
    else if (due == &probe_timer_) on_probe_timer(at);
    else if (due == &keepalive_timer_) on_keepalive_timer(at);
    else on_life_timer(at);
  }
}

// tcp_model_timeout / retransmits_timed_out: the time `boundary`
// retransmissions take when the RTO doubles from rto_base up to rto_max
// (or TCP_USER_TIMEOUT when set), measured from the first transmission.
bool Connection::retransmits_timed_out(int boundary, Clock::time_point now) const {
  if (retransmits_ == 0 || !retrans_stamp_) return false;
  Clock::duration timeout;
  if (opts_.user_timeout_ms > 0) {
    timeout = std::chrono::milliseconds(opts_.user_timeout_ms);
  } else {
    const bool syn = state_ == State::SynSent || state_ == State::SynReceived;
    const Clock::duration base = syn ? Clock::duration(settings_->rto_initial) : Clock::duration(settings_->rto_min);
    const Clock::duration max = settings_->rto_max;
    const auto ratio = static_cast<std::uint64_t>(max / base);
    const int thresh = ratio == 0 ? 0 : std::bit_width(ratio) - 1;
    if (boundary <= thresh)
      timeout = ((2LL << boundary) - 1) * base;
    else
      timeout = ((2LL << thresh) - 1) * base + (boundary - thresh) * max;
  }
  return now - *retrans_stamp_ >= timeout;
}

// tcp_write_err: the soft error (from ICMP) if one was seen, else ETIMEDOUT.
void Connection::write_err(Clock::time_point now) {
  (void)now;
  err_ = soft_err_ ? soft_err_ : ETIMEDOUT;
  done();
}

// tcp_clamp_rto_to_user_timeout.
static Clock::duration clamp_to_user_timeout(Clock::duration rto, int user_timeout_ms,
                                             std::optional<Clock::time_point> stamp, Clock::time_point now) {
  if (user_timeout_ms <= 0 || !stamp) return rto;
  const Clock::duration remaining = std::chrono::milliseconds(user_timeout_ms) - (now - *stamp);
  if (remaining <= Clock::duration::zero()) return 1ms;
  return std::min(rto, remaining);
}

void Connection::rearm_rto(Clock::time_point now) {
  probe_timer_.reset();
  rtx_timer_is_probe_ = false;
  rtx_timer_ = now + clamp_to_user_timeout(rto_, opts_.user_timeout_ms, retrans_stamp_, now);
}

// tcp_schedule_loss_probe: with SACK, in the Open state, probe the tail
// after 2 * srtt (+ 200 ms for a lone segment, whose ACK may be delayed;
// else + 2 ms), unless the RTO comes first.
bool Connection::schedule_loss_probe(Clock::time_point now, bool advancing_rto) {
  if (rtx_.empty() || !sack_ok_ || ca_ != CaState::Open || tlp_high_seq_) return false;
  if (state_ == State::SynSent || state_ == State::SynReceived || state_ == State::Closed) return false;
  Clock::duration timeout = settings_->rto_initial;
  if (rtt_.has_sample()) {
    timeout = 2 * rtt_.srtt();
    timeout += rtx_.size() == 1 ? Clock::duration(settings_->rto_min) : Clock::duration(2ms);
  }
  // tcp_rto_delta_us: when the RTO would fire for the head.
  const Clock::duration rto_delta = advancing_rto ? rto_ : (rtx_.front().sent + rto_) - now;
  if (rto_delta > Clock::duration::zero()) timeout = std::min(timeout, rto_delta);
  probe_timer_.reset();
  rtx_timer_ = now + timeout;
  rtx_timer_is_probe_ = true;
  return true;
}

// tcp_set_xmit_timer: after an ACK, a loss probe if one fits, else the RTO.
void Connection::set_xmit_timer(Clock::time_point now) {
  if (!schedule_loss_probe(now, true)) rearm_rto(now);
}

// tcp_send_loss_probe: new data if the window allows, else the last
// segment again; then the RTO from now.
void Connection::on_loss_probe(Clock::time_point now) {
  if (!tlp_high_seq_ && !rtx_.empty()) {
    bool sent = false;
    if (write_queue_pending()) {
      const std::size_t before = rtx_.size();
      const bool saved = opts_.nodelay;
      opts_.nodelay = true;  // TCP_NAGLE_OFF
      write_xmit(now, true);
      opts_.nodelay = saved;
      sent = rtx_.size() > before;
    }
    if (!sent) {
      std::size_t last = rtx_.size() - 1;
      // Only the last MSS of the tail goes (tcp_fragment when it is larger).
      retransmit_seg(last, now, true);
    }
    tlp_high_seq_ = snd_nxt_;
  }
  rearm_rto(now);
}

void Connection::on_retransmit_timer(Clock::time_point now) {
  if (rtx_timer_is_probe_) {
    rtx_timer_is_probe_ = false;
    on_loss_probe(now);
    return;
  }
  if (state_ == State::SynSent || (state_ == State::SynReceived && !passive_)) {
    on_syn_timer(now);
    return;
  }
  if (state_ == State::SynReceived) {
    on_synack_timer(now);
    return;
  }
  if (rtx_.empty() || state_ == State::Closed || state_ == State::TimeWait) return;
  // tcp_write_timeout.
  int retry_until = settings_->retries2;
  if (orphan_) {
    // tcp_orphan_retries: 0 means 8 while the RTO is still short.
    const bool alive = rto_ < settings_->rto_max;
    retry_until = settings_->orphan_retries;
    if (soft_err_ && !alive) retry_until = 0;
    if (retry_until == 0 && alive) retry_until = 8;
  }
  tlp_high_seq_.reset();
  if (retransmits_timed_out(retry_until, now)) {
    write_err(now);
    return;
  }
  enter_loss();
  retransmit_seg(0, now);
  ++retransmits_;
  ++backoff_;
  rto_ = std::min<Clock::duration>(rto_ * 2, settings_->rto_max);
  rtx_timer_ = now + clamp_to_user_timeout(rto_, opts_.user_timeout_ms, retrans_stamp_, now);
}

// SYN (and simultaneous-open SYN-ACK) retransmission. tcp_syn_linear_timeouts
// keeps the first retransmissions of an active open at the initial RTO;
// expiry is time based (tcp_write_timeout), so 1 + tcp_syn_retries doubling
// intervals bound the attempt: with 2 retries, SYNs at 0,1,2,3,4,5 s and
// ETIMEDOUT at 7 s (checked against a 6.18 kernel).
void Connection::on_syn_timer(Clock::time_point now) {
  const int retries = opts_.syncnt > 0 ? opts_.syncnt : settings_->syn_retries;
  if (retransmits_timed_out(retries, now)) {
    write_err(now);
    return;
  }
  send_syn(now);
  ++retransmits_;
  if (state_ == State::SynSent && retransmits_ <= settings_->syn_linear_timeouts) {
    backoff_ = 0;
    rto_ = settings_->rto_initial;
  } else {
    ++backoff_;
    rto_ = std::min<Clock::duration>(rto_ * 2, settings_->rto_max);
  }
  rtx_timer_ = now + clamp_to_user_timeout(rto_, opts_.user_timeout_ms, retrans_stamp_, now);
}

// reqsk_timer_handler: tcp_synack_retries SYN-ACK retransmissions at 1, 2,
// 4... s; then the request is dropped without a word.
void Connection::on_synack_timer(Clock::time_point now) {
  const int max_retries = opts_.syncnt > 0 ? opts_.syncnt : settings_->synack_retries;
  if (retransmits_ >= max_retries) {
    done();
    return;
  }
  send_synack(now);
  ++retransmits_;
  const Clock::duration timeout =
      std::min<Clock::duration>(Clock::duration(settings_->rto_initial) * (1LL << std::min(retransmits_, 20)),
                                settings_->rto_max);
  rtx_timer_ = now + timeout;
}

// tcp_probe0_base / tcp_probe0_when.
Clock::duration Connection::probe0_when() const {
  const Clock::duration base = std::max<Clock::duration>(rto_, settings_->rto_min);
  const int shift = std::min(backoff_, 10);
  return std::min<Clock::duration>(base * (1LL << shift), settings_->rto_max);
}

// tcp_probe_timer / tcp_send_probe0 / tcp_write_wakeup.
void Connection::on_probe_timer(Clock::time_point now) {
  if (!rtx_.empty() || !write_queue_pending() || state_ == State::Closed) {
    probes_out_ = 0;
    return;
  }
  int max_probes = settings_->retries2;
  if (orphan_) {
    const bool alive = probe0_when() < settings_->rto_max;
    max_probes = settings_->orphan_retries;
    if (max_probes == 0 && alive) max_probes = 8;
    if (!alive && backoff_ >= max_probes) {
      write_err(now);
      return;
    }
  }
  if (probes_out_ >= max_probes) {
    write_err(now);
    return;
  }
  const std::uint32_t wnd_end = snd_una_ + snd_wnd_;
  if (seq::before(snd_nxt_, wnd_end)) {
    // The window opened a little: send what fits (tcp_write_wakeup).
    const std::uint32_t pending = write_seq_ - snd_nxt_ - (fin_queued_ ? 1 : 0);
    const std::uint32_t room = wnd_end - snd_nxt_;
    const std::uint32_t len = std::min({pending, room, static_cast<std::uint32_t>(mss_cache_)});
    if (len > 0 || fin_queued_) {
      push_marks_.push_front(snd_nxt_ + len);  // tcp_write_wakeup marks PSH
      send_new_segment(len, now);
      probes_out_ = 0;
      backoff_ = 0;
      return;
    }
  }
  send_probe(now);
  ++probes_out_;
  if (backoff_ < settings_->retries2) ++backoff_;
  probe_timer_ = now + probe0_when();
}

Clock::duration Connection::keepalive_idle() const {
  return std::chrono::seconds(opts_.keepidle_s > 0 ? opts_.keepidle_s : settings_->keepalive_time_s);
}
Clock::duration Connection::keepalive_intvl() const {
  return std::chrono::seconds(opts_.keepintvl_s > 0 ? opts_.keepintvl_s : settings_->keepalive_intvl_s);
}
int Connection::keepalive_probes() const { return opts_.keepcnt > 0 ? opts_.keepcnt : settings_->keepalive_probes; }

void Connection::reset_keepalive(Clock::time_point now) {
  const bool live = state_ == State::Established || state_ == State::CloseWait || state_ == State::FinWait1 ||
                    state_ == State::FinWait2 || state_ == State::Closing || state_ == State::LastAck;
  if (opts_.keepalive && live && !tw_fin_wait2_) {
    if (!keepalive_timer_) keepalive_timer_ = now + keepalive_idle();
  } else {
    keepalive_timer_.reset();
  }
}

// tcp_keepalive_timer: after keepidle without anything received, probe every
// keepintvl; keepcnt unanswered probes (or TCP_USER_TIMEOUT) end the
// connection with a RST and ETIMEDOUT.
void Connection::on_keepalive_timer(Clock::time_point now) {
  if (!opts_.keepalive || state_ == State::Closed || state_ == State::TimeWait || state_ == State::SynSent ||
      state_ == State::SynReceived)
    return;
  Clock::duration next = keepalive_intvl();
  if (!rtx_.empty() || write_queue_pending()) {
    keepalive_timer_ = now + next;
    return;
  }
  const Clock::duration elapsed = now - std::max(last_rx_, lrcvtime_);
  if (elapsed >= keepalive_idle()) {
    const bool user_expired = opts_.user_timeout_ms > 0 &&
                              elapsed >= std::chrono::milliseconds(opts_.user_timeout_ms) && probes_out_ > 0;
    if (user_expired || (opts_.user_timeout_ms <= 0 && probes_out_ >= keepalive_probes())) {
      send_active_reset(now);
      write_err(now);
      return;
    }
    send_probe(now);
    ++probes_out_;
    next = keepalive_intvl();
  } else {
    next = keepalive_idle() - elapsed;
  }
  keepalive_timer_ = now + next;
}

// tcp_delack_timer_handler: a missed delayed ACK inflates the ATO, or ends
// interactive mode.
void Connection::on_delack_timer(Clock::time_point now) {
  if (state_ == State::Closed || state_ == State::TimeWait || !ack_pending_) return;
  if (pingpong_ == 0) {
    ato_ = std::min<Clock::duration>(ato_ * 2, rto_);
  } else {
    pingpong_ = 0;
    ato_ = settings_->delack_min;
  }
  send_ack(now);
}

// TIME_WAIT's 60 s, or an orphan's FIN_WAIT2 after tcp_fin_timeout, end silently.
void Connection::on_life_timer(Clock::time_point now) {
  (void)now;
  if (state_ == State::TimeWait || (state_ == State::FinWait2 && orphan_)) done();
}

}  // namespace ipc::stack::tcp
