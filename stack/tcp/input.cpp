// Segment arrival: the per-state processing of tcp_rcv_state_process and
// the functions around it (handshakes, RFC 5961 checks, RST, data, FIN,
// TIME_WAIT).
#include <algorithm>
#include <cerrno>

#include "stack/tcp/connection.hpp"
#include "stack/tcp/seq.hpp"

namespace ipc::stack::tcp {

namespace f = wire::tcp::flag;
using namespace std::chrono_literals;

namespace {
constexpr std::uint8_t kEcnCe = 3;

std::uint32_t seg_len(const wire::TcpRepr& s) {
  return static_cast<std::uint32_t>(s.payload.size()) + ((s.flags & f::kSyn) ? 1u : 0u) +
         ((s.flags & f::kFin) ? 1u : 0u);
}

// tcp_in_window (tcp_minisocks.c).
bool in_window(std::uint32_t seq, std::uint32_t end, std::uint32_t s_win, std::uint32_t e_win) {
  if (seq == s_win) return true;
  if (seq::after(end, s_win) && seq::before(seq, e_win)) return true;
  return seq == e_win && seq == end;
}
}  // namespace

std::uint64_t Connection::rcv_offset(std::uint32_t s) const {
  return rcv_nxt_off_ + static_cast<std::uint64_t>(static_cast<std::int64_t>(seq::diff(s, rcv_nxt_)));
}

void Connection::on_segment(const wire::TcpRepr& seg, std::uint8_t ip_ecn, Clock::time_point now) {
  switch (state_) {
    case State::Closed:
      if (auto r = reset_for(seg)) out_.push_back(std::move(*r));
      return;
    case State::Listen:
      return;
    case State::SynSent:
      rcv_syn_sent(seg, ip_ecn, now);
      return;
    case State::TimeWait:
      rcv_time_wait(seg, now);
      return;
    default:
      break;
  }
  if (state_ == State::SynReceived && passive_) {
    rcv_request(seg, now);
    if (state_ != State::Established) return;
  }
  if (state_ == State::FinWait2 && tw_fin_wait2_) {
    rcv_time_wait(seg, now);
    return;
  }

  // tcp_rcv_state_process: a segment with none of ACK, RST, SYN is dropped.
  if (!(seg.flags & (f::kAck | f::kRst | f::kSyn))) return;
  if (!validate_incoming(seg, now)) return;
  last_rx_ = now;

  // Step 5: the ACK field.
  const int acceptable = process_ack(seg, now);
  if (acceptable < 0) {
    if (state_ == State::SynReceived) {
      // Simultaneous open: an unacceptable ACK is answered with a reset.
      if (auto r = reset_for(seg)) out_.push_back(std::move(*r));
      return;
    }
    // tcp_ack: an ACK older than the window gets a challenge ACK in every
    // state; one for data never sent is dropped silently when established,
    // challenged otherwise (tcp_rcv_state_process).
    if (acceptable == -2 || state_ != State::Established) send_challenge_ack(now);
    return;
  }
  store_ts_recent(seg, now);

  const bool fin_acked = !fin_queued_ && snd_shutdown_ && snd_una_ == write_seq_ && rtx_.empty();
  switch (state_) {
    case State::SynReceived:
      // Simultaneous open completes.
      snd_wnd_ = static_cast<std::uint32_t>(seg.window) << snd_wscale_;
      snd_wl1_ = seg.seq;
      max_window_ = std::max(max_window_, snd_wnd_);
      set_established(now);
      break;
    case State::FinWait1:
      if (fin_acked) {
        state_ = State::FinWait2;
        rtx_timer_.reset();
        rtx_timer_is_probe_ = false;
        if (orphan_) {
          if (opts_.linger2_s < 0) {
            done();
            if (auto r = reset_for(seg)) out_.push_back(std::move(*r));
            return;
          }
          const std::uint32_t end = seg.seq + seg_len(seg);
          if (end != seg.seq && seq::after(end - ((seg.flags & f::kFin) ? 1 : 0), rcv_nxt_)) {
            // Data after close() arrived with the ACK of our FIN.
            done();
            if (auto r = reset_for(seg)) out_.push_back(std::move(*r));
            return;
          }
          if (!(seg.flags & f::kFin)) {
            // tcp_time_wait(TCP_FIN_WAIT2, tmo): the orphan waits for the
            // peer's FIN as a timewait sock for tcp_fin_time.
            tw_fin_wait2_ = true;
            keepalive_timer_.reset();
            probe_timer_.reset();
            delack_timer_.reset();
            ack_pending_ = false;
            life_timer_ = now + fin_time();
            return;
          }
          life_timer_ = now + fin_time();
        }
      }
      break;
    case State::Closing:
      if (fin_acked) {
        enter_time_wait(now);
        return;
      }
      break;
    case State::LastAck:
      if (fin_acked) {
        done();
        return;
      }
      break;
    default:
      break;
  }

  // Step 7: segment text.
  const std::uint32_t end = seg.seq + seg_len(seg);
  switch (state_) {
    case State::CloseWait:
    case State::Closing:
    case State::LastAck:
      // After the peer's FIN nothing new can arrive; old data is re-ACKed below.
      if (!seq::before(seg.seq, rcv_nxt_)) break;
      [[fallthrough]];
    case State::FinWait1:
    case State::FinWait2:
      if (rcv_shutdown_ && !fin_received_ && end != seg.seq &&
          seq::after(end - ((seg.flags & f::kFin) ? 1 : 0), rcv_nxt_)) {
        // RFC 1122: data for a closed receive side resets the connection.
        reset(now);
        if (auto r = reset_for(seg)) out_.push_back(std::move(*r));
        return;
      }
      [[fallthrough]];
    case State::Established:
      data_queue(seg, ip_ecn, now);
      break;
    default:
      break;
  }
  if (state_ == State::Closed || state_ == State::TimeWait) return;
  write_xmit(now);
  ack_snd_check(now);
}

// tcp_rcv_synsent_state_process.
void Connection::rcv_syn_sent(const wire::TcpRepr& seg, std::uint8_t ip_ecn, Clock::time_point now) {
  (void)ip_ecn;
  if (seg.flags & f::kAck) {
    // An ACK for something other than our SYN: reset it (unless it is a RST).
    if (!seq::after(seg.ack, iss_) || seq::after(seg.ack, snd_nxt_)) {
      if (auto r = reset_for(seg)) out_.push_back(std::move(*r));
      return;
    }
    if (seg.flags & f::kRst) {
      reset(now);  // ECONNREFUSED
      return;
    }
    if (!(seg.flags & f::kSyn)) return;
    // SYN-ACK.
    init_options_from_peer(seg);
    // tcp_ecn_rcv_synack: ECN holds only if the SYN-ACK has ECE without CWR.
    if (ecn_ok_ && (!(seg.flags & f::kEce) || (seg.flags & f::kCwr))) ecn_ok_ = false;
    if (!wscale_ok_) {
      rcv_wscale_ = 0;
      window_clamp_ = std::min(window_clamp_, 65535u);
    }
    irs_ = seg.seq;
    rcv_nxt_ = rcv_wup_ = seg.seq + 1;
    rcv_nxt_off_ = 0;
    if (ts_ok_) {
      ts_recent_ = seg.timestamps->val;
      ts_recent_stamp_ = now;
    }
    // Karn: only a SYN sent once gives an RTT sample.
    if (retransmits_ == 0)
      rtt_.sample(std::chrono::duration_cast<std::chrono::microseconds>(now - syn_sent_at_), seg.ack, snd_nxt_,
                  settings_->rto_min);
    snd_una_ = seg.ack;
    snd_wnd_ = seg.window;  // a SYN's window is never scaled
    snd_wl1_ = seg.seq;
    max_window_ = snd_wnd_;
    last_rx_ = now;
    set_established(now);
    send_ack(now);
    write_xmit(now);
    return;
  }
  if (seg.flags & f::kRst) return;
  if (seg.flags & f::kSyn) {
    // Simultaneous open: SYN_RECV, and our SYN goes again with an ACK.
    state_ = State::SynReceived;
    init_options_from_peer(seg);
    if (!wscale_ok_) {
      rcv_wscale_ = 0;
      window_clamp_ = std::min(window_clamp_, 65535u);
    }
    // tcp_ecn_rcv_syn: a plain SYN turns ECN off.
    if (ecn_ok_ && (!(seg.flags & f::kEce) || !(seg.flags & f::kCwr))) ecn_ok_ = false;
    irs_ = seg.seq;
    rcv_nxt_ = rcv_wup_ = seg.seq + 1;
    rcv_nxt_off_ = 0;
    if (ts_ok_) {
      ts_recent_ = seg.timestamps->val;
      ts_recent_stamp_ = now;
    }
    snd_wnd_ = seg.window;
    snd_wl1_ = seg.seq;
    max_window_ = snd_wnd_;
    last_rx_ = now;
    send_syn(now);
  }
}

// tcp_check_req: the request sock's rules, then the new child takes the ACK.
void Connection::rcv_request(const wire::TcpRepr& seg, Clock::time_point now) {
  bool paws = false;
  if (ts_ok_ && seg.timestamps && ts_recent_ != 0 && seq::diff(ts_recent_, seg.timestamps->val) > 0 &&
      !(seg.flags & f::kRst))
    paws = true;
  const std::uint32_t end = seg.seq + seg_len(seg);
  if (seg.seq == irs_ && seg.flags == f::kSyn && !paws) {
    // The SYN again: our SYN-ACK was lost. Send it again (inet_rtx_syn_ack).
    if (!oow_rate_limited(now)) send_synack(now);
    return;
  }
  if ((seg.flags & f::kAck) && seg.ack != iss_ + 1) {
    if (auto r = reset_for(seg)) out_.push_back(std::move(*r));
    return;
  }
  if (paws || !in_window(seg.seq, end, rcv_nxt_, rcv_nxt_ + rcv_wnd_)) {
    if (!(seg.flags & f::kRst) && !oow_rate_limited(now)) {
      OutSegment a = make_segment(iss_ + 1, f::kAck, now);
      out_.push_back(std::move(a));
    }
    return;
  }
  std::uint8_t flg = seg.flags;
  if (seg.seq == irs_) flg &= static_cast<std::uint8_t>(~f::kSyn);
  if (flg & (f::kRst | f::kSyn)) {
    if (!(flg & f::kRst))
      if (auto r = reset_for(seg)) out_.push_back(std::move(*r));
    done();
    return;
  }
  if (!(flg & f::kAck)) return;
  if (ts_ok_ && seg.timestamps && !seq::after(seg.seq, rcv_nxt_)) {
    ts_recent_ = seg.timestamps->val;
    ts_recent_stamp_ = now;
  }
  if (retransmits_ == 0)
    rtt_.sample(std::chrono::duration_cast<std::chrono::microseconds>(now - syn_sent_at_), iss_ + 1, iss_ + 1,
                settings_->rto_min);
  // tcp_create_openreq_child: the child starts with the SYN-ACK acknowledged.
  snd_una_ = iss_ + 1;
  snd_wl1_ = irs_;
  last_rx_ = now;
  set_established(now);
}

// tcp_timewait_state_process, for TIME_WAIT and an orphan's FIN_WAIT2.
void Connection::rcv_time_wait(const wire::TcpRepr& seg, Clock::time_point now) {
  const bool rst = seg.flags & f::kRst;
  bool paws = false;
  if (ts_ok_ && seg.timestamps && ts_recent_stamp_ && ts_recent_ != 0 &&
      seq::diff(ts_recent_, seg.timestamps->val) > 0) {
    // tcp_paws_reject: a RST is let through once the stamp is a MSL old.
    paws = !(rst && now - *ts_recent_stamp_ >= 60s);
  }
  const std::uint32_t end = seg.seq + seg_len(seg);
  auto tw_ack = [&] {
    // tcp_timewait_check_oow_rate_limit: pure ACKs and SYNs at most every 500 ms.
    const bool limited_kind = (seg.flags & f::kSyn) || seg.seq == end;
    if (limited_kind && oow_rate_limited(now)) return;
    transmit(make_segment(snd_nxt_, f::kAck, now), now);
  };
  if (state_ == State::FinWait2) {
    if (paws || !in_window(seg.seq, end, rcv_nxt_, rcv_nxt_ + rcv_wnd_)) {
      tw_ack();
      return;
    }
    if (rst) {
      done();
      return;
    }
    if ((seg.flags & f::kSyn) && !seq::before(seg.seq, rcv_nxt_)) {
      if (auto r = reset_for(seg)) out_.push_back(std::move(*r));
      done();
      return;
    }
    if (!(seg.flags & f::kAck) || !seq::after(end, rcv_nxt_) || end == seg.seq) return;
    if (!(seg.flags & f::kFin) || end != rcv_nxt_ + 1) {
      // New data after our half-duplex close: reset.
      if (auto r = reset_for(seg)) out_.push_back(std::move(*r));
      done();
      return;
    }
    rcv_nxt_ = end;
    fin_received_ = true;
    if (ts_ok_ && seg.timestamps) {
      ts_recent_ = seg.timestamps->val;
      ts_recent_stamp_ = now;
    }
    enter_time_wait(now);
    transmit(make_segment(snd_nxt_, f::kAck, now), now);
    return;
  }
  // Real TIME_WAIT.
  if (!paws && seg.seq == rcv_nxt_ && (seg.seq == end || rst)) {
    if (rst) {
      done();  // tcp_rfc1337 = 0: a RST ends TIME_WAIT
      return;
    }
    if (ts_ok_ && seg.timestamps) {
      ts_recent_ = seg.timestamps->val;
      ts_recent_stamp_ = now;
    }
    return;
  }
  if (!paws && time_wait_accepts_syn(seg)) {
    // TCP_TW_SYN: a new incarnation may take the port; the owner decides.
    done();
    return;
  }
  if (!rst) {
    if (paws || (seg.flags & f::kAck)) life_timer_ = now + settings_->timewait;
    tw_ack();
  }
}

bool Connection::time_wait_accepts_syn(const wire::TcpRepr& syn) const {
  if (state_ != State::TimeWait) return false;
  if (!(syn.flags & f::kSyn) || (syn.flags & (f::kRst | f::kAck))) return false;
  if (ts_ok_ && syn.timestamps && ts_recent_stamp_ && ts_recent_ != 0 &&
      seq::diff(ts_recent_, syn.timestamps->val) > 0)
    return false;  // PAWS rejects it
  return seq::after(syn.seq, rcv_nxt_) ||
         (ts_ok_ && syn.timestamps && ts_recent_stamp_ && seq::diff(ts_recent_, syn.timestamps->val) < 0);
}

// tcp_paws_discard (with tcp_disordered_ack for a pure duplicate ACK).
bool Connection::paws_reject(const wire::TcpRepr& seg, Clock::time_point now) const {
  if (!ts_ok_ || !seg.timestamps || !ts_recent_stamp_) return false;
  if (seq::diff(ts_recent_, seg.timestamps->val) <= 1) return false;  // TCP_PAWS_WINDOW
  if (now - *ts_recent_stamp_ >= std::chrono::hours(24 * 24)) return false;
  if (ts_recent_ == 0) return false;
  const bool disordered = seg.payload.empty() && !(seg.flags & (f::kSyn | f::kFin | f::kRst)) &&
                          seg.seq == rcv_nxt_ && seg.ack == snd_una_;
  return !disordered;
}

// tcp_replace_ts_recent: only a segment at or before the last window update
// refreshes the echoed timestamp.
void Connection::store_ts_recent(const wire::TcpRepr& seg, Clock::time_point now) {
  if (!ts_ok_ || !seg.timestamps) return;
  if (seq::after(seg.seq, rcv_wup_)) return;
  if (seq::diff(ts_recent_, seg.timestamps->val) > 0 && ts_recent_ != 0) return;
  ts_recent_ = seg.timestamps->val;
  ts_recent_stamp_ = now;
}

// __tcp_oow_rate_limited: one answer to an out-of-window segment per
// tcp_invalid_ratelimit.
bool Connection::oow_rate_limited(Clock::time_point now) {
  if (last_oow_ack_ && now - *last_oow_ack_ < settings_->invalid_ratelimit) return true;
  last_oow_ack_ = now;
  return false;
}

void Connection::send_challenge_ack(Clock::time_point now) {
  if (oow_rate_limited(now)) return;
  send_ack(now);
}

// tcp_validate_incoming: PAWS, the sequence window, RST (RFC 5961 3.2) and
// SYN (RFC 5961 4.2) checks. False: the segment is consumed.
bool Connection::validate_incoming(const wire::TcpRepr& seg, Clock::time_point now) {
  const bool rst = seg.flags & f::kRst;
  const bool syn = seg.flags & f::kSyn;
  const std::uint32_t end = seg.seq + seg_len(seg);
  auto dupack = [&] {
    // tcp_send_dupack: old data gets a D-SACK and quick ACKs.
    if (end != seg.seq && seq::before(seg.seq, rcv_nxt_)) {
      quick_ = std::max(quick_, 16);
      if (sack_ok_) dsack_ = wire::TcpSackBlock{seg.seq, seq::after(end, rcv_nxt_) ? rcv_nxt_ : end};
    }
    send_ack(now);
  };
  if (paws_reject(seg, now) && !rst) {
    if (syn) {
      send_challenge_ack(now);
      return false;
    }
    const bool limited_kind = seg.seq == end;
    if (!(limited_kind && oow_rate_limited(now))) dupack();
    return false;
  }
  const std::uint32_t wnd = receive_window();
  const bool seq_ok = !seq::before(end, rcv_wup_) && !seq::after(seg.seq, rcv_nxt_ + wnd);
  const bool reset_check = seg.seq == rcv_nxt_ - 1 &&
                           (state_ == State::CloseWait || state_ == State::LastAck || state_ == State::Closing);
  if (!seq_ok) {
    if (!rst) {
      if (syn) {
        send_challenge_ack(now);
        return false;
      }
      const bool limited_kind = seg.seq == end;
      if (!(limited_kind && oow_rate_limited(now))) dupack();
    } else if (reset_check) {
      reset(now);
    }
    return false;
  }
  if (rst) {
    bool exact = seg.seq == rcv_nxt_ || reset_check;
    if (!exact && sack_ok_ && !sacks_.blocks().empty()) {
      // A RST at the right edge of the highest SACK block is exact too.
      std::uint32_t max_sack = sacks_.blocks().front().right;
      for (const auto& b : sacks_.blocks()) max_sack = seq::max(max_sack, b.right);
      exact = seg.seq == max_sack;
    }
    if (exact) {
      reset(now);
    } else {
      send_challenge_ack(now);
    }
    return false;
  }
  if (syn) {
    // A SYN-ACK retransmitted in a simultaneous open is fine.
    if (state_ == State::SynReceived && !passive_ && (seg.flags & f::kAck) && seg.seq + 1 == rcv_nxt_ &&
        seg.ack == snd_nxt_ && seg.payload.empty())
      return true;
    send_challenge_ack(now);
    return false;
  }
  return true;
}

// tcp_reset: the errno depends on the state the RST found.
void Connection::reset(Clock::time_point now) {
  (void)now;
  switch (state_) {
    case State::SynSent: err_ = ECONNREFUSED; break;
    case State::CloseWait: err_ = EPIPE; break;
    case State::Closed: return;
    default: err_ = ECONNRESET; break;
  }
  reset_received_ = true;
  done();
}

// tcp_data_queue.
void Connection::data_queue(const wire::TcpRepr& seg, std::uint8_t ip_ecn, Clock::time_point now) {
  std::span<const std::uint8_t> data = seg.payload;
  const bool fin = seg.flags & f::kFin;
  if (data.empty() && !fin) return;
  std::uint32_t seq = seg.seq;
  const std::uint32_t end = seq + static_cast<std::uint32_t>(data.size()) + (fin ? 1 : 0);
  if (seg.flags & f::kCwr) ecn_demand_cwr_ = false;  // tcp_ecn_accept_cwr
  auto out_of_window = [&] {
    // tcp_enter_quickack_mode + inet_csk_schedule_ack: ACK at once.
    quick_ = std::max(quick_, 16);
    pingpong_ = 0;
    ack_pending_ = true;
    ack_now_ = true;
  };

  if (seq == rcv_nxt_) {
    if (receive_window() == 0 && !(data.empty() && fin)) {
      out_of_window();
      return;
    }
  } else if (!seq::after(end, rcv_nxt_)) {
    // A duplicate: D-SACK it.
    if (sack_ok_ && !data.empty()) dsack_ = wire::TcpSackBlock{seq, end - (fin ? 1 : 0)};
    out_of_window();
    return;
  } else if (!seq::before(seq, rcv_nxt_ + receive_window())) {
    out_of_window();
    return;
  } else if (seq::before(seq, rcv_nxt_)) {
    // Partly old: D-SACK the old part, keep the rest.
    if (sack_ok_) dsack_ = wire::TcpSackBlock{seq, rcv_nxt_};
    const std::uint32_t skip = rcv_nxt_ - seq;
    data = data.subspan(std::min<std::size_t>(skip, data.size()));
    seq = rcv_nxt_;
    if (receive_window() == 0) {
      out_of_window();
      return;
    }
  } else {
    // Beyond a hole: the out-of-order queue (tcp_data_queue_ofo).
    if (ip_ecn == kEcnCe && ecn_ok_) ecn_demand_cwr_ = true;
    const std::uint64_t off = rcv_offset(seq);
    if (rcvq_.size() + ofo_.bytes() + data.size() > rcvbuf()) {
      ack_pending_ = true;  // no memory: drop (tcp_try_rmem_schedule)
      return;
    }
    if (!data.empty()) ofo_.insert(off, data);
    if (fin) ofo_fin_off_ = off + data.size();
    if (sack_ok_) sacks_.on_out_of_order(seq, seq + static_cast<std::uint32_t>(data.size()));
    ack_pending_ = true;
    ack_now_ = true;  // an out-of-order segment is ACKed at once (RFC 5681 4.2)
    return;
  }

  // In sequence.
  if (ip_ecn == kEcnCe && ecn_ok_) {
    ecn_demand_cwr_ = true;  // tcp_ecn_check_ce
    quick_ = std::max(quick_, 16);
  }
  if (rcvq_.size() + ofo_.bytes() + data.size() > rcvbuf()) {
    ack_pending_ = true;
    return;
  }
  const bool had_ofo = !ofo_.empty();
  rcvq_.append(data);
  rcv_nxt_ += static_cast<std::uint32_t>(data.size());
  rcv_nxt_off_ += data.size();
  charge_rcv(data.size(), fin);
  bool fin_now = fin;
  if (had_ofo) {
    const std::uint64_t before_off = rcv_nxt_off_;
    const std::uint64_t next = ofo_.drain(rcv_nxt_off_, rcvq_);
    rcv_nxt_ += static_cast<std::uint32_t>(next - before_off);
    rcv_nxt_off_ = next;
    charge_rcv(static_cast<std::size_t>(next - before_off), false);
    if (ofo_fin_off_ && *ofo_fin_off_ == rcv_nxt_off_) fin_now = true;
    // RFC 5681 4.2: filling a hole is ACKed at once.
    if (ofo_.empty()) ack_now_ = true;
  }
  if (sack_ok_) {
    if (ofo_.empty()) sacks_.clear();
    else sacks_.on_rcv_nxt(rcv_nxt_);
  }
  if (!data.empty()) {
    // tcp_measure_rcv_mss
    const int len = static_cast<int>(data.size());
    if (len >= rcv_mss_) {
      rcv_mss_ = std::min(len, advmss_);
      if (seg.flags & f::kPsh) ack_pushed_ = true;
    } else {
      ack_pushed_ = true;
    }
    event_data_recv(data.size(), now);
  }
  ack_pending_ = true;
  if (fin_now) rcv_fin(now);
}

// tcp_event_data_recv: the delayed-ACK timeout follows the gaps between
// arrivals; the first data (or a long silence) starts quick-ACK mode.
void Connection::event_data_recv(std::size_t len, Clock::time_point now) {
  const Clock::duration ato_min = settings_->delack_min;
  auto incr_quickack = [&] {
    // tcp_incr_quickack: up to 16 quick ACKs, half a window's worth of segments.
    int q = static_cast<int>(rcv_wnd_ / (2 * static_cast<std::uint32_t>(std::max(rcv_mss_, 1))));
    if (q == 0) q = 2;
    q = std::min(q, 16);
    quick_ = std::max(quick_, q);
  };
  if (ato_ == Clock::duration::zero()) {
    incr_quickack();
    ato_ = ato_min;
  } else {
    const Clock::duration m = now - lrcvtime_;
    if (m <= ato_min / 2) {
      ato_ = ato_ / 2 + ato_min / 2;
    } else if (m < ato_) {
      ato_ = ato_ / 2 + m;
      if (ato_ > rto_) ato_ = rto_;
    } else if (m > rto_) {
      incr_quickack();
    }
  }
  lrcvtime_ = now;
  // tcp_grow_window: each segment of 128 bytes or more lets the window grow
  // by two segments (or twice its length), up to the clamp.
  if (len >= 128) {
    const std::int64_t room = std::min<std::int64_t>(window_clamp_, tcp_space()) - rcv_ssthresh_;
    if (room > 0) {
      const std::int64_t incr = std::max<std::int64_t>(2 * advmss_, 2 * static_cast<std::int64_t>(len));
      rcv_ssthresh_ += static_cast<std::uint32_t>(std::min(room, incr));
    }
  }
}

// tcp_fin.
void Connection::rcv_fin(Clock::time_point now) {
  rcv_nxt_ += 1;
  rcv_nxt_off_ += 1;
  fin_received_ = true;
  rcv_shutdown_ = true;
  ack_pending_ = true;
  ofo_.clear();
  ofo_fin_off_.reset();
  sacks_.clear();
  switch (state_) {
    case State::SynReceived:
    case State::Established:
      state_ = State::CloseWait;
      pingpong_ = 1;  // inet_csk_enter_pingpong_mode
      break;
    case State::FinWait1:
      // Simultaneous close.
      send_ack(now);
      state_ = State::Closing;
      break;
    case State::FinWait2:
      send_ack(now);
      enter_time_wait(now);
      break;
    default:
      break;
  }
}

// __tcp_ack_snd_check: ACK now after more than one full segment (when the
// window would not shrink), in quick-ACK mode, or with data out of order;
// otherwise arm the delayed ACK.
void Connection::ack_snd_check(Clock::time_point now) {
  if (!ack_pending_) return;
  const bool quick = quick_ > 0 && pingpong_ == 0;
  const bool full_frames = rcv_nxt_ - rcv_wup_ > static_cast<std::uint32_t>(rcv_mss_) &&
                           (rcvq_.empty() || raw_select_window() >= rcv_wnd_);
  if (full_frames || quick || ack_now_ || !ofo_.empty() || opts_.quickack) {
    send_ack(now);
    return;
  }
  send_delayed_ack(now);
}

}  // namespace ipc::stack::tcp
