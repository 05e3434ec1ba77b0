#include "stack/tcp/rtt_estimator.hpp"

#include <algorithm>

#include "stack/tcp/seq.hpp"

namespace ipc::stack::tcp {

void RttEstimator::sample(us rtt, std::uint32_t snd_una, std::uint32_t snd_nxt, us rto_min) {
  std::int64_t m = std::max<std::int64_t>(rtt.count(), 1);  // a zero sample counts as 1 us
  const std::int64_t floor = rto_min.count();
  if (srtt8_ != 0) {
    // Van Jacobson's gains: srtt += (m - srtt)/8, mdev += (|err| - mdev)/4,
    // with a falling RTT weighing the deviation less (tcp_rtt_estimator).
    m -= srtt8_ >> 3;
    srtt8_ += m;
    if (m < 0) {
      m = -m;
      m -= mdev4_ >> 2;
      if (m > 0) m >>= 3;
    } else {
      m -= mdev4_ >> 2;
    }
    mdev4_ += m;
    if (mdev4_ > mdev_max_) {
      mdev_max_ = mdev4_;
      rttvar_ = std::max(rttvar_, mdev_max_);
    }
    // Once per flight of data, let rttvar decay towards the largest deviation seen.
    if (seq::after(snd_una, rtt_seq_)) {
      if (mdev_max_ < rttvar_) rttvar_ -= (rttvar_ - mdev_max_) >> 2;
      rtt_seq_ = snd_nxt;
      mdev_max_ = floor;
    }
  } else {
    srtt8_ = m << 3;
    mdev4_ = m << 1;  // rto = 3 * rtt at first
    rttvar_ = std::max(mdev4_, floor);
    mdev_max_ = rttvar_;
    rtt_seq_ = snd_nxt;
  }
  srtt8_ = std::max<std::int64_t>(srtt8_, 1);
}

}  // namespace ipc::stack::tcp
