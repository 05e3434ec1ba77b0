// Acknowledgement processing (tcp_ack): the send window, the SACK
// scoreboard, the retransmit queue, RTT samples, and congestion control
// (slow start, congestion avoidance, fast retransmit/recovery, RTO loss).
//
// Loss detection uses the classic duplicate-ACK threshold (3 duplicate ACKs,
// or 3 SACKed segments above a hole, RFC 6675 IsLost) where Linux 6.x uses
// RACK-TLP; window growth is Reno's, the reduction CUBIC's beta (0.7).
#include <algorithm>
#include <cerrno>

#include "stack/tcp/connection.hpp"
#include "stack/tcp/seq.hpp"

namespace ipc::stack::tcp {

namespace f = wire::tcp::flag;

void Connection::set_seg_lost(TxSeg& s, bool v) {
  if (s.lost == v) return;
  s.lost = v;
  if (v) ++lost_out_;
  else --lost_out_;
}

void Connection::set_seg_sacked(TxSeg& s, bool v) {
  if (s.sacked == v) return;
  s.sacked = v;
  if (v) ++sacked_out_;
  else --sacked_out_;
}

void Connection::set_seg_retrans(TxSeg& s, bool v) {
  if (s.retrans == v) return;
  s.retrans = v;
  if (v) ++retrans_out_;
  else --retrans_out_;
}

// tcp_ack_update_window / tcp_may_update_window (RFC 9293 SND.WL1/WL2).
void Connection::update_window(const wire::TcpRepr& seg, std::uint32_t ack) {
  std::uint32_t nwin = seg.window;
  if (!(seg.flags & f::kSyn)) nwin <<= snd_wscale_;
  const bool may = seq::after(ack, snd_una_) || seq::after(seg.seq, snd_wl1_) ||
                   (seg.seq == snd_wl1_ && (nwin > snd_wnd_ || nwin == 0));
  if (!may) return;
  snd_wl1_ = seg.seq;
  snd_wnd_ = nwin;
  if (nwin > max_window_) {
    max_window_ = nwin;
    sync_mss(pmtu_);
  }
}

// tcp_sacktag_write_queue: mark the pieces the peer's SACK blocks cover.
void Connection::sack_tag(const wire::TcpRepr& seg) {
  if (!sack_ok_ || seg.sack_blocks.empty() || rtx_.empty()) return;
  for (const auto& b : seg.sack_blocks) {
    // D-SACKs (below snd_una) and blocks outside what we sent are ignored.
    if (!seq::after(b.right, snd_una_) || seq::after(b.right, snd_nxt_) || !seq::before(b.left, b.right)) continue;
    // First piece whose end is after b.left.
    auto it = std::partition_point(rtx_.begin(), rtx_.end(),
                                   [&](const TxSeg& t) { return !seq::after(t.end, b.left); });
    for (; it != rtx_.end() && seq::before(it->seq, b.right); ++it) {
      // Only whole pieces count (Linux splits skbs on SACK boundaries; senders
      // here keep pieces MSS-sized, so partial cover is rare).
      if (seq::after_eq(it->seq, b.left) && seq::before_eq(it->end, b.right) && !it->sacked) {
        set_seg_sacked(*it, true);
        set_seg_lost(*it, false);
        set_seg_retrans(*it, false);
      }
    }
  }
}

// RFC 6675 IsLost: an unSACKed piece with three SACKed pieces above it.
void Connection::mark_lost_from_sack() {
  int sacked_above = 0;
  for (std::size_t i = rtx_.size(); i-- > 0;) {
    TxSeg& t = rtx_[i];
    if (t.sacked) {
      ++sacked_above;
      continue;
    }
    if (sacked_above >= 3 && !t.lost && !t.retrans) set_seg_lost(t, true);
  }
}

// tcp_clean_rtx_queue: drop what `ack` covers, take an RTT sample from the
// earliest piece never retransmitted (Karn).
void Connection::clean_rtx_queue(std::uint32_t ack, Clock::time_point now, bool& rtt_taken) {
  std::optional<Clock::time_point> first_ackt;
  std::uint32_t acked_pkts = 0;
  while (!rtx_.empty()) {
    TxSeg& t = rtx_.front();
    if (seq::after(t.end, ack)) {
      if (seq::after(ack, t.seq)) t.seq = ack;  // tcp_trim_head
      break;
    }
    if (!t.ever_retrans && !first_ackt) first_ackt = t.sent;
    set_seg_sacked(t, false);
    set_seg_lost(t, false);
    set_seg_retrans(t, false);
    rtx_.pop_front();
    ++acked_pkts;
  }
  if (!sack_ok_) sacked_out_ = sacked_out_ > acked_pkts ? sacked_out_ - acked_pkts : 0;  // Reno's dupack count
  // Release acknowledged data bytes.
  if (seq::after(ack, sndq_seq_)) {
    const std::uint32_t n = std::min<std::uint32_t>(ack - sndq_seq_, static_cast<std::uint32_t>(sndq_.size()));
    sndq_.consume(n);
    sndq_seq_ += n;
  }
  if (first_ackt) {
    rtt_.sample(std::chrono::duration_cast<std::chrono::microseconds>(now - *first_ackt), ack, snd_nxt_,
                settings_->rto_min);
    rtt_taken = true;
  }
}

// tcp_cong_avoid (Reno): slow start below ssthresh, then one segment per
// window; only while the window is actually used (tcp_is_cwnd_limited).
void Connection::cong_avoid(std::uint32_t acked) {
  while (acked > 0) {
    if (cwnd_ < ssthresh_) {
      const std::uint32_t step = std::min(acked, ssthresh_ - cwnd_);
      cwnd_ += step;
      acked -= step;
      continue;
    }
    cwnd_cnt_ += acked;
    acked = 0;
    if (cwnd_cnt_ >= cwnd_) {
      cwnd_cnt_ -= cwnd_;
      ++cwnd_;
    }
  }
  cwnd_ = std::min<std::uint32_t>(cwnd_, 65535);
}

// tcp_enter_recovery after tcp_time_to_recover: a multiplicative decrease
// and the lost head goes out again at once.
void Connection::enter_recovery() {
  ssthresh_ = std::max<std::uint32_t>(cwnd_ * 717 / 1024, 2);
  cwnd_ = ssthresh_;
  cwnd_cnt_ = 0;
  high_seq_ = snd_nxt_;
  ca_ = CaState::Recovery;
}

// tcp_enter_loss: every unSACKed piece is lost, cwnd restarts at one.
void Connection::enter_loss() {
  if (ca_ == CaState::Open || ca_ == CaState::Disorder || !seq::after(high_seq_, snd_una_))
    ssthresh_ = std::max<std::uint32_t>(cwnd_ * 717 / 1024, 2);
  if (!sack_ok_) sacked_out_ = 0;
  for (auto& t : rtx_) {
    if (t.sacked) continue;
    set_seg_retrans(t, false);
    set_seg_lost(t, true);
  }
  cwnd_ = packets_in_flight() + 1;
  cwnd_cnt_ = 0;
  high_seq_ = snd_nxt_;
  ca_ = CaState::Loss;
  dupacks_ = 0;
}

int Connection::process_ack(const wire::TcpRepr& seg, Clock::time_point now) {
  if (!(seg.flags & f::kAck)) return 1;
  const std::uint32_t ack = seg.ack;
  const std::uint32_t prior_una = snd_una_;
  if (seq::before(ack, prior_una)) {
    // RFC 5961 5.2: an ACK older than the largest window is challenged.
    if (seq::before(ack, prior_una - max_window_)) return -2;
    sack_tag(seg);
    return 0;
  }
  if (seq::after(ack, snd_nxt_)) return -1;

  const bool advanced = seq::after(ack, prior_una);
  const std::uint32_t prior_wnd = snd_wnd_;
  update_window(seg, ack);
  const bool win_update = snd_wnd_ != prior_wnd;
  const std::uint32_t prior_in_flight = packets_in_flight();
  const bool had_packets = !rtx_.empty();
  const std::uint32_t prior_packets = static_cast<std::uint32_t>(rtx_.size());
  // Something worked: forget soft errors and unanswered probes.
  soft_err_ = 0;
  probes_out_ = 0;

  sack_tag(seg);
  bool rtt_taken = false;
  std::uint32_t acked = 0;
  if (advanced) {
    clean_rtx_queue(ack, now, rtt_taken);
    acked = prior_packets - static_cast<std::uint32_t>(rtx_.size());
    snd_una_ = ack;
    retransmits_ = 0;
    backoff_ = 0;
    if (rtt_taken) rto_ = std::min<Clock::duration>(rtt_.rto(), settings_->rto_max);
    // tcp_any_retrans_done: nothing retransmitted is left in flight.
    if (retrans_out_ == 0 && (rtx_.empty() || !rtx_.front().ever_retrans)) retrans_stamp_.reset();
    // tcp_process_tlp_ack: the probe episode ends once it is acknowledged.
    if (tlp_high_seq_ && !seq::before(ack, *tlp_high_seq_)) tlp_high_seq_.reset();
  }
  // ECE on an ACK: reduce once per window and tell the peer with CWR.
  if (ecn_ok_ && (seg.flags & f::kEce) && advanced && ca_ == CaState::Open && !ecn_queue_cwr_) {
    ssthresh_ = std::max<std::uint32_t>(cwnd_ * 717 / 1024, 2);
    cwnd_ = ssthresh_;
    ecn_queue_cwr_ = true;
  }

  const bool is_dupack = !advanced && seg.payload.empty() && !(seg.flags & f::kFin) && !win_update && had_packets;
  if (had_packets) {
    switch (ca_) {
      case CaState::Open:
      case CaState::Disorder: {
        if (is_dupack) {
          ++dupacks_;
          if (!sack_ok_ && sacked_out_ + 1 < rtx_.size()) ++sacked_out_;  // tcp_add_reno_sack
        }
        if (advanced) dupacks_ = 0;
        bool lost = false;
        if (sack_ok_) {
          mark_lost_from_sack();
          lost = lost_out_ > 0;
        } else if (dupacks_ >= 3 && !rtx_.empty()) {
          set_seg_lost(rtx_.front(), true);
          lost = true;
        }
        if (lost && !rtx_.empty()) {
          enter_recovery();
          // The first retransmission ignores the window (PRR's sndcnt >= 1).
          for (std::size_t i = 0; i < rtx_.size(); ++i)
            if (rtx_[i].lost && !rtx_[i].retrans && !rtx_[i].sacked) {
              retransmit_seg(i, now);
              break;
            }
        } else if (dupacks_ > 0 || sacked_out_ > 0) {
          ca_ = CaState::Disorder;
        } else {
          ca_ = CaState::Open;
          if (advanced) cong_avoid(prior_in_flight * 2 >= cwnd_ ? acked : 0);
        }
        break;
      }
      case CaState::Recovery:
        if (!seq::before(snd_una_, high_seq_)) {
          ca_ = CaState::Open;
          cwnd_ = std::max<std::uint32_t>(ssthresh_, 2);  // tcp_end_cwnd_reduction
          dupacks_ = 0;
          if (!sack_ok_) sacked_out_ = 0;
          break;
        }
        if (is_dupack && !sack_ok_ && sacked_out_ + 1 < rtx_.size()) ++sacked_out_;
        if (sack_ok_) mark_lost_from_sack();
        else if (advanced && !rtx_.empty()) set_seg_lost(rtx_.front(), true);  // NewReno partial ACK
        xmit_retransmit_queue(now);
        break;
      case CaState::Loss:
        if (!seq::before(snd_una_, high_seq_)) {
          ca_ = CaState::Open;
          dupacks_ = 0;
          if (advanced) cong_avoid(acked);
          break;
        }
        if (advanced) cong_avoid(acked);
        if (sack_ok_) mark_lost_from_sack();
        xmit_retransmit_queue(now);
        break;
    }
  } else if (advanced) {
    ca_ = CaState::Open;
  }

  if (advanced || (seg.flags & f::kSyn)) {
    if (rtx_.empty()) {
      rtx_timer_.reset();
      rtx_timer_is_probe_ = false;
    } else {
      set_xmit_timer(now);
    }
  }
  // tcp_ack_probe: a window that opened ends the zero-window probing.
  if (rtx_.empty() && write_queue_pending() && probe_timer_) {
    const std::uint32_t len =
        std::min<std::uint32_t>(write_seq_ - snd_nxt_, static_cast<std::uint32_t>(mss_cache_));
    if (!seq::after(snd_nxt_ + len, snd_una_ + snd_wnd_)) {
      probe_timer_.reset();
      backoff_ = 0;
    } else {
      probe_timer_ = now + probe0_when();
    }
  }
  return 1;
}

}  // namespace ipc::stack::tcp
