#include "stack/tcp/window.hpp"

#include <algorithm>
#include <bit>

namespace ipc::stack::tcp {

InitialWindow select_initial_window(std::uint32_t space, std::uint32_t mss, bool wscale_ok,
                                    std::uint32_t max_space) {
  constexpr std::uint32_t kMaxWscale = 14;  // RFC 7323 2.3
  InitialWindow w;
  const std::uint32_t clamp = 65535u << kMaxWscale;  // no route window clamp
  space = std::min(space, clamp);
  // Offer a whole number of segments.
  if (mss > 0 && space > mss) space = space / mss * mss;
  // Since 6.10 the initial window is no longer held to 64 KB here; the
  // 16-bit field of the SYN caps what is shown.
  w.rcv_wnd = space;
  if (wscale_ok) {
    // The scale is chosen for the largest buffer the socket may grow to.
    std::uint32_t s = std::max(space, max_space);
    s = std::min(s, clamp);
    const int log = s == 0 ? 0 : std::bit_width(s) - 1;
    w.rcv_wscale = static_cast<std::uint8_t>(std::clamp(log - 15, 0, static_cast<int>(kMaxWscale)));
  }
  w.window_clamp = std::min(65535u << w.rcv_wscale, clamp);
  w.rcv_wnd = std::min(w.rcv_wnd, w.window_clamp);
  return w;
}

}  // namespace ipc::stack::tcp
