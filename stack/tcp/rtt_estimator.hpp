// The retransmission timeout (RFC 6298) as Linux computes it in
// tcp_rtt_estimator and tcp_set_rto: srtt and a mean deviation in
// microseconds; the variance term never drops below tcp_rto_min, so the RTO
// is at least srtt + 200 ms; the result is capped by rto_max
// (tcp_bound_rto). Before any sample the RTO is the initial 1 s.
#pragma once

#include <chrono>
#include <cstdint>

namespace ipc::stack::tcp {

class RttEstimator {
 public:
  using us = std::chrono::microseconds;
  // rtt_seq/snd_una/snd_nxt drive the once-per-window decay of rttvar.
  void sample(us rtt, std::uint32_t snd_una, std::uint32_t snd_nxt, us rto_min);
  bool has_sample() const { return srtt8_ != 0; }
  us srtt() const { return us(srtt8_ >> 3); }
  us rttvar() const { return us(rttvar_); }
  // __tcp_set_rto: srtt + rttvar.
  us rto() const { return us((srtt8_ >> 3) + rttvar_); }

 private:
  std::int64_t srtt8_ = 0;    // srtt << 3
  std::int64_t mdev4_ = 0;    // mean deviation << 2
  std::int64_t mdev_max_ = 0;
  std::int64_t rttvar_ = 0;
  std::uint32_t rtt_seq_ = 0;
};

}  // namespace ipc::stack::tcp
