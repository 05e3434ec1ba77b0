// The receive window a connection starts with (tcp_select_initial_window).
#pragma once

#include <cstdint>

namespace ipc::stack::tcp {

struct InitialWindow {
  std::uint32_t rcv_wnd = 0;       // the window offered in the SYN/SYN-ACK (before the 16-bit cap)
  std::uint32_t window_clamp = 0;  // the most this side will ever offer
  std::uint8_t rcv_wscale = 0;
};

// space: tcp_full_space (the receive buffer's window share); mss: the MSS we
// advertise less the timestamp option when it will be on every segment;
// max_space: max(tcp_rmem[2], net.core.rmem_max), which alone picks the scale.
InitialWindow select_initial_window(std::uint32_t space, std::uint32_t mss, bool wscale_ok,
                                    std::uint32_t max_space);

// tcp_win_from_space with Linux's default scaling_ratio (half the buffer
// holds payload, the rest is skb overhead).
constexpr std::uint32_t win_from_space(std::uint32_t space) { return space / 2; }

}  // namespace ipc::stack::tcp
