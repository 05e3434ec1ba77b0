// Building and sending segments: SYN, SYN-ACK, ACK, RST, probes, data
// (tcp_write_xmit with Nagle and the window/cwnd tests), retransmissions,
// and the advertised window (tcp_select_window).
#include <algorithm>

#include "stack/tcp/connection.hpp"
#include "stack/tcp/seq.hpp"
#include "stack/tcp/window.hpp"

namespace ipc::stack::tcp {

namespace f = wire::tcp::flag;
using namespace std::chrono_literals;

// tcp_established_options: timestamps, then SACK blocks (a D-SACK first) in
// the room left: 3 blocks beside timestamps, 4 without.
OutSegment Connection::make_segment(std::uint32_t seq, std::uint8_t flags, Clock::time_point now) {
  OutSegment s;
  s.hdr.src_port = ep_.local_port;
  s.hdr.dst_port = ep_.remote_port;
  s.hdr.seq = seq;
  s.hdr.flags = flags;
  if (flags & f::kAck) s.hdr.ack = rcv_nxt_;
  s.hdr.window = select_window();
  if (ts_ok_) s.hdr.timestamps = wire::TcpTimestamps{ts_now(now), ts_recent_};
  if (sack_ok_ && !(flags & f::kRst)) {
    const std::size_t room = ts_ok_ ? 3 : 4;
    if (dsack_) s.hdr.sack_blocks.push_back(*dsack_);
    for (const auto& b : sacks_.blocks()) {
      if (s.hdr.sack_blocks.size() >= room) break;
      s.hdr.sack_blocks.push_back(b);
    }
    dsack_.reset();
  }
  if (ecn_ok_ && ecn_demand_cwr_ && !(flags & f::kRst)) s.hdr.flags |= f::kEce;
  return s;
}

void Connection::transmit(OutSegment seg, Clock::time_point now) {
  (void)now;
  if (seg.hdr.flags & f::kAck) ack_sent();
  seg.hdr.payload = seg.payload;
  out_.push_back(std::move(seg));
}

// tcp_event_ack_sent / tcp_dec_quickack_mode: an ACK went out, so nothing is
// owed; a scheduled ACK uses up one quick ACK.
void Connection::ack_sent() {
  if (quick_ > 0 && ack_pending_) {
    if (quick_ <= 1) {
      quick_ = 0;
      ato_ = settings_->delack_min;
    } else {
      --quick_;
    }
  }
  ack_pending_ = false;
  ack_now_ = false;
  ack_pushed_ = false;
  delack_timer_.reset();
}

// The SYN (tcp_syn_options): MSS always; SACK-permitted, timestamps and the
// window scale as the sysctls allow. In a simultaneous open the same options
// go out again on our SYN-ACK (tcp_send_synack), with the peer's TSval echoed.
void Connection::send_syn(Clock::time_point now) {
  OutSegment s;
  s.hdr.src_port = ep_.local_port;
  s.hdr.dst_port = ep_.remote_port;
  s.hdr.seq = iss_;
  const bool synack = state_ == State::SynReceived;
  s.hdr.flags = f::kSyn;
  if (synack) {
    s.hdr.flags |= f::kAck;
    s.hdr.ack = rcv_nxt_;
    if (ecn_ok_) s.hdr.flags |= f::kEce;  // tcp_ecn_send_synack
  } else if (settings_->ecn == 1) {
    s.hdr.flags |= f::kEce | f::kCwr;  // tcp_ecn_send_syn
  }
  s.hdr.window = static_cast<std::uint16_t>(std::min<std::uint32_t>(rcv_wnd_, 65535));
  s.hdr.mss = static_cast<std::uint16_t>(advmss_);
  if (settings_->timestamps) s.hdr.timestamps = wire::TcpTimestamps{ts_now(now), synack ? ts_recent_ : 0};
  s.hdr.sack_permitted = settings_->sack;
  if (settings_->window_scaling) s.hdr.window_scale = rcv_wscale_;
  if (synack) ack_sent();
  out_.push_back(std::move(s));
}

// tcp_make_synack / tcp_synack_options: only what the SYN offered and the
// sysctls allow.
void Connection::send_synack(Clock::time_point now) {
  OutSegment s;
  s.hdr.src_port = ep_.local_port;
  s.hdr.dst_port = ep_.remote_port;
  s.hdr.seq = iss_;
  s.hdr.ack = rcv_nxt_;
  s.hdr.flags = f::kSyn | f::kAck;
  if (ecn_ok_) s.hdr.flags |= f::kEce;
  s.hdr.window = static_cast<std::uint16_t>(std::min<std::uint32_t>(rcv_wnd_, 65535));
  s.hdr.mss = static_cast<std::uint16_t>(advmss_);
  if (wscale_ok_) s.hdr.window_scale = rcv_wscale_;
  if (ts_ok_) s.hdr.timestamps = wire::TcpTimestamps{ts_now(now), ts_recent_};
  s.hdr.sack_permitted = sack_ok_;
  out_.push_back(std::move(s));
}

// tcp_send_ack: seq is tcp_acceptable_seq (snd_nxt while it is in the window).
void Connection::send_ack(Clock::time_point now) {
  if (state_ == State::Closed) return;
  transmit(make_segment(snd_nxt_, f::kAck, now), now);
}

// tcp_send_active_reset: RST|ACK at snd_nxt, with the usual window and options.
void Connection::send_active_reset(Clock::time_point now) {
  transmit(make_segment(snd_nxt_, f::kRst | f::kAck, now), now);
}

// tcp_xmit_probe_skb(urgent = 0): an ACK carrying an old sequence number
// (snd_una - 1) so the peer must answer with its current ACK and window.
void Connection::send_probe(Clock::time_point now) {
  transmit(make_segment(snd_una_ - 1, f::kAck, now), now);
}

bool Connection::write_queue_pending() const { return seq::after(write_seq_, snd_nxt_); }

std::uint32_t Connection::packets_in_flight() const {
  // tcp_packets_in_flight: packets_out - (sacked_out + lost_out) + retrans_out.
  const std::uint32_t out = static_cast<std::uint32_t>(rtx_.size());
  const std::uint32_t left = sacked_out_ + lost_out_;
  return (out > left ? out - left : 0) + retrans_out_;
}

// tcp_nagle_test / tcp_nagle_check with Minshall's rule: a short segment
// waits while an earlier short segment is unacknowledged, or while corked.
bool Connection::nagle_allows(std::size_t len, bool has_fin) const {
  if (has_fin || len >= static_cast<std::size_t>(mss_cache_)) return true;
  if (opts_.cork || corked_more_) return false;
  if (opts_.nodelay) return true;
  const bool small_in_flight = !rtx_.empty() && seq::after(snd_sml_, snd_una_) && !seq::after(snd_sml_, snd_nxt_);
  return !small_in_flight;
}

void Connection::write_xmit(Clock::time_point now, bool push_one) {
  switch (state_) {
    case State::Established:
    case State::CloseWait:
    case State::FinWait1:
    case State::Closing:
    case State::LastAck:
      break;
    default:
      return;
  }
  if (ca_ == CaState::Recovery || ca_ == CaState::Loss) xmit_retransmit_queue(now);
  const std::uint32_t wnd_end = snd_una_ + snd_wnd_;
  bool sent = false;
  while (write_queue_pending()) {
    const std::uint32_t pending = write_seq_ - snd_nxt_;
    const bool fin_unsent = fin_queued_;
    const std::uint32_t data_left = pending - (fin_unsent ? 1 : 0);
    const std::uint32_t len = std::min<std::uint32_t>(data_left, static_cast<std::uint32_t>(mss_cache_));
    const bool with_fin = fin_unsent && len == data_left;
    // tcp_cwnd_test: a lone FIN is never held by the congestion window.
    if (!(len == 0 && with_fin) && packets_in_flight() >= cwnd_) break;
    // tcp_snd_wnd_test
    if (seq::after(snd_nxt_ + len + (with_fin ? 1 : 0), wnd_end)) break;
    if (!nagle_allows(len, with_fin)) break;
    send_new_segment(len, now);
    sent = true;
    if (push_one) break;
  }
  if (!sent) check_probe_timer(now);
  else if (!push_one) schedule_loss_probe(now, false);  // one probe per tail-loss episode
}

// Sends [snd_nxt, snd_nxt + len) plus the FIN when it follows the data.
bool Connection::send_new_segment(std::size_t len, Clock::time_point now) {
  const std::uint32_t seq = snd_nxt_;
  const std::uint32_t data_end = seq + static_cast<std::uint32_t>(len);
  const bool fin = fin_queued_ && data_end + 1 == write_seq_;
  std::uint8_t flags = f::kAck;
  // PSH on the segment holding the end of a write (tcp_mark_push; GSO keeps
  // it on the last piece only).
  while (!push_marks_.empty() && seq::before_eq(push_marks_.front(), data_end)) {
    if (seq::after(push_marks_.front(), seq)) flags |= f::kPsh;
    push_marks_.pop_front();
  }
  if (fin) flags |= f::kFin;
  OutSegment s = make_segment(seq, flags, now);
  if (len > 0) {
    s.payload.resize(len);
    sndq_.copy_out(seq - sndq_seq_, s.payload);
    // tcp_ecn_send: new data carries ECT(0), and CWR once after a reduction.
    if (ecn_ok_) {
      s.ect = true;
      if (ecn_queue_cwr_) {
        s.hdr.flags |= f::kCwr;
        ecn_queue_cwr_ = false;
      }
    }
  }
  const bool was_empty = rtx_.empty() || rtx_timer_is_probe_;
  TxSeg t;
  t.seq = seq;
  t.end = data_end + (fin ? 1 : 0);
  t.flags = static_cast<std::uint8_t>(flags & (f::kPsh | f::kFin));
  t.sent = now;
  rtx_.push_back(t);
  snd_nxt_ = t.end;
  if (fin) fin_queued_ = false;
  if (len < static_cast<std::size_t>(mss_cache_)) snd_sml_ = snd_nxt_;  // tcp_minshall_update
  // tcp_event_data_sent: answering within ato of the last data received makes
  // the connection interactive (pingpong).
  if (len > 0 && now - lrcvtime_ < ato_) pingpong_ = 1;
  transmit(std::move(s), now);
  probe_timer_.reset();
  probes_out_ = 0;
  if (was_empty) rearm_rto(now);
  return true;
}

// tcp_retransmit_skb: the piece again, split first when the MSS shrank
// (tcp_fragment); retransmissions never carry ECT.
void Connection::retransmit_seg(std::size_t index, Clock::time_point now, bool loss_probe) {
  TxSeg& t = rtx_[index];
  const std::uint32_t fin = (t.flags & f::kFin) ? 1 : 0;
  std::uint32_t len = t.end - t.seq - fin;
  if (len > static_cast<std::uint32_t>(mss_cache_)) {
    TxSeg tail = t;
    tail.seq = t.seq + static_cast<std::uint32_t>(mss_cache_);
    t.end = tail.seq;
    t.flags &= static_cast<std::uint8_t>(~(f::kFin | f::kPsh));
    // Counters: the new piece shares the old one's marks.
    if (tail.sacked) ++sacked_out_;
    if (tail.lost) ++lost_out_;
    if (tail.retrans) ++retrans_out_;
    rtx_.insert(rtx_.begin() + static_cast<std::ptrdiff_t>(index) + 1, tail);
    len = static_cast<std::uint32_t>(mss_cache_);
  }
  TxSeg& seg = rtx_[index];
  const std::uint32_t seg_fin = (seg.flags & f::kFin) ? 1 : 0;
  len = seg.end - seg.seq - seg_fin;
  OutSegment s = make_segment(seg.seq, static_cast<std::uint8_t>(f::kAck | seg.flags), now);
  if (len > 0) {
    s.payload.resize(len);
    sndq_.copy_out(seg.seq - sndq_seq_, s.payload);
  }
  // A loss probe (__tcp_retransmit_skb) is not counted as a retransmission;
  // tcp_retransmit_skb stamps the first real one: timeouts count from it.
  if (!loss_probe) {
    if (!seg.retrans) set_seg_retrans(seg, true);
    if (!retrans_stamp_) retrans_stamp_ = now;
  }
  seg.ever_retrans = true;
  seg.sent = now;
  transmit(std::move(s), now);
}

// tcp_xmit_retransmit_queue: lost, unSACKed pieces in order while the
// congestion window has room.
void Connection::xmit_retransmit_queue(Clock::time_point now) {
  for (std::size_t i = 0; i < rtx_.size(); ++i) {
    if (packets_in_flight() >= cwnd_) break;
    const TxSeg& t = rtx_[i];
    if (!t.lost || t.retrans || t.sacked) continue;
    retransmit_seg(i, now);
  }
}

// tcp_send_fin: the FIN rides on unsent data when there is some, else goes
// alone; either way it is pushed regardless of Nagle.
void Connection::queue_fin(Clock::time_point now) {
  fin_queued_ = true;
  write_seq_ += 1;
  const bool saved_cork = opts_.cork;
  const bool saved_nodelay = opts_.nodelay;
  opts_.cork = false;
  opts_.nodelay = true;  // TCP_NAGLE_OFF for this push
  write_xmit(now);
  opts_.cork = saved_cork;
  opts_.nodelay = saved_nodelay;
}

// tcp_check_probe_timer: nothing in flight but data waiting on the window.
void Connection::check_probe_timer(Clock::time_point now) {
  if (!rtx_.empty() || !write_queue_pending() || probe_timer_ || rtx_timer_) return;
  if (state_ == State::Closed || state_ == State::TimeWait) return;
  probe_timer_ = now + probe0_when();
}

// Window arithmetic ------------------------------------------------------

std::uint32_t Connection::full_space() const { return win_from_space(static_cast<std::uint32_t>(rcvbuf())); }

// tcp_space: the receive buffer's free share: in-order segments charged
// their truesize (charge_rcv), out-of-order bytes at twice their size.
std::uint32_t Connection::tcp_space() const {
  const std::size_t alloc = static_cast<std::size_t>(rcv_alloc_) + 2 * ofo_.bytes();
  const std::size_t buf = rcvbuf();
  return alloc >= buf ? 0 : win_from_space(static_cast<std::uint32_t>(buf - alloc));
}

std::uint32_t Connection::receive_window() const {
  const std::int32_t w = seq::diff(rcv_wup_ + rcv_wnd_, rcv_nxt_);
  return w < 0 ? 0 : static_cast<std::uint32_t>(w);
}

std::uint32_t Connection::raw_select_window() const {
  int mss = rcv_mss_;
  std::int64_t free_space = tcp_space();
  const std::int64_t allowed = full_space();
  const std::int64_t full = std::min<std::int64_t>(window_clamp_, allowed);
  if (mss > full) {
    mss = static_cast<int>(full);
    if (mss <= 0) return 0;
  }
  if (free_space < (full >> 1)) {
    // Window is closing: never grow it by the scale's rounding, and go to
    // zero before the buffer is really full.
    free_space &= ~((std::int64_t{1} << rcv_wscale_) - 1);
    if (free_space < (allowed >> 4) || free_space < mss) return 0;
  }
  if (free_space > rcv_ssthresh_) free_space = rcv_ssthresh_;
  if (rcv_wscale_) {
    const std::int64_t unit = std::int64_t{1} << rcv_wscale_;
    return static_cast<std::uint32_t>((free_space + unit - 1) / unit * unit);
  }
  std::int64_t window = rcv_wnd_;
  if (window <= free_space - mss || window > free_space)
    window = free_space / mss * mss;
  else if (mss == full && free_space > window + (full >> 1))
    window = free_space;
  return static_cast<std::uint32_t>(window);
}

// tcp_select_window: never shrink what was offered; remember what we offer.
std::uint16_t Connection::select_window() {
  const std::uint32_t cur = receive_window();
  std::uint32_t win = raw_select_window();
  if (win < cur) {
    const std::uint32_t unit = 1u << rcv_wscale_;
    win = (cur + unit - 1) / unit * unit;
  }
  rcv_wnd_ = win;
  rcv_wup_ = rcv_nxt_;
  win = std::min(win, 65535u << rcv_wscale_);
  return static_cast<std::uint16_t>(win >> rcv_wscale_);
}

// tcp_cleanup_rbuf: after a read, ACK what a delayed ACK still owes when a
// full segment is unacknowledged or the read emptied the queue, and send a
// window update when the window at least doubled.
void Connection::cleanup_rbuf(std::size_t copied, Clock::time_point now) {
  if (state_ == State::Closed || state_ == State::SynSent || state_ == State::TimeWait) return;
  bool time_to_ack = false;
  if (ack_pending_) {
    if (rcv_nxt_ - rcv_wup_ > static_cast<std::uint32_t>(rcv_mss_) ||
        (copied > 0 && ack_pushed_ && pingpong_ == 0 && rcvq_.empty() && ofo_.empty()))
      time_to_ack = true;
  }
  if (copied > 0 && !time_to_ack && !rcv_shutdown_) {
    const std::uint32_t now_wnd = receive_window();
    if (2 * std::uint64_t{now_wnd} <= window_clamp_) {
      const std::uint32_t next = raw_select_window();
      if (next != 0 && next >= 2 * now_wnd) time_to_ack = true;
    }
  }
  if (time_to_ack) send_ack(now);
}

// tcp_send_delayed_ack: the ATO, bounded by 200 ms when interactive and by
// the RTT estimate; an older, earlier deadline stands.
void Connection::send_delayed_ack(Clock::time_point now) {
  Clock::duration ato = ato_;
  const Clock::duration delack_min = settings_->delack_min;
  if (ato > delack_min) {
    Clock::duration max_ato = 500ms;
    if (pingpong_ > 0 || ack_pushed_) max_ato = settings_->delack_max;
    if (rtt_.has_sample()) {
      const Clock::duration rtt = std::max<Clock::duration>(rtt_.srtt(), delack_min);
      if (rtt < max_ato) max_ato = rtt;
    }
    ato = std::min(ato, max_ato);
  }
  ato = std::min<Clock::duration>(ato, settings_->delack_max);
  Clock::time_point deadline = now + ato;
  if (delack_timer_) {
    if (*delack_timer_ <= now + ato / 4) {
      send_ack(now);
      return;
    }
    if (*delack_timer_ < deadline) deadline = *delack_timer_;
  }
  ack_pending_ = true;
  delack_timer_ = deadline;
}

}  // namespace ipc::stack::tcp
