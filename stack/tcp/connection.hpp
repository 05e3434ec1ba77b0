// One TCP connection as Linux 6.x runs it, observably: the segments it puts
// on the wire (flags, options and their order, windows, how many, when) and
// the errors its socket reports. Pure logic: segments in and out, a clock
// the caller drives, no I/O. The owner demultiplexes, adds the IP header,
// keeps listeners and the port table, and decides what a SYN to a TIME_WAIT
// connection does (tcp_twsk_unique / tcp_timewait_state_process TCP_TW_SYN).
//
// Linux sources followed (each function cites the one it re-expresses):
//   tcp_input.c     tcp_rcv_state_process, tcp_rcv_synsent_state_process,
//                   tcp_validate_incoming, tcp_ack, tcp_data_queue, tcp_fin,
//                   tcp_reset, __tcp_ack_snd_check, tcp_event_data_recv
//   tcp_output.c    tcp_select_initial_window, __tcp_select_window,
//                   tcp_write_xmit, tcp_send_fin, tcp_send_active_reset,
//                   tcp_xmit_probe_skb, tcp_send_delayed_ack
//   tcp_timer.c     tcp_retransmit_timer, tcp_write_timeout, tcp_probe_timer,
//                   tcp_keepalive_timer, tcp_delack_timer_handler
//   tcp_minisocks.c tcp_check_req, tcp_timewait_state_process
//   tcp.c           tcp_close, tcp_shutdown, tcp_cleanup_rbuf
//   tcp_ipv4.c      tcp_v4_err, tcp_v4_send_reset
//
// Observable differences from Linux that remain (deliberate):
//   * loss detection by duplicate-ACK threshold / RFC 6675 (Linux: RACK, so
//     no reordering timer); tail loss probes as tcp_schedule_loss_probe, but
//     without RACK's use of them; Reno growth with
//     CUBIC's 0.7 reduction; no PRR pacing during recovery; no undo;
//   * receive memory counts payload at twice its size (scaling_ratio 50%):
//     no per-skb truesize, no receive-buffer autotuning (DRS), so windows
//     after the handshake stay near 64 KB for a default buffer;
//   * the send buffer is counted in payload bytes;
//   * ACK compression for out-of-order data (tcp_comp_sack) is not done: each
//     out-of-order segment is ACKed at once;
//   * urgent data is ignored (URG and the urgent pointer are not acted on);
//   * a non-orphan socket that enters TIME_WAIT keeps reporting TimeWait
//     (Linux hands the port to a timewait sock and the socket reads CLOSE).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "stack/tcp/byte_ring.hpp"
#include "stack/tcp/ofo_queue.hpp"
#include "stack/tcp/rtt_estimator.hpp"
#include "stack/tcp/sack_blocks.hpp"
#include "stack/wire/address.hpp"
#include "stack/wire/tcp.hpp"

namespace ipc::stack::tcp {

using Clock = std::chrono::steady_clock;
using wire::Ipv4Address;

enum class State { Closed, Listen, SynSent, SynReceived, Established, FinWait1, FinWait2,
                   CloseWait, Closing, LastAck, TimeWait };
const char* state_name(State);

// The namespace's TCP sysctls (net.ipv4.tcp_*), read when used; Linux defaults.
struct Settings {
  int syn_retries = 6, synack_retries = 5, retries1 = 3, retries2 = 15, orphan_retries = 0;
  bool timestamps = true, sack = true, window_scaling = true;
  int ecn = 2;                       // tcp_ecn: 2 = accept ECN when the peer asks, never ask
  int fin_timeout_s = 60;            // tcp_fin_timeout (FIN_WAIT2 of an orphan)
  int keepalive_time_s = 7200, keepalive_intvl_s = 75, keepalive_probes = 9;
  // tcp_rmem[1], tcp_rmem[2]. Linux raised tcp_rmem[2] from 6 MB to 32 MB in
  // 6.17 ("tcp: increase tcp_rmem[2] to 32 MB"); 6.18 shows wscale 10 on a
  // SYN because of it.
  int rmem_default = 131072, rmem_max = 33554432;
  int wmem_default = 16384, wmem_max = 4194304;    // tcp_wmem[1], tcp_wmem[2]
  int core_rmem_max = 212992;        // net.core.rmem_max (window scale choice uses max(tcp_rmem[2], this))
  int base_mss = 1024, min_snd_mss = 48, mtu_probing = 0;
  bool tw_reuse_loopback = true;     // tcp_tw_reuse = 2 (decided by the caller)
  std::chrono::milliseconds rto_min{200}, rto_max{120000}, rto_initial{1000};
  std::chrono::milliseconds delack_min{40}, delack_max{200};
  std::chrono::seconds timewait{60};  // TCP_TIMEWAIT_LEN
  int initial_cwnd = 10;             // TCP_INIT_CWND
  // Added: tcp_syn_linear_timeouts (6.5+): the first N SYN retransmissions
  // of an active open keep the initial RTO instead of doubling it, and add N
  // to the retries allowed.
  int syn_linear_timeouts = 4;
  std::chrono::milliseconds invalid_ratelimit{500};  // tcp_invalid_ratelimit
  bool moderate_rcvbuf = true;       // tcp_moderate_rcvbuf: receive buffer autotuning
};

// Per-socket TCP/SOL_SOCKET state the engine needs (setsockopt writes it, getsockopt reads it).
struct Options {
  bool nodelay = false, cork = false, quickack = false;
  int user_mss = 0;                  // TCP_MAXSEG (0: none)
  bool keepalive = false;            // SO_KEEPALIVE
  int keepidle_s = 0, keepintvl_s = 0, keepcnt = 0;   // 0: the sysctl's value
  int user_timeout_ms = 0;           // TCP_USER_TIMEOUT
  int syncnt = 0;                    // TCP_SYNCNT (0: tcp_syn_retries)
  int linger2_s = 0;                 // TCP_LINGER2 (negative: an orphan's FIN_WAIT2 ends with a RST at once)
  int rcvbuf = 0, sndbuf = 0;        // sk_rcvbuf/sk_sndbuf when SO_RCVBUF/SO_SNDBUF were set (0: defaults from Settings)
  bool oobinline = false;
  bool recverr = false;              // IP_RECVERR: ICMP errors are reported at once (tcp_v4_err, inet->recverr)
};

// One segment to send. The caller adds the IP header (addresses, TOS, TTL, DF, IP options).
struct OutSegment {
  wire::TcpRepr hdr;                 // ports, seq, ack, flags, window, options; hdr.payload points into `payload`
  std::vector<std::uint8_t> payload;
  bool ect = false;                  // ECT(0) in the IP header (ECN negotiated, data segment)
  // A reset answering a segment (reset_for): Linux sends it from the
  // per-netns control socket (tcp_v4_send_reset), not from the connection.
  bool reply = false;
  // emit(): the TCP header+payload bytes with the checksum for src->dst.
  std::vector<std::uint8_t> emit(Ipv4Address src, Ipv4Address dst) const;

  OutSegment() = default;
  OutSegment(const OutSegment& o) : hdr(o.hdr), payload(o.payload), ect(o.ect), reply(o.reply) {
    hdr.payload = payload;
  }
  OutSegment(OutSegment&& o) noexcept
      : hdr(std::move(o.hdr)), payload(std::move(o.payload)), ect(o.ect), reply(o.reply) {
    hdr.payload = payload;
  }
  OutSegment& operator=(const OutSegment& o) {
    if (this != &o) {
      hdr = o.hdr;
      payload = o.payload;
      ect = o.ect;
      reply = o.reply;
      hdr.payload = payload;
    }
    return *this;
  }
  OutSegment& operator=(OutSegment&& o) noexcept {
    hdr = std::move(o.hdr);
    payload = std::move(o.payload);
    ect = o.ect;
    reply = o.reply;
    hdr.payload = payload;
    return *this;
  }
};

// Pending socket error (sk_err) values are positive errnos: ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE, EHOSTUNREACH, ...

class Connection {
 public:
  struct Endpoints { Ipv4Address local, remote; std::uint16_t local_port = 0, remote_port = 0; };
  Connection(const Settings& settings, Options options, Endpoints ep, Clock::time_point now, std::uint64_t seed);

  // Active open: sends the SYN. `mtu` is the route's MTU to the peer (MSS = mtu - 40, capped by user_mss).
  void connect(int mtu, Clock::time_point now);
  // Passive open: `syn` arrived at a listener. The connection enters SYN_RECEIVED and sends the SYN-ACK.
  // (Linux keeps a request sock here; observable behaviour is what counts.)
  void accept_syn(const wire::TcpRepr& syn, int mtu, std::uint8_t ip_tos, Clock::time_point now);

  // A segment for this connection (already demultiplexed; checksum already verified by the caller).
  // ip_ecn: the ECN bits of its IP header.
  void on_segment(const wire::TcpRepr& seg, std::uint8_t ip_ecn, Clock::time_point now);
  // ICMP errors quoting one of our segments (tcp_v4_err): dest unreachable codes, and fragmentation needed with the next-hop MTU.
  void on_icmp_unreachable(std::uint8_t code, std::uint32_t quoted_seq, Clock::time_point now);
  void on_frag_needed(int mtu, Clock::time_point now);

  // Timers: runs what is due by `now`; next_deadline() is the earliest armed timer.
  void advance(Clock::time_point now);
  std::optional<Clock::time_point> next_deadline() const;

  // User calls. send: copies what fits in the send buffer, returns the count (0 when full);
  // the caller checks state/errors first (EPIPE etc. are the socket layer's).
  std::size_t send(std::span<const std::uint8_t> data, Clock::time_point now, bool more = false /*MSG_MORE*/);
  // recv: copies up to out.size() bytes from the in-order receive queue; peek leaves them there.
  // Reading may send a window update (tcp_cleanup_rbuf).
  std::size_t recv(std::span<std::uint8_t> out, bool peek, Clock::time_point now);
  void shutdown_send(Clock::time_point now);        // SHUT_WR: FIN after queued data
  // Added: SHUT_RD. Linux sends nothing, but data arriving later in FIN_WAIT1/2 then resets the connection.
  void shutdown_receive();
  // close(2): Linux tcp_close: unread data -> RST (and the connection goes away); SO_LINGER on with 0 -> RST;
  // otherwise FIN after queued data and the connection lives on as an orphan (FIN_WAIT*, TIME_WAIT...).
  void close(bool linger_zero, Clock::time_point now);
  void abort(Clock::time_point now);                // sends RST if synchronized, then Closed
  // Added: call after setsockopt changed TCP_NODELAY, TCP_CORK (cleared), TCP_QUICKACK or
  // SO_KEEPALIVE/TCP_KEEP*: pushes held data (tcp_push_pending_frames), sends a pending ACK
  // for TCP_QUICKACK, (re)arms keepalive.
  void sockopt_changed(Clock::time_point now);
  // The IP options' length (icsk_ext_hdr_len): the sending MSS leaves room
  // for them (the MSS offered in a SYN does not). Call before connect() or
  // accept_syn() and whenever IP_OPTIONS changes.
  void set_ext_hdr_len(int len);

  // Output produced since the last call (segments in send order).
  std::vector<OutSegment> take_output();

  // Queries for the socket layer.
  State state() const;
  std::size_t readable() const;          // bytes in order, unread (FIONREAD/SIOCINQ)
  bool fin_received() const;             // peer's FIN consumed into the queue: read returns 0 after the data
  std::size_t send_space() const;        // free send buffer (poll POLLOUT / sk_stream_wspace)
  std::size_t unacked_bytes() const;     // SIOCOUTQ: written, not yet acknowledged
  std::size_t unsent_bytes() const;      // SIOCOUTQNSD
  int take_error();                      // sk_err, cleared by reading (SO_ERROR); 0 = none
  int peek_error() const;
  bool reset_received() const;
  int mss() const;                        // TCP_MAXSEG read back on a connected socket (mss_cache)
  const Endpoints& endpoints() const;
  Options& options();                    // setsockopt writes through this
  const Settings& settings() const;
  // TIME_WAIT facts for the port table's reuse rules (tcp_twsk_unique): last timestamp seen, when it was seen.
  std::optional<std::uint32_t> ts_recent() const;
  Clock::time_point ts_recent_stamp() const;
  bool finished() const;                  // Closed and nothing more to send: the owner may delete it

  // Added: sk_sndbuf as SO_SNDBUF would read it (grows once established, tcp_sndbuf_expand).
  std::size_t send_buffer_size() const { return sndbuf(); }
  // Added: would `syn` reopen this TIME_WAIT connection (tcp_timewait_state_process
  // TCP_TW_SYN: a newer sequence number or timestamp)? The owner decides what follows;
  // on_segment() with such a SYN ends the TIME_WAIT connection and answers nothing.
  bool time_wait_accepts_syn(const wire::TcpRepr& syn) const;

  // Added queries (TCP_INFO-like, and for tests).
  bool orphan() const { return orphan_; }
  bool passive() const { return passive_; }
  std::uint32_t snd_cwnd() const { return cwnd_; }
  std::uint8_t rcv_wscale() const { return rcv_wscale_; }
  std::uint8_t snd_wscale() const { return snd_wscale_; }
  std::uint32_t snd_wnd() const { return snd_wnd_; }
  std::uint32_t rcv_wnd() const { return rcv_wnd_; }
  bool timestamps_ok() const { return ts_ok_; }
  bool sack_ok() const { return sack_ok_; }
  bool ecn_ok() const { return ecn_ok_; }
  Clock::duration rto() const { return rto_; }
  std::chrono::microseconds srtt() const { return rtt_.srtt(); }
  int retransmits() const { return retransmits_; }
  std::uint32_t iss() const { return iss_; }
  std::uint32_t irs() const { return irs_; }
  std::uint32_t snd_una() const { return snd_una_; }
  std::uint32_t snd_nxt() const { return snd_nxt_; }
  std::uint32_t rcv_nxt() const { return rcv_nxt_; }

 private:
  // One transmitted, unacknowledged piece of the send stream (Linux's skb in
  // the retransmit queue): [seq, end) with SYN/FIN counted in `end`.
  struct TxSeg {
    std::uint32_t seq = 0, end = 0;
    std::uint8_t flags = 0;  // FIN and PSH as sent
    bool sacked = false, lost = false, retrans = false, ever_retrans = false;
    Clock::time_point sent{};
  };
  enum class CaState { Open, Disorder, Recovery, Loss };  // tcp_ca_state (CWR folded into Open)

  // connection.cpp
  void init_options_from_peer(const wire::TcpRepr& syn);
  void init_windows(bool ts_in_mss);
  void init_buffer_space();
  void set_established(Clock::time_point now);
  void enter_time_wait(Clock::time_point now);
  void done();
  void set_error(int err) { err_ = err; }
  std::size_t rcvbuf() const;
  std::size_t sndbuf() const;
  std::uint32_t ts_now(Clock::time_point now) const;
  Clock::duration fin_time() const;
  int user_mss_clamp(int mss) const;
  void sync_mss(int pmtu);
  // input.cpp
  void rcv_syn_sent(const wire::TcpRepr& seg, std::uint8_t ip_ecn, Clock::time_point now);
  void rcv_request(const wire::TcpRepr& seg, Clock::time_point now);
  void rcv_time_wait(const wire::TcpRepr& seg, Clock::time_point now);
  bool validate_incoming(const wire::TcpRepr& seg, Clock::time_point now);
  bool paws_reject(const wire::TcpRepr& seg, Clock::time_point now) const;
  void store_ts_recent(const wire::TcpRepr& seg, Clock::time_point now);
  void reset(Clock::time_point now);  // tcp_reset: a valid RST arrived
  void data_queue(const wire::TcpRepr& seg, std::uint8_t ip_ecn, Clock::time_point now);
  void event_data_recv(std::size_t len, Clock::time_point now);
  void rcv_fin(Clock::time_point now);
  void ack_snd_check(Clock::time_point now);
  void send_challenge_ack(Clock::time_point now);
  bool oow_rate_limited(Clock::time_point now);
  std::uint64_t rcv_offset(std::uint32_t s) const;
  // ack.cpp
  int process_ack(const wire::TcpRepr& seg, Clock::time_point now);  // tcp_ack: <0 unacceptable, 0 old, >0 ok
  void update_window(const wire::TcpRepr& seg, std::uint32_t ack);
  void sack_tag(const wire::TcpRepr& seg);
  void mark_lost_from_sack();
  void clean_rtx_queue(std::uint32_t ack, Clock::time_point now, bool& rtt_taken);
  void cong_avoid(std::uint32_t acked);
  void enter_recovery();
  void enter_loss();
  std::uint32_t packets_in_flight() const;
  void set_seg_lost(TxSeg& s, bool v);
  void set_seg_sacked(TxSeg& s, bool v);
  void set_seg_retrans(TxSeg& s, bool v);
  // output.cpp
  OutSegment make_segment(std::uint32_t seq, std::uint8_t flags, Clock::time_point now);
  void transmit(OutSegment seg, Clock::time_point now);
  void send_syn(Clock::time_point now);
  void send_synack(Clock::time_point now);
  void send_ack(Clock::time_point now);
  void send_active_reset(Clock::time_point now);
  void send_probe(Clock::time_point now);  // tcp_xmit_probe_skb: seq snd_una - 1, no data
  void write_xmit(Clock::time_point now, bool push_one = false);
  bool send_new_segment(std::size_t max_len, Clock::time_point now);
  void retransmit_seg(std::size_t index, Clock::time_point now, bool loss_probe = false);
  bool schedule_loss_probe(Clock::time_point now, bool advancing_rto);
  void set_xmit_timer(Clock::time_point now);
  void xmit_retransmit_queue(Clock::time_point now);
  void queue_fin(Clock::time_point now);
  std::uint16_t select_window();
  std::uint32_t raw_select_window() const;  // __tcp_select_window
  std::uint32_t receive_window() const;     // tcp_receive_window
  std::uint32_t tcp_space() const;
  std::uint32_t full_space() const;
  bool nagle_allows(std::size_t len, bool has_fin) const;
  bool write_queue_pending() const;
  void check_probe_timer(Clock::time_point now);
  void ack_sent();
  void cleanup_rbuf(std::size_t copied, Clock::time_point now);
  void send_delayed_ack(Clock::time_point now);
  // timers.cpp
  void on_retransmit_timer(Clock::time_point now);
  void on_loss_probe(Clock::time_point now);
  void on_syn_timer(Clock::time_point now);
  void on_synack_timer(Clock::time_point now);
  void on_probe_timer(Clock::time_point now);
  void on_keepalive_timer(Clock::time_point now);
  void on_delack_timer(Clock::time_point now);
  void on_life_timer(Clock::time_point now);
  void rearm_rto(Clock::time_point now);
  void reset_keepalive(Clock::time_point now);
  bool retransmits_timed_out(int boundary, Clock::time_point now) const;
  void write_err(Clock::time_point now);
  Clock::duration probe0_when() const;
  Clock::duration keepalive_idle() const;
  Clock::duration keepalive_intvl() const;
  int keepalive_probes() const;

  const Settings* settings_;
  Options opts_;
  Endpoints ep_;
  std::mt19937_64 rng_;

  State state_ = State::Closed;
  bool passive_ = false;      // a request sock (SYN_RECV from a listener)
  bool orphan_ = false;       // closed by the user (SOCK_DEAD)
  bool rcv_shutdown_ = false; // RCV_SHUTDOWN: FIN received, or close/shutdown(SHUT_RD)
  bool snd_shutdown_ = false; // SEND_SHUTDOWN
  bool tw_fin_wait2_ = false; // an orphan's FIN_WAIT2 kept as a timewait sock (tw_substate)

  // Send side.
  std::uint32_t iss_ = 0, snd_una_ = 0, snd_nxt_ = 0, write_seq_ = 0;
  std::uint32_t snd_wnd_ = 0, snd_wl1_ = 0, max_window_ = 0, snd_sml_ = 0;
  bool fin_queued_ = false;   // FIN follows write_seq_ (counted in write_seq_ once queued)
  ByteRing sndq_;             // data bytes from the first unacknowledged one
  std::uint32_t sndq_seq_ = 0;  // sequence number of sndq_'s first byte
  std::deque<std::uint32_t> push_marks_;  // ends of writes: the segment holding one carries PSH
  std::deque<TxSeg> rtx_;     // sent, not yet cumulatively acknowledged, in sequence order
  std::uint32_t sacked_out_ = 0, lost_out_ = 0, retrans_out_ = 0;
  bool corked_more_ = false;  // the last write had MSG_MORE

  // Receive side.
  std::uint32_t irs_ = 0, rcv_nxt_ = 0, rcv_wup_ = 0, rcv_wnd_ = 0;
  std::uint32_t rcv_ssthresh_ = 0, window_clamp_ = 0;
  std::uint64_t rcv_nxt_off_ = 0;  // rcv_nxt as an offset in the stream (for the ofo queue)
  ByteRing rcvq_;
  // What the in-order queue charges to the receive buffer (sk_rmem_alloc):
  // each queued segment's truesize, by the stream offset where it ends.
  std::deque<std::pair<std::uint64_t, std::uint32_t>> rcv_skbs_;
  std::uint64_t rcv_alloc_ = 0;
  // Receive buffer autotuning (tcp_rcv_space_adjust): what the user copied
  // in the last measured round trip, and the buffer it grew to.
  std::size_t rcvbuf_auto_ = 0;
  std::uint64_t copied_total_ = 0, space_seq_ = 0;
  std::uint32_t space_ = 0;
  Clock::time_point space_time_{};
  void rcv_space_adjust(Clock::time_point now);
  void charge_rcv(std::size_t len, bool fin);
  void uncharge_read();
  OfoQueue ofo_;
  std::optional<std::uint64_t> ofo_fin_off_;  // a FIN seen beyond a hole
  SackBlocks sacks_;
  std::optional<wire::TcpSackBlock> dsack_;
  bool fin_received_ = false;

  // Negotiated options.
  bool ts_ok_ = false, sack_ok_ = false, wscale_ok_ = false;
  std::uint8_t snd_wscale_ = 0, rcv_wscale_ = 0;
  std::uint32_t ts_offset_ = 0, ts_recent_ = 0;
  std::optional<Clock::time_point> ts_recent_stamp_;
  int advmss_ = 536, mss_clamp_ = 536, mss_cache_ = 536, pmtu_ = 0, rcv_mss_ = 536;
  int ext_hdr_len_ = 0;  // icsk_ext_hdr_len: the IP options' length
  bool ecn_ok_ = false, ecn_demand_cwr_ = false, ecn_queue_cwr_ = false;
  std::uint8_t syn_tos_ = 0;
  wire::TcpRepr peer_syn_;  // the SYN a passive open answered (options echoed on SYN-ACK retransmissions)

  // Congestion control.
  std::uint32_t cwnd_ = 10, ssthresh_ = 0x7fffffff, cwnd_cnt_ = 0;
  CaState ca_ = CaState::Open;
  std::uint32_t high_seq_ = 0;
  int dupacks_ = 0;
  RttEstimator rtt_;

  // Timers and their counters.
  std::optional<Clock::time_point> rtx_timer_, delack_timer_, probe_timer_, keepalive_timer_, life_timer_;
  Clock::duration rto_{};
  int backoff_ = 0, retransmits_ = 0, probes_out_ = 0;
  std::optional<Clock::time_point> retrans_stamp_;  // first retransmission (the SYN for an open): timeouts count from it
  bool rtx_timer_is_probe_ = false;  // rtx_timer_ is the tail loss probe (ICSK_TIME_LOSS_PROBE)
  std::optional<std::uint32_t> tlp_high_seq_;  // snd_nxt when the outstanding loss probe went out
  Clock::time_point syn_sent_at_{};
  Clock::time_point last_rx_{};       // any valid segment received (rcv_tstamp / lrcvtime)

  // Delayed ACK engine (icsk_ack).
  bool ack_pending_ = false, ack_now_ = false, ack_pushed_ = false;
  int quick_ = 0;
  int pingpong_ = 0;
  Clock::duration ato_{};
  Clock::time_point lrcvtime_{};
  std::optional<Clock::time_point> last_oow_ack_;
  std::uint32_t dup_ack_rcv_nxt_ = 0;

  // Errors.
  int err_ = 0, soft_err_ = 0;
  bool reset_received_ = false;

  std::vector<OutSegment> out_;
};

// The reset Linux sends for a segment no socket accepts (tcp_v4_send_reset): nothing for a RST;
// ACK set -> seq = its ack, flags RST; else seq 0, ack = seq + len(+SYN)(+FIN), flags RST|ACK; window 0, no options.
std::optional<OutSegment> reset_for(const wire::TcpRepr& seg);

}  // namespace ipc::stack::tcp
