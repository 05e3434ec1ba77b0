// The TCP sockets the frame fuzzer keeps open, shared with the corpus
// writer so that its seeds hit them: a listener on kListenPort, and a
// client on kClientPort connected to the peer's kPeerPort, whose handshake
// the fixture completes with a SYN-ACK of its own (peer ISN kPeerIsn).
// Stack::reset makes the stack's ISNs repeat, so the DUT's ISN that
// open_tcp returns is the same in every fresh stack.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "stack/api/syscalls.hpp"
#include "stack/wire/tcp.hpp"

namespace ipc::stack::fuzz {

inline constexpr std::uint16_t kListenPort = 7000, kClientPort = 7001, kPeerPort = 7002;
inline constexpr std::uint32_t kPeerIsn = 0x10000;

struct TcpSockets {
  int listener = -1, client = -1;
  std::uint32_t dut_isn = 0;  // the client's SYN sequence number
};

using Frame = std::vector<std::uint8_t>;

// An Ethernet frame from the peer (192.0.2.2) to the DUT carrying `seg`.
Frame peer_tcp_frame(const wire::TcpRepr& seg);

// Opens both sockets through `sys`. `sent` returns (and forgets) the frames
// the stack sent since it was last called; `now` is the stack's clock.
// Nothing on failure.
std::optional<TcpSockets> open_tcp(core::Stack& stack, api::Syscalls& sys, const std::function<std::vector<Frame>()>& sent,
                                   core::Clock::time_point now);

}  // namespace ipc::stack::fuzz
